/**
 * The shared rate-limit gate: one per (credential, Base URL), shared by everything this n8n process
 * runs. Every request passes it before sending and reports back how it went. It holds requests after
 * a 429 (until Retry-After, or one shared backoff step, after which one request tests the limit);
 * while the server's headers say the allowance is spent (until their reset; `remaining` is trusted
 * over local counts, requests in flight count as spent, and places are kept for other clients the
 * counts show); and while this worker's learned budget is spent (limit-estimator.ts) — never while
 * the headers say places are left. The rules on one page: docs/pacing.md.
 *
 * Deciding and recording a start happen with no await in between, so no two requests take the last
 * place and none starts early, at any concurrency. A request held by something an answer in flight
 * may change is woken when a request settles. Tests build their own `RateGate` with their own
 * clock; `rateGates` hands out the one per key that the process shares.
 */
import type { Clock } from './clock';
import { systemClock } from './clock';
import type { Allowance } from './rate-limit-headers';
import type { GateNote, HeldSpan, HoldReason } from './rate-limit-cost';
import { LimitEstimator } from './limit-estimator';

/**
 * A request waiting for another's answer gives up this long before the caller's deadline (the
 * answer would leave it no time to send).
 */
const ANSWER_MARGIN_MS = 40;

type GateTurn = 'go' | 'probe';

/** A request that passed the gate: hand it back with its answer. */
export interface GateTicket {
	turn: GateTurn;
	/** Which start this was (1, 2, …), to tell newer readings of the allowance from older ones. */
	seq: number;
	startedAt: number;
	/** What the server's last reading said was left when it started, and when it was counted (undefined: no reading). */
	readAtStart?: { remaining: number; at: number };
	/** Its answer stated the allowance (set when answered). */
	answerRead?: boolean;
}

/** How passing the gate ended: a ticket to send, a hold longer than allowed, or a cancellation. */
type GatePass =
	| { kind: 'turn'; ticket: GateTicket; turn: GateTurn; waitedMs: number; held: HeldSpan[] }
	| { kind: 'too-long'; delayMs: number; reason: HoldReason }
	/** Waiting `delayMs` (or for another request's probe) would end past the caller's deadline. */
	| { kind: 'past-deadline'; delayMs: number; probing: boolean }
	| { kind: 'cancelled' };

/** The server's allowance as the gate keeps it. */
interface KnownAllowance {
	remaining: number;
	resetAt: number;
	/** Starts made when this reading arrived: a reading from a later start is newer. */
	seenAt: number;
	/** Requests started since that the reading may not count yet (in flight when it came, or started after). */
	uncounted: number;
	/** When the server counted it (about: half our request's round trip before its answer). */
	countedAt: number;
	/** Not a reading: after a reset, one request finds out what the new window allows. */
	scout?: boolean;
}

/** Readings of our own answers kept, the newest (to tell our requests in the server's count from others'). */
const MAX_READINGS = 100;
/** Notes kept per gate (what it learned and when), the newest. */
const MAX_NOTES = 200;

export class RateGate {
	/** Nobody sends before this moment (epoch ms). */
	private notBefore = 0;
	/** The hold came from our own backoff: one request probes before the others go. */
	private probeNeeded = false;
	private probing = false;
	/** Consecutive rate-limited rounds without Retry-After: the shared backoff step. */
	private backoffLevel = 0;
	private starts = 0;
	private inFlight = 0;
	private allowance: KnownAllowance | undefined;
	/**
	 * Other clients' requests the server counted between a reading of ours and the arrival of a
	 * request we sent on it: in all, over how many ms, and the fastest pace (per ms) — in this
	 * window and in the one before.
	 */
	private others = { now: { count: 0, ms: 0, fastest: 0 }, before: { count: 0, ms: 0, fastest: 0 } };
	/** Half our last request's round trip: from its arrival at the server to its answer, about. */
	private halfTrip = 0;
	/** What our recent answers said was left, when the server counted it, and when the answer came. */
	private readings: Array<{ remaining: number; at: number; answeredAt: number }> = [];
	/** The longest reset seen in a reading: a window's length, about. */
	private windowSeenMs = 0;
	private notes: GateNote[] = [];
	readonly estimator = new LimitEstimator();
	/** Requests waiting for an answer: woken (their wait aborted) when a request settles. */
	private waiters = new Set<AbortController>();

