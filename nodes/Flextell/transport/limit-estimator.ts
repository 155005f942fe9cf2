/**
 * Learns a rate limit that the server does not state (the seed documents only Retry-After) and
 * spreads requests so that later windows are not exceeded: one 429 per run, not one per window.
 *
 * The model is "at most `perWindow` requests start in any `windowMs`" — a sliding window. A run
 * that keeps to it also keeps to a fixed window of that size, and to a token bucket that refills
 * `perWindow` tokens per `windowMs`, so one model serves the three common limiters.
 *
 * Learning: a stretch of requests starts with the first request (after a minute without any, or
 * when the gate reopens after a 429). When the first 429 of a stretch comes back, the requests of
 * the stretch that got through (k) and the moment the server lets us back in (R, from Retry-After;
 * without one, the start of the first request that gets through again) give the estimate: k
 * requests per (R − stretch start). For a fixed window that starts with the first request, and for
 * a sliding window, that is the limit itself; for a clock-aligned window or a token bucket it can
 * be too high, and the next 429 (from a stretch that was paced) gives a better one — a 429
 * despite pacing always lowers the rate. After a long stretch without a 429 the estimate rises by
 * a tenth, so a raised limit is found again.
 *
 * Nothing is paced before the first 429: a run that meets no limit costs one array push per
 * request. Pure: the clock is a parameter of every method.
 */

export interface LimitEstimate {
	perWindow: number;
	windowMs: number;
}

/** A minute without requests ends a stretch. */
const STRETCH_GAP_MS = 60_000;
/** Start times older than this are forgotten (and never counted). */
const MEMORY_MS = 3600_000;
const MAX_REMEMBERED = 20_000;
/** The estimate rises after this many windows (and at least this long) without a 429. */
const QUIET_WINDOWS = 10;
const QUIET_MIN_MS = 60_000;

export class LimitEstimator {
	/** Start times of requests that were not rate-limited (or not yet answered), oldest first. */
	private starts: number[] = [];
	/** Start times of requests that got through, oldest first (for learning). */
	private successes: number[] = [];
	private stretchStart: number | undefined;
	private lastStart = -Infinity;
	/** Requests that started before this moment belong to a round that was already counted. */
	private roundStart = -Infinity;
	/** A 429 without Retry-After: the estimate is finished when the next request gets through. */
	private pending: { count: number; from: number } | undefined;
	private lastRateLimited = -Infinity;
	private lastRise = -Infinity;
	estimate: LimitEstimate | undefined;

	/** The earliest moment a request may start (`now` when it may start now). */
	nextStart(now: number): number {
		const estimate = this.estimate;
		if (!estimate) return now;
		this.maybeRise(now);
		const window = paddedWindow(estimate.windowMs);
		this.forgetBefore(now - Math.max(window, STRETCH_GAP_MS) - 1);
		let inWindow = 0;
		for (let i = this.starts.length - 1; i >= 0 && this.starts[i] > now - window; i--) inWindow++;
		if (inWindow < estimate.perWindow) return now;
		// The start that has to leave the window before one more may begin.
		return this.starts[this.starts.length - estimate.perWindow] + window;
	}

	/** A request starts now (call right after `nextStart` allowed it, with no await between). */
	started(now: number): void {
		if (this.stretchStart === undefined || now - this.lastStart > STRETCH_GAP_MS) this.stretchStart = now;
		this.lastStart = now;
		this.starts.push(now);
		if (this.starts.length > MAX_REMEMBERED) this.starts.splice(0, this.starts.length - MAX_REMEMBERED / 2);
	}

	/** The request that started at `startedAt` got through. */
	succeeded(startedAt: number): void {
		this.successes.push(startedAt);
		if (this.successes.length > MAX_REMEMBERED) this.successes.splice(0, this.successes.length - MAX_REMEMBERED / 2);
		if (this.pending && startedAt >= this.roundStart) {
			// The first request through after a 429 without Retry-After: the window had ended by then.
			this.learn(this.pending.count, startedAt - this.pending.from);
			this.pending = undefined;
			this.stretchStart = startedAt;
		}
	}

	/**
	 * The request that started at `startedAt` was rate-limited at `now`; the server lets requests
	 * in again at `reopensAt` (undefined: it did not say). Returns whether this 429 taught
	 * something (false for the other 429s of a round that was already counted).
	 */
	rateLimited(startedAt: number, now: number, reopensAt: number | undefined): boolean {
		this.dropStart(startedAt);
		if (startedAt < this.roundStart) return false;
		this.roundStart = now;
		this.lastRateLimited = now;
		const from = this.stretchStart ?? startedAt;
		const count = this.successes.filter((t) => t >= from && t < startedAt).length;
		if (reopensAt === undefined) {
			this.pending = { count, from };
			return true;
		}
		this.learn(count, reopensAt - from);
		this.stretchStart = reopensAt;
		return true;
	}

	private learn(count: number, windowMs: number): void {
		if (windowMs <= 0) return;
		const next = { perWindow: Math.max(1, count), windowMs };
		const previous = this.estimate;
		// A 429 despite pacing: the new rate must be lower than the one that was too high.
		if (previous && rate(next) >= rate(previous)) {
			next.perWindow = Math.max(1, Math.floor(previous.perWindow * 0.9));
			next.windowMs = previous.windowMs;
			if (next.perWindow === previous.perWindow) next.windowMs = Math.ceil(previous.windowMs * 1.1);
		}
		this.estimate = next;
	}

	private maybeRise(now: number): void {
		const estimate = this.estimate!;
		const quietMs = Math.max(QUIET_MIN_MS, QUIET_WINDOWS * estimate.windowMs);
		if (now - Math.max(this.lastRateLimited, this.lastRise) < quietMs) return;
		this.lastRise = now;
		estimate.perWindow += Math.max(1, Math.floor(estimate.perWindow / 10));
	}

	private dropStart(startedAt: number): void {
		const index = this.starts.lastIndexOf(startedAt);
		if (index >= 0) this.starts.splice(index, 1);
	}

	private forgetBefore(moment: number): void {
		const limit = Math.max(moment, this.lastStart - MEMORY_MS);
		let drop = 0;
		while (drop < this.starts.length && this.starts[drop] < limit) drop++;
		if (drop > 0) this.starts.splice(0, drop);
		const memory = this.lastStart - MEMORY_MS;
		drop = 0;
		while (drop < this.successes.length && this.successes[drop] < memory) drop++;
		if (drop > 0) this.successes.splice(0, drop);
	}
}

function rate(estimate: LimitEstimate): number {
	return estimate.perWindow / estimate.windowMs;
}

/**
 * The window paced to, a little longer than the one learned: requests arrive at the server a
 * little later or earlier than they start here.
 */
export function paddedWindow(windowMs: number): number {
	return Math.ceil(windowMs * 1.02) + 20;
}
