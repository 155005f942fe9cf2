/**
 * What the rate limit cost one node run: how long its requests were held (wall-clock time during
 * which at least one of them waited, so concurrent waits count once), how many times a request
 * was held, and how many 429s came back. Kept per n8n context object (one per node run), so the
 * request code does not need to hand it around; the node reads it at the end of its run.
 *
 * It also keeps what names the cause of every slow second: the time held per reason (a 429's
 * Retry-After or backoff, the server's spent allowance, the learned limit), the requests sent and
 * the most of them in one window, and what the gate learned or decided while the run was on (its
 * notes, read from the gates the run went through).
 */

/**
 * Why a request was held: a 429 (Retry-After or backoff), the server's spent allowance (rate-limit
 * headers), or the learned budget. The one definition: the gate, this cost and the errors use it.
 */
export type HoldReason = 'rate-limited' | 'allowance' | 'learned-limit';

/** Part of one hold, for one reason. */
export interface HeldSpan {
	by: HoldReason;
	from: number;
	to: number;
}

/** Something a gate learned or decided, at `at` (epoch ms). */
export interface GateNote {
	at: number;
	text: string;
}

/** A gate as the cost reads it: its notes, and the window it paces to (ms), when it knows one. */
interface NotedGate {
	notesSince(at: number): GateNote[];
	windowMs(): number | undefined;
}

const HELD_BY: readonly HoldReason[] = ['allowance', 'learned-limit', 'rate-limited'];
const HELD_LABEL: Record<HoldReason, string> = {
	allowance: "the server's allowance (rate-limit headers)",
	'learned-limit': 'the learned limit',
	'rate-limited': "429s (Retry-After or backoff)",
};
/** Start times kept per run for "the most in one window" (a longer run keeps its latest ones). */
const MAX_STARTS = 50_000;

export class RateLimitCost {
	waitedMs = 0;
	holds = 0;
	rateLimits = 0;
	/** Time held per reason (concurrent waits for one reason count once). */
	readonly heldMs: Record<HoldReason, number> = { allowance: 0, 'learned-limit': 0, 'rate-limited': 0 };
	/** Requests sent (each attempt once). */
	requests = 0;
	private coveredUntil = 0;
	private readonly coveredBy: Record<HoldReason, number> = { allowance: 0, 'learned-limit': 0, 'rate-limited': 0 };
	private readonly starts: number[] = [];
	private readonly gates = new Set<NotedGate>();

	/** A request was held from `from` to `to` (epoch ms); `spans` says for what, part by part. */
	waited(from: number, to: number, spans: HeldSpan[] = []): void {
		this.holds += 1;
		const start = Math.max(from, this.coveredUntil);
		if (to > start) this.waitedMs += to - start;
		this.coveredUntil = Math.max(this.coveredUntil, to);
		for (const span of spans) {
			const begin = Math.max(span.from, this.coveredBy[span.by]);
			if (span.to > begin) this.heldMs[span.by] += span.to - begin;
			this.coveredBy[span.by] = Math.max(this.coveredBy[span.by], span.to);
		}
	}

	rateLimited(): void {
		this.rateLimits += 1;
	}

	/** A request of this run was sent at `at` through `gate`. */
	sent(at: number, gate?: NotedGate): void {
		this.requests += 1;
		this.starts.push(at);
		if (this.starts.length > MAX_STARTS) this.starts.splice(0, this.starts.length - MAX_STARTS / 2);
		if (gate) this.gates.add(gate);
	}

	/** The most requests this run sent within any `windowMs` (0 when it sent none). */
	peakIn(windowMs: number): number {
		const starts = [...this.starts].sort((a, b) => a - b);
		let peak = 0;
		for (let first = 0, last = 0; last < starts.length; last++) {
			while (starts[last] - starts[first] >= windowMs) first++;
			peak = Math.max(peak, last - first + 1);
		}
		return peak;
	}

	/** The window the gates paced to (the longest one known), else one second. */
	windowMs(): number {
		let longest: number | undefined;
		for (const gate of this.gates) {
			const w = gate.windowMs();
			if (w !== undefined && (longest === undefined || w > longest)) longest = w;
		}
		return longest ?? 1000;
	}