	constructor(private readonly clock: Clock = systemClock) {
		this.estimator.onNote = (at, text) => this.note(at, text);
	}

	/** Notes what the gate learned or decided (kept for the record of the runs that use it). */
	note(at: number, text: string): void {
		this.notes.push({ at, text });
		if (this.notes.length > MAX_NOTES) this.notes.splice(0, this.notes.length - MAX_NOTES);
	}

	/** The notes from `at` on, after one that says what was known then (learned by earlier runs). */
	notesSince(at: number): GateNote[] {
		const later = this.notes.filter((n) => n.at >= at);
		const before = this.notes.filter((n) => n.at < at);
		const known = before.length ? [{ at, text: `known from before: ${before[before.length - 1].text}` }] : [];
		return [...known, ...later];
	}

	/** The window the gate paces to, when it knows one (learned, or the longest reset read). */
	windowMs(): number | undefined {
		return this.estimator.estimate?.windowMs ?? (this.windowSeenMs > 0 ? Math.ceil(this.windowSeenMs / 1000) * 1000 : undefined);
	}

	/**
	 * Places kept for other clients: what they may send, at the fastest pace seen, between the
	 * freshest reading and the arrival of a request sent now — half as many again (times per
	 * answer vary, and a place too few is a 429).
	 */
	marginNow(now = this.clock.now()): number {
		const age = this.allowance ? now + this.halfTrip - this.allowance.countedAt : 0;
		return placesFor(Math.max(this.others.now.fastest, this.others.before.fastest), age);
	}

	/**
	 * Within the places kept for others, one request at a time goes while this many are left: one
	 * for it, and what the others send in one of our round trips at their usual pace.
	 */
	private lastPlaces(): number {
		const pace = (w: { count: number; ms: number }) => (w.ms > 0 ? w.count / w.ms : 0);
		return 1 + Math.max(1, placesFor(Math.max(pace(this.others.now), pace(this.others.before)), 2 * this.halfTrip));
	}

	/**
	 * Our request, sent when the freshest reading said `from` were left, found `left` (`counted`:
	 * it took a place itself). Between the two the server counted our own requests (those answered
	 * since with readings in between, and at most those still in flight) and other clients'.
	 */
	private otherClients(ticket: GateTicket, left: number, counted: boolean, now: number): void {
		this.halfTrip = (now - ticket.startedAt) / 2;
		const since = this.readings.filter((r) => r.answeredAt >= ticket.startedAt);
		// Sent before any reading (a run's first requests): from our first answer of that round on.
		const from = ticket.readAtStart ?? since.reduce((a, r) => (r.remaining > a.remaining ? r : a), { remaining: left, at: now - this.halfTrip });
		const ours = since.filter((r) => r.remaining > left && r.remaining < from.remaining).length;
		this.readings.push({ remaining: left, at: now - this.halfTrip, answeredAt: now });
		if (this.readings.length > MAX_READINGS) this.readings.shift();
		const others = from.remaining - left - (counted ? 1 : 0) - ours - this.inFlight;
		const ms = now - this.halfTrip - from.at;
		if (others < 0 || ms <= 0) return;
		const seen = this.others.now;
		seen.count += others;
		seen.ms += ms;
		if (others > 0) this.fasterOthers(now, others / ms, `other clients sent ${others} in the ${Math.round(ms)} ms a request of ours took to arrive`);
	}

	/** Other clients' pace, when faster than seen in this window; noted when the places kept for them grow. */
	private fasterOthers(now: number, perMs: number, why: string): void {
		const was = Math.max(this.others.now.fastest, this.others.before.fastest);
		this.others.now.fastest = Math.max(this.others.now.fastest, perMs);
		const places = placesFor(perMs, 2 * this.halfTrip);
		if (places > placesFor(was, 2 * this.halfTrip)) this.note(now, `${why}: keeping ${places} place${places === 1 ? '' : 's'} for them (limit not lowered)`);
	}

