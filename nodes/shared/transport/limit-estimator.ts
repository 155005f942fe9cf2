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
 * Other clients (n8n's workers in queue mode, each a process with its own estimator) may spend the
 * same limit. What one learns in a window it shared is its share. Once an estimate has held for a
 * whole window, a 429 that comes while far fewer of this process's own requests were in the window
 * than the estimate allows (under three quarters; once other clients are known, any fewer) was not
 * caused by them: someone else spent the window. It is not read
 * as "the limit is lower": the estimate becomes what got through (the share this process had), and
 * from then on — other clients are known to be there — the estimate climbs back by half while the
 * learned limit holds requests and no 429 comes, so a worker whose neighbours go
 * quiet is back at the full rate within a few windows (the first climb after two quiet windows,
 * each next one a window after a climb that stood). A climb that meets a 429 stops at what got
 * through, and the next one waits twice as long (up to eight windows). So does a first 429 that
 * none of the stretch got through before, or no more than the process had on their way at once:
 * someone else had spent (most of) the window.
 *
 * While paced, no more requests are in flight at once than the learned rate needs (twice
 * the rate times the recent time per answer, at least one; a window's requests still go out in
 * half of it): when another client's 429 closes the window, only those can reach the server early.
 *
 * Nothing is paced before the first 429: a run that meets no limit costs one array push per
 * request. Not pure (it keeps what it learned), but it reads no clock: the time is a parameter of
 * every method.
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
/** With other clients about: a climb after two windows without a 429, by half, waiting up to this many windows after a failed one. */
const CLIMB = 1.5;
const FIRST_CLIMB_WINDOWS = 2;
const MAX_CLIMB_WINDOWS = 8;
/** Before other clients are known: a 429 with fewer own requests in the window than this share of the estimate is theirs. */
const OTHERS_BELOW = 0.75;
/**
 * While paced, in flight at once: this many times what the learned rate needs (rate × time per
 * answer), at least one — enough that a window's requests go out in half of it.
 */
const IN_FLIGHT_HEADROOM = 2;
/** Weight of the newest answer in the running time per answer. */
const LATENCY_WEIGHT = 0.2;

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
	private pending: { count: number; from: number; firstLimitedAt: number; limitedAt: number; own: number | undefined } | undefined;
	private lastRateLimited = -Infinity;
	private lastRise = -Infinity;
	/** The estimate before the last rise, while that rise is on trial. */
	private beforeRise: LimitEstimate | undefined;
	/** How many quiet periods the next rise waits for. */
	private quietFactor = 1;
	/** Other clients spend the same limit (a 429 came that this process's own requests did not cause). */
	shared = false;
	/** With other clients: windows the next climb waits for. */
	private climbWindows = FIRST_CLIMB_WINDOWS;
	/** When the estimate last changed (it has held once a window passed since without a 429). */
	private estimateSince = -Infinity;
	/** The last moment the learned limit held a request back. */
	private lastHeld = -Infinity;
	/** Requests this process had on their way when the last counted 429 came (itself included). */
	private inFlightAtLimit = 1;
	/** Running time per answer (ms), for the number of requests in flight the rate needs. */
	private latencyMs: number | undefined;
	estimate: LimitEstimate | undefined;
	/** Tells what was learned or changed, and when (the gate keeps these notes for the run's record). */
	onNote: (at: number, text: string) => void = () => {};

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
		// No more in flight than the rate needs (only an answer frees the next turn), so that
		// another client's 429 meets few of ours on their way.
		if (inFlight > 0 && inFlight >= this.inFlightCap(estimate)) return this.held(now, Infinity);
		if (counted < estimate.perWindow) return now;
		// This many have to leave the window before one more may start.
		const leave = counted - estimate.perWindow + 1;
		if (leave > this.answers.length) return this.held(now, Infinity);
		return this.held(now, this.answers[leave - 1] + window);
	}

	/** The most requests in flight at once while paced: twice what the rate needs, at least one. */
	inFlightCap(estimate: LimitEstimate): number {
		if (this.latencyMs === undefined) return Infinity;
		return Math.max(1, Math.ceil((IN_FLIGHT_HEADROOM * estimate.perWindow * this.latencyMs) / paddedWindow(estimate.windowMs)));
	}

	private held(now: number, until: number): number {
		if (until > now) this.lastHeld = now;
		return until;
	}

	private observe(startedAt: number, now: number): void {
		const took = Math.max(0, now - startedAt);
		this.latencyMs = this.latencyMs === undefined ? took : this.latencyMs + LATENCY_WEIGHT * (took - this.latencyMs);
	}

	/** A request starts now (call right after `nextStart` allowed it, with no await between). */
	started(now: number): void {
		if (this.stretchStart === undefined || now - this.lastStart > STRETCH_GAP_MS) this.stretchStart = now;
		this.lastStart = now;
	}

	/** The request that started at `startedAt` was answered at `now` (rate-limited answers: see `rateLimited`). */
	answered(startedAt: number, now: number, succeeded: boolean): void {
		this.observe(startedAt, now);
		// Kept sorted (answers come nearly in order); the first window's answers pace the second.
		insertSorted(this.answers, now);
		if (this.answers.length > MAX_REMEMBERED) this.answers.splice(0, this.answers.length - MAX_REMEMBERED / 2);
		if (!succeeded) return;
		this.successes.push(startedAt);
		if (this.successes.length > MAX_REMEMBERED) this.successes.splice(0, this.successes.length - MAX_REMEMBERED / 2);
		if (this.pending && startedAt >= this.roundStart) {
			// The first request through after a 429 without Retry-After: the window had ended by
			// then, and had not when the last limited request started.
			const { count, from, firstLimitedAt, limitedAt, own } = this.pending;
			this.learnOrLower(count, startedAt - from, startedAt - firstLimitedAt, limitedAt - from, own, now);
			this.pending = undefined;
			this.stretchStart = startedAt;
		}
	}

	/**
	 * The request that started at `startedAt` was rate-limited at `now`; the server lets requests
	 * in again at `reopensAt` (undefined: it did not say). Returns whether this 429 taught
	 * something (false for the other 429s of a round that was already counted).
	 */
	rateLimited(startedAt: number, now: number, reopensAt: number | undefined, inFlight = 0): boolean {
		this.observe(startedAt, now);
		if (startedAt < this.roundStart) return false;
		this.inFlightAtLimit = inFlight + 1;
		this.roundStart = now;
		this.lastRateLimited = now;
		const from = this.stretchStart ?? startedAt;
		const memory = now - MEMORY_MS;
		this.successes = this.successes.filter((t) => t >= memory);
		const count = this.successes.filter((t) => t >= from && t < startedAt).length;
		// This process's own requests that got through in the window before this one (once the
		// estimate has held a window: before, a 429 says the estimate is wrong, not who spent it).
		const estimate = this.estimate;
		const held = estimate !== undefined && startedAt - this.estimateSince >= paddedWindow(estimate.windowMs);
		// ... and only while it wanted more than the estimate (the learned limit held requests back in
		// that window): a process that sends few has no share to be told about.
		const wanted = held && startedAt - this.lastHeld <= paddedWindow(estimate.windowMs);
		const own = wanted ? this.successes.filter((t) => t > startedAt - paddedWindow(estimate.windowMs) && t < startedAt).length : undefined;
		if (reopensAt === undefined) {
			this.pending = { count, from, firstLimitedAt: this.pending?.firstLimitedAt ?? startedAt, limitedAt: startedAt, own };
			return true;
		}
		// Retry-After is whole seconds rounded up: the server let us back in during the second before.
		this.learnOrLower(count, reopensAt - from, reopensAt - now, reopensAt - from - 1000, own, now);
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
	private learnOrLower(count: number, spanMs: number, waitMs: number, aboveMs: number, own: number | undefined, now: number): void {
		const estimate = this.estimate;
		// A rise on trial (one process: after a quiet minute) that got part of the way: the rise was too much.
		const partOfRise = own !== undefined && !this.shared && this.beforeRise !== undefined && own >= this.beforeRise.perWindow;
		// Alone, an estimate a little too high (a token bucket's burst read as its rate) also meets
		// a 429 short of it; one that held a whole window is not off by a quarter: that is others.
		const others = own !== undefined && estimate !== undefined && (this.shared ? own < estimate.perWindow : own < estimate.perWindow * OTHERS_BELOW);
		if (estimate && own !== undefined && others && !partOfRise) {
			// Fewer of our own requests than the estimate allows: someone else spent the window.
			const climbing = this.beforeRise !== undefined;
			this.shared = true;
			this.beforeRise = undefined;
			this.climbWindows = climbing ? Math.min(MAX_CLIMB_WINDOWS, this.climbWindows * 2) : FIRST_CLIMB_WINDOWS;
			this.lastRise = now;
			this.setEstimate({ perWindow: Math.max(1, own), windowMs: estimate.windowMs }, now);
			this.onNote(
				now,
				`429 with ${own} of its own ${estimate.perWindow} allowed in the window: ${climbing ? 'the climb stops' : 'other clients spend the limit'} at ` +
					`${describe(this.estimate!)} (not lowered as its own fault; climbs again after ${this.climbWindows} window${this.climbWindows === 1 ? '' : 's'} without a 429)`,
			);
			return;
		}
		if (this.beforeRise) {
			this.setEstimate(this.beforeRise, now);
			this.beforeRise = undefined;
			if (this.shared) this.climbWindows = Math.min(MAX_CLIMB_WINDOWS, this.climbWindows * 2);
			else this.quietFactor = Math.min(MAX_QUIET_FACTOR, this.quietFactor * 2);
			this.onNote(now, `429 after a rise: back to ${describe(this.estimate!)}`);
			return;
		}
		if (count === 0 || spanMs > 2 * waitMs + 1000) {
			if (count === 0 && !this.shared) {
				this.shared = true;
				this.onNote(now, '429 before any request of its own got through: other clients spend the limit');
			}
			if (estimate) this.lower(now);
			return;
		}
		// A first round in which no more requests got through than this process had on their way at
		// once says little about the limit: others may have spent the window (a worker that started
		// later than another). What it learns is taken as a share, and climbs back.
		if (!estimate && !this.shared && count <= this.inFlightAtLimit) {
			this.shared = true;
			this.onNote(now, `${count} through before the first 429, with ${this.inFlightAtLimit} on their way: other clients likely spend the limit`);
		}
		// The first estimate takes the whole seconds in the range; one that pacing failed to keep
		// (a token bucket refilling slower than its burst suggested, say) takes the range's end.
		this.learn(count, estimate ? spanMs : wholeSecondsWithin(aboveMs, spanMs), now);
	}

	private learn(count: number, windowMs: number, now: number): void {
		if (windowMs <= 0) return;
		const next = { perWindow: count, windowMs };
		const previous = this.estimate;
		// A 429 despite pacing: the new rate must be lower than the one that was too high.
		if (previous && rate(next) >= rate(previous)) {
			this.lower(now);
			return;
		}
		this.setEstimate(next, now);
		this.onNote(now, `learned ${describe(next)} from a 429${previous ? ` (was ${describe(previous)})` : ''}`);
	}

	/** A tenth fewer requests per window (or, at one per window, a tenth longer window). */
	private lower(now: number): void {
		const previous = this.estimate!;
		const perWindow = Math.max(1, Math.floor(previous.perWindow * 0.9));
		this.setEstimate({ perWindow, windowMs: perWindow === previous.perWindow ? Math.ceil(previous.windowMs * 1.1) : previous.windowMs }, now);
		this.onNote(now, `429 despite pacing: lowered to ${describe(this.estimate!)}`);
	}

	private setEstimate(next: LimitEstimate, now: number): void {
		this.estimate = next;
		this.estimateSince = now;
	}

	private maybeRise(now: number): void {
		const estimate = this.estimate!;
		if (this.shared) return this.maybeClimb(now, estimate);
		const quietMs = Math.max(QUIET_MIN_MS, QUIET_WINDOWS * estimate.windowMs);
		// A rise on trial that met no 429 for a quiet period stands.
		if (this.beforeRise && now - this.lastRise >= quietMs) this.beforeRise = undefined;
		if (now - Math.max(this.lastRateLimited, this.lastRise) < quietMs * this.quietFactor) return;
		this.lastRise = now;
		this.beforeRise = { ...estimate };
		estimate.perWindow += Math.max(1, Math.floor(estimate.perWindow / 10));
		this.onNote(now, `rose to ${describe(estimate)} after ${Math.round((quietMs * this.quietFactor) / 1000)} s without a 429`);
	}

	/**
	 * Other clients spend the same limit: after `climbWindows` windows without a 429 in which the
	 * learned limit held requests back (this process wanted more), the estimate climbs by half.
	 */
	private maybeClimb(now: number, estimate: LimitEstimate): void {
		const window = paddedWindow(estimate.windowMs);
		// A climb that met no 429 for a window stands, and the next may follow after one window.
		if (this.beforeRise && now - this.lastRise >= window) {
			this.beforeRise = undefined;
			this.climbWindows = 1;
		}
		if (now - Math.max(this.lastRateLimited, this.lastRise, this.estimateSince) < window * this.climbWindows) return;
		if (now - this.lastHeld > window) return;
		this.lastRise = now;
		this.beforeRise = this.beforeRise ?? { ...estimate };
		estimate.perWindow = Math.max(estimate.perWindow + 1, Math.floor(estimate.perWindow * CLIMB));
		this.onNote(now, `no 429 for ${this.climbWindows} window${this.climbWindows === 1 ? '' : 's'} while held: climbed to ${describe(estimate)}`);
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

function describe(estimate: LimitEstimate): string {
	return `${estimate.perWindow} per ${estimate.windowMs % 1000 === 0 ? estimate.windowMs / 1000 : (estimate.windowMs / 1000).toFixed(2)} s`;
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
