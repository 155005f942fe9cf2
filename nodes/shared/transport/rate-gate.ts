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
	/** Places the server's last reading left for this process when it started (undefined: no reading). */
	leftAtStart?: number;
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
	/** Not a reading: after a reset, one request finds out what the new window allows. */
	scout?: boolean;
}

/** Weight of the newest count in the running mean of other clients' requests between two answers. */
const OTHERS_WEIGHT = 0.25;
/** Weight of the newest answer in the running time per answer. */
const LATENCY_WEIGHT = 0.2;
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
	 * Other clients' requests per ms (a running mean over the intervals between two of our
	 * answers in one window), and our time per answer: their requests in flight at any moment are
	 * about the product, and that many places are kept for them.
	 */
	private othersPerMs = 0;
	/** Our own requests per ms over the same intervals: what share of what is left the others take. */
	private ownPerMs = 0;
	private latencyMs = 0;
	/** The first reading of the current window, which later readings are compared with. */
	private windowBase: { remaining: number; resetAt: number; seq: number; at: number; inFlight: number } | undefined;
	/** Places taken despite a reading (429s): kept for them on top, fading as readings show them quiet. */
	private taken = 0;
	private notedMargin = 0;
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
	 * Places kept for other clients now, out of `remaining`: about their requests in flight at any
	 * moment, and never less than their share of what is left (by their pace and ours), so that
	 * two workers reading the same "remaining" at a window's start do not both take it all.
	 */
	marginNow(remaining = 0): number {
		// Half as many again: times per answer vary, and a place too few is a 429.
		const inFlight = 1.5 * this.othersPerMs * this.latencyMs + this.taken;
		const pace = this.othersPerMs + this.ownPerMs;
		const share = pace > 0 ? (remaining * this.othersPerMs) / pace : 0;
		return Math.max(0, Math.ceil(Math.max(inFlight, share) - 0.2));
	}

	/** Clients spending the limit as the counts show: this one and the others (their pace against ours), at least 2. */
	private clients(): number {
		return this.ownPerMs > 0 ? Math.max(2, Math.ceil((this.othersPerMs + this.ownPerMs) / this.ownPerMs - 0.2)) : 2;
	}

	/** Since the window's first reading, `ms` ago, other clients sent `count` requests and we `own`. */
	private otherClients(now: number, count: number, own: number, ms: number): void {
		const before = this.marginNow();
		this.othersPerMs = count / Math.max(1, ms);
		this.ownPerMs = own / Math.max(1, ms);
		this.taken *= 1 - OTHERS_WEIGHT;
		const next = this.marginNow();
		// Noted when it first shows, grows past what was noted, or is gone (not each step between).
		if (next > this.notedMargin || (next === 0 && before > 0)) {
			this.notedMargin = next;
			this.note(
				now,
				next === 0
					? 'other clients quiet: no places kept for them'
					: `other clients sent ${count} in this window's first ${Math.round(ms)} ms: keeping ${next} place${next === 1 ? '' : 's'} of each window for them (limit not lowered)`,
			);
		}
	}

	/** A 429 although the reading left `places`: other clients took them. */
	private placesTaken(now: number, places: number): void {
		this.taken += places;
		const next = this.marginNow();
		this.notedMargin = Math.max(this.notedMargin, next);
		this.note(now, `429 while the headers left ${places} place${places === 1 ? '' : 's'}: other clients spend the same limit; keeping ${next} place${next === 1 ? '' : 's'} of each window for them (limit not lowered)`);
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

	/** Places the server's last reading leaves this process (undefined: no reading, or a scout). */
	private leftFor(now: number): number | undefined {
		const allowance = this.allowance;
		if (!allowance || allowance.scout || now >= allowance.resetAt) return undefined;
		return allowance.remaining - allowance.uncounted - this.marginNow(allowance.remaining);
	}

	private allowanceDelay(now: number): number {
		const allowance = this.allowance;
		if (!allowance || allowance.remaining - allowance.uncounted - (allowance.scout ? 0 : this.marginNow(allowance.remaining)) > 0) return 0;
		// Within the places kept for others: one request at a time, while at least as many are left
		// as there are clients (each may send its one at once), each answer a fresh reading.
		if (!allowance.scout && now < allowance.resetAt && allowance.remaining - allowance.uncounted >= this.clients()) return this.inFlight === 0 ? 0 : Infinity;
		if (now < allowance.resetAt) return allowance.resetAt - now;
		// Reset, but what the new window allows is unknown: one request finds out, the others wait
		// for its answer (a sliding window or a token bucket may have freed a single place).
		if (allowance.uncounted > 0 && this.inFlight > 0) return Infinity;
		this.allowance = { remaining: 1, resetAt: now, seenAt: this.starts, uncounted: 0, scout: true };
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
		const leftAtStart = this.leftFor(now);
		this.starts += 1;
		this.inFlight += 1;
		if (this.allowance) this.allowance.uncounted += 1;
		this.estimator.started(now);
		return { turn, seq: this.starts, startedAt: now, ...(leftAtStart !== undefined ? { leftAtStart } : {}) };
	}

	/**
	 * A request that passed has its answer: whether it was rate-limited or got through, and the
	 * server's allowance when the answer stated one.
	 */
	answered(ticket: GateTicket, outcome: { rateLimited: boolean; succeeded: boolean; allowance?: Allowance }, now: number = this.clock.now()): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		this.latencyMs += LATENCY_WEIGHT * (Math.max(0, now - ticket.startedAt) - this.latencyMs);
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
			this.readAllowance(ticket, outcome.allowance, now);
		}
		else if (this.allowance && ticket.seq > this.allowance.seenAt && this.allowance.resetAt <= now) {
			// The request sent to find out what a new window allows came back without saying.
			this.allowance = undefined;
		}
	}

	private readAllowance(ticket: GateTicket, reading: Allowance, now: number): void {
		const known = this.allowance;
		const newer =
			!known || now >= known.resetAt || ticket.seq > known.seenAt || reading.resetAt > known.resetAt + 1000;
		if (newer) {
			this.windowSeenMs = Math.max(this.windowSeenMs, Math.min(reading.resetAt - now, 3600_000));
			// Since the window's first reading the server's count fell by more than this process can
			// have sent: the rest was other clients'. (From the first reading on, not between two
			// answers: requests of ours on their way at once are served in any order, and their
			// uncertainty — the requests in flight then — is counted against the others only once.)
			const base = this.windowBase;
			if (base && Math.abs(reading.resetAt - base.resetAt) <= 1500 && reading.remaining <= base.remaining) {
				const own = ticket.seq - base.seq;
				const others = Math.max(0, base.remaining - reading.remaining - own - base.inFlight);
				if (now - base.at >= 2 * this.latencyMs) this.otherClients(now, others, own, now - base.at);
			} else {
				this.windowBase = { remaining: reading.remaining, resetAt: reading.resetAt, seq: ticket.seq, at: now, inFlight: this.inFlight };
			}
			// Every request still in flight may be missing from the server's count.
			this.allowance = {
				remaining: reading.remaining,
				resetAt: reading.resetAt,
				seenAt: this.starts,
				uncounted: this.inFlight,
			};
		} else {
			// An answer overtaken by a newer one. Its request was in flight when that one came, so it
			// is among the uncounted; now it is counted either way: in the newer reading (served
			// before it) or in its own, lower one (served after it). Less left: the server counted more.
			known.uncounted = Math.max(0, known.uncounted - 1);
			known.remaining = Math.min(known.remaining, reading.remaining);
		}
	}

	/**
	 * The request was rate-limited. Holds everyone until `now + retryAfterMs` (Retry-After always
	 * wins over any allowance read before), or, without it, for the shared backoff step `wait`.
	 * Returns the moment the gate opens.
	 */
	rateLimited(ticket: GateTicket, now: number, retryAfterMs: number | undefined, wait: (level: number) => number): number {
		// The headers said places were left: other clients took them. Keep as many for them; the
		// learned estimate is not taught (the headers are the truth while they come).
		const headersSpoke = ticket.leftAtStart !== undefined || ticket.answerRead === true;
		if (ticket.leftAtStart !== undefined && ticket.leftAtStart > 0) {
			this.placesTaken(now, ticket.leftAtStart);
		}
		if (retryAfterMs === undefined) {
			if (!headersSpoke) this.estimator.rateLimited(ticket.startedAt, now, undefined);
			return this.backOff(now, wait);
		}
		this.hold(now + retryAfterMs);
		// With headers, the window after the hold starts as after a reset: one request finds out
		// what is left before the others follow (else every worker's requests would rush in at once).
		this.allowance = headersSpoke ? { remaining: 0, resetAt: this.notBefore, seenAt: this.starts, uncounted: 0 } : undefined;
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