	/** A new window: the pace other clients showed in the last one is kept for this one, the rest forgotten. */
	private newWindow(now: number): void {
		if (this.others.now.count === 0 && this.others.before.count > 0) this.note(now, 'other clients quiet for a window: no places kept for them');
		this.others = { now: { count: 0, ms: 0, fastest: 0 }, before: this.others.now };
	}

	/** Nobody sends before `until` (epoch ms). Never moves an existing moment earlier. */
	hold(until: number): void {
		if (until > this.notBefore) this.notBefore = until;
	}

	/**
	 * A 429 without Retry-After: holds the gate for `wait(level)` ms from `now` and makes the next
	 * request a probe. If the gate is already held (another request of the same round got its 429
	 * first), the existing hold stands. Returns the moment the gate opens.
	 */
	backOff(now: number, wait: (level: number) => number): number {
		if (this.notBefore > now) return this.notBefore;
		this.notBefore = now + wait(this.backoffLevel);
		this.backoffLevel += 1;
		this.probeNeeded = true;
		return this.notBefore;
	}

	/** Milliseconds a request must still wait for a 429's hold (0 when it has passed). */
	delay(now: number = this.clock.now()): number {
		return Math.max(0, this.notBefore - now);
	}

	/**
	 * How long a request must wait now, and why (0: it may start; Infinity: until a request in
	 * flight is answered, as only its answer can free a place).
	 */
	holdOf(now: number = this.clock.now()): { delayMs: number; reason: HoldReason } {
		const held = this.delay(now);
		if (held > 0) return { delayMs: held, reason: 'rate-limited' };
		const spent = this.allowanceDelay(now);
		if (spent > 0) return { delayMs: spent, reason: 'allowance' };
		// The server said places are left: the learned estimate holds nothing back.
		if (this.allowance) return { delayMs: 0, reason: 'allowance' };
		return { delayMs: this.estimator.nextStart(now, this.inFlight) - now, reason: 'learned-limit' };
	}

	private allowanceDelay(now: number): number {
		const allowance = this.allowance;
		if (!allowance || allowance.remaining - allowance.uncounted - (allowance.scout ? 0 : this.marginNow()) > 0) return 0;
		// Within the places kept for others: one request at a time while enough are left (each answer
		// a fresh reading); else until the reset, or an answer in flight (pass wakes on it).
		if (!allowance.scout && now < allowance.resetAt && allowance.remaining - allowance.uncounted >= this.lastPlaces()) return this.inFlight === 0 ? 0 : Infinity;
		if (now < allowance.resetAt) return allowance.resetAt - now;
		// Reset, but what the new window allows is unknown: one request finds out, the others wait
		// for its answer (a sliding window or a token bucket may have freed a single place).
		if (allowance.uncounted > 0 && this.inFlight > 0) return Infinity;
		this.allowance = { remaining: 1, resetAt: now, countedAt: now, seenAt: this.starts, uncounted: 0, scout: true };
		this.newWindow(now);
		return 0;
	}

	/**
	 * Once nothing holds: `go` (send), `probe` (send; you are the one request that tests the limit
	 * after a backoff), or `wait` (another request is probing).
	 */
	enter(): GateTurn | 'wait' {
		if (!this.probeNeeded) return 'go';
		if (this.probing) return 'wait';
		this.probing = true;
		return 'probe';
	}

	/** Records a start (right after `enter` let it go, with no await between). */
	private start(turn: GateTurn, now: number): GateTicket {
		const known = this.allowance && !this.allowance.scout && now < this.allowance.resetAt ? this.allowance : undefined;
		this.starts += 1;
		this.inFlight += 1;
		if (this.allowance) this.allowance.uncounted += 1;
		this.estimator.started(now);
		return { turn, seq: this.starts, startedAt: now, ...(known ? { readAtStart: { remaining: known.remaining, at: known.countedAt } } : {}) };
	}

