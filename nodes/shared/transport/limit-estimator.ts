/**
 * Learns a rate limit that the server does not state (Flextell's API documentation names only
 * Retry-After) and spreads requests so that later windows are not exceeded: one 429 per run, not
 * one per window.
 *
 * The model is "at most `perWindow` requests start in any `windowMs`" — a sliding window. A run
 * that keeps to it also keeps to a fixed window of that size, and to a token bucket that refills
 * `perWindow` tokens per `windowMs`, so one model serves the three common limiters.
 *
 * Learning: a stretch of requests starts with the first request (after a minute without any, or
 * when the gate reopens after a 429). When the first 429 of a stretch comes back, the requests of
 * the stretch that got through (k) and the moment the server lets us back in (R, from Retry-After;
 * without one, the start of the first request that gets through again) give the estimate: k
 * requests per (R − stretch start). Retry-After counts whole seconds, rounded up, and without it
 * the window ended somewhere after the last request that was limited: either way the first
 * estimate takes the window as the whole seconds that fit the range (a window is rarely a fraction
 * of a second; one that is shows up as a 429 despite pacing), and a later one, learned because
 * pacing failed, the range's end. For a fixed window that starts with the first request,
 * and for a sliding window, that is the limit itself; for a clock-aligned window or a token bucket
 * it can be too high, and the next 429 (from a stretch that was paced) gives a better one — a 429
 * despite pacing always lowers the rate. After a long stretch without a 429 the estimate rises by
 * a tenth, so a raised limit is found again; a rise that meets a 429 is taken back, and the next
 * rise waits twice as long.
 *
 * A stretch is read as one window only when it can be one: its 429 came in its first half. A long
 * stretch of a slow run (one held back by faults, say) that meets its first 429 late spans many
 * windows, and its average rate is far below the limit: learning from it would pace the run to
 * that average for good. Such a 429 teaches nothing but where the next stretch begins (a 429
 * despite pacing still lowers the rate by a tenth).
 *
 * Pacing counts a request in the window until a window has passed since its *answer* (still in
 * flight: it counts): it reached the server at some moment before its answer, so however long
 * n8n's request path took, no request can reach the server within a window of one it counts.
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
/** Successes older than this are forgotten (and never counted). */
const MEMORY_MS = 3600_000;
const MAX_REMEMBERED = 20_000;
/** The estimate rises after this many windows (and at least this long) without a 429. */
const QUIET_WINDOWS = 10;
const QUIET_MIN_MS = 60_000;
/** A rise that met a 429 is taken back, and the next waits twice as long, up to this many times. */
const MAX_QUIET_FACTOR = 64;

export class LimitEstimator {
	/** Answer times of requests that were not rate-limited, oldest first (for pacing). */
	private answers: number[] = [];
	/** Start times of requests that got through, oldest first (for learning). */
	private successes: number[] = [];
	private stretchStart: number | undefined;
	private lastStart = -Infinity;
	/** Requests that started before this moment belong to a round that was already counted. */
	private roundStart = -Infinity;
	/** A 429 without Retry-After: the estimate is finished when the next request gets through. */
	private pending: { count: number; from: number; firstLimitedAt: number; limitedAt: number } | undefined;
	private lastRateLimited = -Infinity;
	private lastRise = -Infinity;
	/** The estimate before the last rise, while that rise is on trial. */
	private beforeRise: LimitEstimate | undefined;
	/** How many quiet periods the next rise waits for. */
	private quietFactor = 1;
	estimate: LimitEstimate | undefined;

	/**
	 * The earliest moment a request may start (`now` when it may start now), with `inFlight`
	 * requests on their way (each counts in the window). Infinity: the window is full of requests
	 * still in flight, so the moment is known only once one of them is answered.
	 */
	nextStart(now: number, inFlight = 0): number {
		const estimate = this.estimate;
		if (!estimate) return now;
		this.maybeRise(now);
		const window = paddedWindow(estimate.windowMs);
		let first = 0;
		while (first < this.answers.length && this.answers[first] <= now - window) first++;
		if (first > 0) this.answers.splice(0, first);
		const counted = inFlight + this.answers.length;
		if (counted < estimate.perWindow) return now;
		// This many have to leave the window before one more may start.
		const leave = counted - estimate.perWindow + 1;
		if (leave > this.answers.length) return Infinity;
		return this.answers[leave - 1] + window;
	}

	/** A request starts now (call right after `nextStart` allowed it, with no await between). */
	started(now: number): void {
		if (this.stretchStart === undefined || now - this.lastStart > STRETCH_GAP_MS) this.stretchStart = now;
		this.lastStart = now;
	}