	/** What the gates of this run noted from its first request on, oldest first. */
	notes(): GateNote[] {
		const since = this.starts.length ? this.starts[0] : Infinity;
		const all = [...this.gates].flatMap((gate) => gate.notesSince(since));
		return all.sort((a, b) => a.at - b.at);
	}

	get any(): boolean {
		return this.holds > 0 || this.rateLimits > 0;
	}

	/** The figures as data (for n8n's log): seconds held per reason, requests, window, notes. */
	details(): RateLimitDetails {
		const windowMs = this.windowMs();
		return {
			heldS: round1(this.waitedMs / 1000),
			heldByS: Object.fromEntries(HELD_BY.map((by) => [by, round1(this.heldMs[by] / 1000)])) as Record<HoldReason, number>,
			holds: this.holds,
			rateLimits: this.rateLimits,
			requests: this.requests,
			windowS: windowMs / 1000,
			peakPerWindow: this.peakIn(windowMs),
			notes: this.notes().map((note) => `${new Date(note.at).toISOString().slice(11, 23)} ${note.text}`),
		};
	}
}

interface RateLimitDetails {
	heldS: number;
	heldByS: Record<HoldReason, number>;
	holds: number;
	rateLimits: number;
	requests: number;
	windowS: number;
	peakPerWindow: number;
	notes: string[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

const costs = new WeakMap<object, RateLimitCost>();

export function rateLimitCostOf(ctx: object): RateLimitCost {
	let cost = costs.get(ctx);
	if (!cost) {
		cost = new RateLimitCost();
		costs.set(ctx, cost);
	}
	return cost;
}

/** What the limit cost the run of `ctx`, forgotten as it is read (the run is over). */
export function takeRateLimitCost(ctx: object): RateLimitCost {
	const cost = rateLimitCostOf(ctx);
	costs.delete(ctx);
	return cost;
}

/**
 * A run that spent at least this share of its time waiting, and at least LONG_WAIT_MS in all, gets
 * the advice of Flextell's API documentation (send fewer requests, or ask for a higher tier). A
 * short hold — a few hundred ms of a one-second run is a large share — says only what it held.
 */
const LARGE_SHARE = 0.25;
const LONG_WAIT_MS = 20_000;

/**
 * The hint for a run that the rate limit slowed down, or undefined when it did not. `runMs` is the
 * whole run's wall-clock time.
 */
export function describeRateLimitCost(cost: RateLimitCost, runMs: number): string | undefined {
	if (!cost.any) return undefined;
	const seconds = (cost.waitedMs / 1000).toFixed(1);
	const share = runMs > 0 ? cost.waitedMs / runMs : 0;
	const parts = [
		`Flextell's rate limit held requests for ${seconds} s of this run (${Math.round(share * 100)} %)`,
		`${cost.holds} ${cost.holds === 1 ? 'hold' : 'holds'}`,
		`${cost.rateLimits} × HTTP 429`,
	];
	let text = `${parts.join(', ')}.`;
	const held = HELD_BY.filter((by) => cost.heldMs[by] >= 50).map((by) => `${HELD_LABEL[by]} ${(cost.heldMs[by] / 1000).toFixed(1)} s`);
	if (held.length) text += ` Held by ${held.join(', ')}.`;
	if (share >= LARGE_SHARE && cost.waitedMs >= LONG_WAIT_MS) {
		text +=
			' To finish faster, send fewer requests (filter or deduplicate the items first, or reuse earlier results),' +
			' or contact Flextell support about a higher tier if you regularly reach the limit.';
	}
	return text;
}

/**
 * The whole record of one run for n8n's log: what held it and for how long per reason, the
 * requests sent and the most in one window, and what the gate learned and when.
 */
export function describeRateLimitDetails(cost: RateLimitCost): string | undefined {
	if (!cost.any) return undefined;
	const d = cost.details();
	const held = HELD_BY.map((by) => `${HELD_LABEL[by]} ${d.heldByS[by].toFixed(1)} s`).join(', ');
	const notes = d.notes.length ? ` Learned: ${d.notes.join('; ')}.` : '';
	return (
		`Flextell rate limit, this run: held ${d.heldS.toFixed(1)} s (${held}), ${d.holds} holds, ${d.rateLimits} × 429; ` +
		`${d.requests} requests sent, at most ${d.peakPerWindow} in one ${d.windowS} s window.${notes}`
	);
}