	/**
	 * A request that passed has its answer: whether it was rate-limited or got through, and the
	 * server's allowance when the answer stated one.
	 */
	answered(ticket: GateTicket, outcome: { rateLimited: boolean; succeeded: boolean; allowance?: Allowance }, now: number = this.clock.now()): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		// The waiters look again once this call's bookkeeping (and a 429's hold) is done.
		for (const waiter of this.waiters) waiter.abort();
		this.waiters.clear();
		if (ticket.turn === 'probe') {
			this.probing = false;
			// Not rate-limited: the limit is open again, the gate opens for everyone.
			if (!outcome.rateLimited) this.probeNeeded = false;
		}
		if (outcome.succeeded) {
			// The backoff starts again from its first step; a success also ends a pending probe round.
			if (!this.probing && this.notBefore <= now) this.probeNeeded = false;
			this.backoffLevel = 0;
		}
		if (!outcome.rateLimited) this.estimator.answered(ticket.startedAt, now, outcome.succeeded);
		if (outcome.allowance) {
			ticket.answerRead = true;
			this.readAllowance(ticket, outcome.allowance, !outcome.rateLimited, now);
		} else if (outcome.rateLimited && ticket.readAtStart) {
			// A 429 that stated nothing, although the reading it went on left places: as if none were left.
			this.otherClients(ticket, 0, false, now);
		} else if (this.allowance && ticket.seq > this.allowance.seenAt && this.allowance.resetAt <= now) {
			// The request sent to find out what a new window allows came back without saying.
			this.allowance = undefined;
		}
	}

	private readAllowance(ticket: GateTicket, reading: Allowance, counted: boolean, now: number): void {
		const known = this.allowance;
		this.otherClients(ticket, reading.remaining, counted, now);
		const newer = !known || now >= known.resetAt || ticket.seq > known.seenAt || reading.resetAt > known.resetAt + 1000;
		if (newer) {
			this.windowSeenMs = Math.max(this.windowSeenMs, Math.min(reading.resetAt - now, 3600_000));
			if (known && !known.scout && reading.resetAt > known.resetAt + 1000) this.newWindow(now);
			// The reset counts whole seconds, rounded up: each reading of a window bounds it from above,
			// the earliest is the closest. Every request in flight may be missing from the count.
			const same = known && !known.scout && Math.abs(reading.resetAt - known.resetAt) < 1000;
			this.allowance = {
				remaining: reading.remaining,
				resetAt: same ? Math.min(known.resetAt, reading.resetAt) : reading.resetAt,
				countedAt: now - this.halfTrip,
				seenAt: this.starts,
				uncounted: this.inFlight,
			};
		} else {
			// An answer overtaken by a newer one. Its request was in flight when that one came, so it
			// is among the uncounted; now it is counted either way: in the newer reading (served
			// before it) or in its own, lower one (served after it). Less left: the server counted more.
			// Served after, it is the freshest count, and its reset the current one (a sliding window's or a
			// token bucket's reset with none left is when the next place frees).
			known.uncounted = Math.max(0, known.uncounted - 1);
			if (reading.remaining < known.remaining) Object.assign(known, { remaining: reading.remaining, resetAt: Math.min(known.resetAt, reading.resetAt) });
		}
	}

	/**
	 * The request was rate-limited. Holds everyone until `now + retryAfterMs` (Retry-After always
	 * wins over any allowance read before), or, without it, for the shared backoff step `wait`.
	 * Returns the moment the gate opens.
	 */
	rateLimited(ticket: GateTicket, now: number, retryAfterMs: number | undefined, wait: (level: number) => number): number {
		// With headers the learned estimate is not taught (the headers are the truth while they come;
		// the places other clients took are kept for them: otherClients).
		const headersSpoke = ticket.readAtStart !== undefined || ticket.answerRead === true;
		if (retryAfterMs === undefined) {
			if (!headersSpoke) this.estimator.rateLimited(ticket.startedAt, now, undefined);
			return this.backOff(now, wait);
		}
		this.hold(now + retryAfterMs);
		// With headers, the window after the hold starts as after a reset: one request finds out
		// what is left before the others follow (else every worker's requests would rush in at once).
		this.allowance = headersSpoke ? { remaining: 0, resetAt: this.notBefore, countedAt: now, seenAt: this.starts, uncounted: 0 } : undefined;
		if (!headersSpoke) this.estimator.rateLimited(ticket.startedAt, now, this.notBefore);
		return this.notBefore;
	}

	/**
	 * Waits until this request may send: past every hold, and, after a backoff, until the probing
	 * request got through. Gives up when a hold is longer than `maxWaitMs`, or when a wait would
	 * end after `deadline` (epoch ms).
	 */
	async pass(maxWaitMs: number, signal?: AbortSignal, deadline = Infinity): Promise<GatePass> {
		const began = this.clock.now();
		const giveUpAt = began + maxWaitMs;
		const held: HeldSpan[] = [];
		for (;;) {
			const now = this.clock.now();
			const { delayMs, reason } = this.holdOf(now);
			let waited: boolean;
			let by: HoldReason = reason;
			if (delayMs === Infinity) {
				// Only an answer in flight can free a place: wait for one.
				if (now + ANSWER_MARGIN_MS > deadline) return { kind: 'past-deadline', delayMs: ANSWER_MARGIN_MS, probing: false };
				waited = await this.untilAnswered(deadline - ANSWER_MARGIN_MS - now + 1, signal);
			} else if (delayMs > maxWaitMs) {
				return { kind: 'too-long', delayMs, reason };
			} else if (delayMs > 0) {
				if (now + delayMs > deadline) return { kind: 'past-deadline', delayMs, probing: false };
				// An answer in flight may change a hold that is not a 429's: it wakes the wait.
				waited = reason === 'rate-limited' || this.inFlight === 0 ? await this.clock.sleep(delayMs, signal) : await this.untilAnswered(delayMs, signal);
			} else {
				const turn = this.enter();
				if (turn !== 'wait') return { kind: 'turn', ticket: this.start(turn, now), turn, waitedMs: now - began, held };
				by = 'rate-limited';
				// Another request is testing the limit: its answer (bounded by its timeout) decides.
				if (now > giveUpAt) return { kind: 'too-long', delayMs: maxWaitMs, reason: 'rate-limited' };
				if (now + ANSWER_MARGIN_MS > deadline) return { kind: 'past-deadline', delayMs: ANSWER_MARGIN_MS, probing: true };
				waited = await this.untilAnswered(Math.min(giveUpAt, deadline - ANSWER_MARGIN_MS) - now + 1, signal);
			}
			const after = this.clock.now();
			const last = held[held.length - 1];
			if (last && last.by === by && last.to === now) last.to = after;
			else if (after > now) held.push({ by, from: now, to: after });
			if (!waited) return { kind: 'cancelled' };
		}
	}

	/** Waits `ms`, or less when a request settles first; false when `signal` cancelled the wait. */
	private async untilAnswered(ms: number, signal?: AbortSignal): Promise<boolean> {
		const wake = new AbortController();
		const cancel = () => wake.abort();
		signal?.addEventListener('abort', cancel, { once: true });
		this.waiters.add(wake);
		try {
			if (signal?.aborted) return false;
			await this.clock.sleep(ms, wake.signal);
			return !signal?.aborted;
		} finally {
			this.waiters.delete(wake);
			signal?.removeEventListener('abort', cancel);
		}
	}
}