	/** The request that started at `startedAt` was answered at `now` (rate-limited answers: see `rateLimited`). */
	answered(startedAt: number, now: number, succeeded: boolean): void {
		// Kept sorted (answers come nearly in order); the first window's answers pace the second.
		insertSorted(this.answers, now);
		if (this.answers.length > MAX_REMEMBERED) this.answers.splice(0, this.answers.length - MAX_REMEMBERED / 2);
		if (!succeeded) return;
		this.successes.push(startedAt);
		if (this.successes.length > MAX_REMEMBERED) this.successes.splice(0, this.successes.length - MAX_REMEMBERED / 2);
		if (this.pending && startedAt >= this.roundStart) {
			// The first request through after a 429 without Retry-After: the window had ended by
			// then, and had not when the last limited request started.
			const { count, from, firstLimitedAt, limitedAt } = this.pending;
			this.learnOrLower(count, startedAt - from, startedAt - firstLimitedAt, limitedAt - from);
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
		if (startedAt < this.roundStart) return false;
		this.roundStart = now;
		this.lastRateLimited = now;
		const from = this.stretchStart ?? startedAt;
		const memory = now - MEMORY_MS;
		this.successes = this.successes.filter((t) => t >= memory);
		const count = this.successes.filter((t) => t >= from && t < startedAt).length;
		if (reopensAt === undefined) {
			this.pending = { count, from, firstLimitedAt: this.pending?.firstLimitedAt ?? startedAt, limitedAt: startedAt };
			return true;
		}
		// Retry-After is whole seconds rounded up: the server let us back in during the second before.
		this.learnOrLower(count, reopensAt - from, reopensAt - now, reopensAt - from - 1000);
		this.stretchStart = reopensAt;
		return true;
	}

	/**
	 * A rate-limited round is over: `count` requests of the stretch got through in `spanMs` (its
	 * start to the reopening, known to be more than `aboveMs`), and the server held us back for
	 * `waitMs` of it.
	 *
	 * - A 429 soon after a rise: the rise was too much. It is taken back, and the next one waits
	 *   twice as long.
	 * - A stretch is read as one window only when its 429 came in its first half (the wait is at
	 *   least half of it, give or take the second Retry-After rounds to). A longer one may span
	 *   many windows, and its average rate is not the limit: learning from it would pace the run to
	 *   that average for good. Such a 429 teaches only where the next stretch begins, and, despite
	 *   pacing, lowers the rate by a tenth. So does one that none of the stretch got through before
	 *   (another process may have spent the allowance).
	 */
	private learnOrLower(count: number, spanMs: number, waitMs: number, aboveMs: number): void {
		if (this.beforeRise) {
			this.estimate = this.beforeRise;
			this.beforeRise = undefined;
			this.quietFactor = Math.min(MAX_QUIET_FACTOR, this.quietFactor * 2);
			return;
		}
		if (count === 0 || spanMs > 2 * waitMs + 1000) {
			if (this.estimate) this.lower();
			return;
		}
		// The first estimate takes the whole seconds in the range; one that pacing failed to keep
		// (a token bucket refilling slower than its burst suggested, say) takes the range's end.
		this.learn(count, this.estimate ? spanMs : wholeSecondsWithin(aboveMs, spanMs));
	}

	private learn(count: number, windowMs: number): void {
		if (windowMs <= 0) return;
		const next = { perWindow: count, windowMs };
		const previous = this.estimate;
		// A 429 despite pacing: the new rate must be lower than the one that was too high.
		if (previous && rate(next) >= rate(previous)) {
			this.lower();
			return;
		}
		this.estimate = next;
	}

	/** A tenth fewer requests per window (or, at one per window, a tenth longer window). */
	private lower(): void {
		const previous = this.estimate!;
		const perWindow = Math.max(1, Math.floor(previous.perWindow * 0.9));
		this.estimate = { perWindow, windowMs: perWindow === previous.perWindow ? Math.ceil(previous.windowMs * 1.1) : previous.windowMs };
	}

	private maybeRise(now: number): void {
		const estimate = this.estimate!;
		const quietMs = Math.max(QUIET_MIN_MS, QUIET_WINDOWS * estimate.windowMs);
		// A rise on trial that met no 429 for a quiet period stands.
		if (this.beforeRise && now - this.lastRise >= quietMs) this.beforeRise = undefined;
		if (now - Math.max(this.lastRateLimited, this.lastRise) < quietMs * this.quietFactor) return;
		this.lastRise = now;
		this.beforeRise = { ...estimate };
		estimate.perWindow += Math.max(1, Math.floor(estimate.perWindow / 10));
	}
}

/**
 * A window known to be longer than `aboveMs` and at most `atMostMs`: the whole seconds that fit
 * when they are in that range (windows are whole seconds as a rule), else `atMostMs`.
 */
export function wholeSecondsWithin(aboveMs: number, atMostMs: number): number {
	const whole = Math.floor(atMostMs / 1000) * 1000;
	return whole > aboveMs && whole > 0 ? whole : atMostMs;
}

function insertSorted(list: number[], value: number): void {
	let at = list.length;
	while (at > 0 && list[at - 1] > value) at--;
	list.splice(at, 0, value);
}

function rate(estimate: LimitEstimate): number {
	return estimate.perWindow / estimate.windowMs;
}

/**
 * The window paced to, a little longer than the one learned: clocks and timers are not exact.
 */
export function paddedWindow(windowMs: number): number {
	return Math.ceil(windowMs * 1.02) + 20;
}