/** Places other clients take at `perMs` in `ms`, half as many again (times per answer vary, and a place too few is a 429). */
function placesFor(perMs: number, ms: number): number {
	return Math.max(0, Math.ceil(1.5 * perMs * ms - 0.2));
}

/** One gate per credential and Base URL (the API the credential reaches). */
export function gateKey(baseUrl: string, credentialId: string | undefined): string {
	return `${credentialId ?? 'no-credential-id'} ${baseUrl}`;
}

/**
 * Hands out one gate per key. Gates are kept for the life of the process (one small object per
 * credential and API), so what a gate holds is never lost while a request still uses it.
 */
export class GateRegistry {
	private readonly gates = new Map<string, RateGate>();

	constructor(private readonly clock: Clock = systemClock) {}

	/** The gate for `key`; one made now keeps `clock` (default: the registry's). */
	gateFor(key: string, clock: Clock = this.clock): RateGate {
		let gate = this.gates.get(key);
		if (!gate) {
			gate = new RateGate(clock);
			this.gates.set(key, gate);
		}
		return gate;
	}

	/** Forgets every gate (a new process, as far as the rate limit is concerned). */
	clear(): void {
		this.gates.clear();
	}
}

/** The gates everything in this n8n process shares. */
export const rateGates = new GateRegistry();
