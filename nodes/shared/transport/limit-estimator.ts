/**
 * This worker's budget when the server states no limit (Flextell's API documentation names only
 * Retry-After): how many requests it sends per window, learned from 429s and found again by
 * probes. The same rules on one page: docs/pacing.md.
 *
 * 1. Nothing is paced before the first 429 (a run that meets no limit costs one array push per
 *    request).
 * 2. A 429 teaches a BUDGET, never "the limit": the requests of the stretch that got through (a
 *    stretch starts with the first request, after a minute without any, or when a 429's hold ends;
 *    one answered after the 429 still counts), per the time from the stretch's start to the
 *    reopening (Retry-After; without one, the first request through again), taken as the whole
 *    seconds that fit. Other clients may have spent part of the window: what this worker got is
 *    its share. One 429 is not a verdict: a 429 with fewer than two of the stretch through (a quiet
 *    worker met a window someone else spent), or late in a long slow stretch, teaches nothing. A
 *    later 429 keeps the window and lowers the budget to what got through in the window before it,
 *    when less; after the whole budget got through it teaches nothing (another worker spent more:
 *    lowering at each such 429 made budgets sink from run to run).
 * 3. Paced: at most the budget's requests count in any window (a request counts from its start
 *    until a window after its answer: it reached the server somewhere in between), and no more in
 *    flight at once than the rate needs (twice rate × time per answer, at least one), so that
 *    another worker's 429 meets few of ours on their way.
 * 4. Probe: held back by the budget in a window, as long after its last answer as its own requests
 *    of the window took (at most four times its time per answer: the others' requests sent with
 *    ours have been answered too; a quarter window was too late in short runs, where room found
 *    late in the last window is wall), and not within a quarter window of its next place, the
 *    budget stops holding until a 429 or a window has passed; what got through in the window, when
 *    more, is the budget. Until a sign of another client (a probe found room, or a 429 came that was
 *    not its probe), the probe waits up to a second more, for the moment whose 429 would be held
 *    (whole seconds) until just before the next place: alone, a probe that finds no room costs no
 *    wall. One probe in each paced window while fewer than four in a row found no room (room others
 *    leave shows in the window they leave it, the last of a short run included); then 2, 4 and 8
 *    windows apart. A window in which the budget held nothing back (the work ran out) starts the
 *    series afresh; so does a later 429 that lowers the budget (keeping the series there left a
 *    worker whose places another worker's probes took probing 3 and 7 windows apart in the real
 *    queue bench: 1.77 × the least). Nothing goes before a Retry-After this worker received (the
 *    gate holds every request until then), and none while the server names no Retry-After. What
 *    probing costs: one 429 per probe that finds no room; once others have shown, its hold ends
 *    up to a second after the window (whole seconds).
 *
 * State: the budget (`estimate`), the answers a window back, the stretch, the round already
 * counted, the stretch the budget was learned from, a pending 429 without Retry-After, the probe,
 * the time per answer. Not pure, but it reads no clock: the time is a parameter of every method.
 */

interface LimitEstimate {
	perWindow: number;
	windowMs: number;
}

/** A minute without requests ends a stretch. */
const STRETCH_GAP_MS = 60_000;
/** Answers kept for pacing (a window's worth is needed; more is dropped). */
const MAX_REMEMBERED = 20_000;
/** Probes in consecutive windows that may find no room before they space out: 2, 4, then 8 windows apart. */
const PROBES_IN_A_ROW = 4;
const MAX_PROBE_WINDOWS = 8;
/** While paced, in flight at once: this many times rate × time per answer, at least one. */
const IN_FLIGHT_HEADROOM = 2;
/** A probe waits at most this many times the time per answer after this worker's last answer. */
const PROBE_AFTER_ANSWERS = 4;
/** Weight of the newest answer in the running time per answer. */
const LATENCY_WEIGHT = 0.2;
/** An aligned probe's hold ends this long before the budget's next place. */
const ALIGN_MARGIN_MS = 20;

export class LimitEstimator {
	// All of its state:
	/** The budget (undefined: nothing learned yet, nothing paced). */
	estimate: LimitEstimate | undefined;
	/** Answer times of requests that were not rate-limited, oldest first (pacing counts them). */
	private answers: number[] = [];
	/** Where the current stretch began, the last start, and the requests of the stretch that got through. */
	private stretch = { from: -Infinity, lastStart: -Infinity, through: 0 };
	/** Requests that started before this moment belong to a 429 round already counted. */
	private roundStart = -Infinity;
	/** The stretch the budget was learned from: a request of it answered after the 429 adds to it. */
	private learnedFrom = { from: Infinity, until: -Infinity };
	/** A 429 without Retry-After: learned when the next request gets through. */
	private pending: { through: number; from: number; firstLimitedAt: number; limitedAt: number } | undefined;
	/**
	 * Probing: since when (undefined: not probing), the earliest next probe, the probes in a row that
	 * found no room, since when the budget has held nothing back, off (the last 429 named no
	 * Retry-After), others (a sign of another client since the budget was learned: a probe found
	 * room, or a 429 came that was not this worker's probe).
	 */
	private probe: { since: number | undefined; at: number; failed: number; free?: number; off?: boolean; others?: boolean } = { since: undefined, at: Infinity, failed: 0 };
	/** Running time per answer (ms). */
	private latencyMs: number | undefined;
	/** Tells what was learned or changed, and when (the gate keeps these notes for the run's record). */
	onNote: (at: number, text: string) => void = () => {};

	/** Probing now (requests past the budget are allowed until the next 429). */
	get probing(): boolean {
		return this.probe.since !== undefined;
	}

	/**
	 * The earliest moment a request may start (`now`: at once), with `inFlight` requests on their
	 * way. Infinity: only an answer in flight can free a place.
	 */
	nextStart(now: number, inFlight = 0): number {
		const estimate = this.estimate;
		if (!estimate) return now;
		const window = paddedWindow(estimate.windowMs);
		this.forget(now, window);
		if (inFlight > 0 && inFlight >= this.inFlightCap(estimate)) return Infinity;
		// A probe lasts until its 429, or a window: then what got through in the window is the budget.
		if (this.probe.since !== undefined && now - this.probe.since >= window) this.endProbe(now, now - window, now);
		// Probing: one request goes past the budget; the others follow once one was answered through.
		if (this.probe.since !== undefined) return inFlight > 0 && !((this.answers[this.answers.length - 1] ?? -Infinity) >= this.probe.since) ? Infinity : now;
		const counted = inFlight + this.answers.length;
		if (counted < estimate.perWindow) {
			this.probe.free ??= now;
			return now;
		}
		// Held back again after a window in which the budget held nothing back (the work ran out):
		// probing starts afresh.
		if (this.probe.free !== undefined && now - this.probe.free >= window) this.probe = { ...this.probe, since: undefined, at: now, failed: 0, free: undefined };
		this.probe.free = undefined;
		// Held back by the budget until `slot`. A probe tests whether the budget is still all there
		// is: as long after this worker's last answer as its requests of the window took (at most four
		// answers' time: by then the others' sent with ours are answered too), and not within a
		// quarter window of the next place.
		const leave = counted - estimate.perWindow + 1;
		const slot = leave > this.answers.length ? Infinity : this.answers[leave - 1] + window;
		if (this.answers.length === 0 || this.probe.off) return slot;
		const last = this.answers[this.answers.length - 1];
		const early = Math.max(this.probe.at, last + Math.min(PROBE_AFTER_ANSWERS * (this.latencyMs ?? 0), last - this.answers[0]));
		// No sign of another client: no probe has found room yet, so it goes when its 429's hold
		// (whole seconds) would end just before the next place — a probe that finds none then costs
		// no wall. (At 1-s windows none fits; once others show, room is likelier and it goes early.)
		const probeAt = this.probe.others || estimate.windowMs < 2000 || !Number.isFinite(slot) ? early : early + modulo(slot - ALIGN_MARGIN_MS - early, 1000);
		if (probeAt > slot - window / 4) return slot;
		if (now < probeAt) return probeAt;
		this.probe = { ...this.probe, since: now };
		this.onNote(now, `probing past the budget of ${describe(estimate)}`);
		return now;
	}

	/** The most requests in flight at once while paced: twice what the rate needs, at least one. */
	inFlightCap(estimate: LimitEstimate): number {
		if (this.latencyMs === undefined) return Infinity;
		return Math.max(1, Math.ceil((IN_FLIGHT_HEADROOM * estimate.perWindow * this.latencyMs) / paddedWindow(estimate.windowMs)));
	}

	/** A request starts now (right after `nextStart` allowed it, with no await between). */
	started(now: number): void {
		if (now - this.stretch.lastStart > STRETCH_GAP_MS) this.stretch = { from: now, lastStart: now, through: 0 };
		this.stretch.lastStart = now;
	}

	/** The request that started at `startedAt` was answered at `now`, not rate-limited. */
	answered(startedAt: number, now: number, succeeded: boolean): void {
		this.observe(startedAt, now);
		insertSorted(this.answers, now);
		if (this.answers.length > MAX_REMEMBERED) this.answers.splice(0, this.answers.length - MAX_REMEMBERED / 2);
		if (!succeeded) return;
		if (startedAt >= this.stretch.from) this.stretch.through += 1;
		else if (this.estimate && startedAt >= this.learnedFrom.from && startedAt < this.learnedFrom.until) this.estimate.perWindow += 1;
		if (this.pending && startedAt >= this.roundStart) {
			// The first request through after a 429 without Retry-After: the window had ended by
			// then, and had not when the last limited request started.
			const { through, from, firstLimitedAt, limitedAt } = this.pending;
			this.pending = undefined;
			this.learn(through, startedAt - from, startedAt - firstLimitedAt, limitedAt - from, startedAt, now);
			this.stretch = { from: startedAt, lastStart: startedAt, through: 1 };
		}
	}

	/**
	 * The request that started at `startedAt` was rate-limited at `now`; the server lets requests
	 * in again at `reopensAt` (undefined: it did not say). Returns whether this 429 taught
	 * something (false for the other 429s of a round that was already counted).
	 */
	rateLimited(startedAt: number, now: number, reopensAt: number | undefined): boolean {
		this.observe(startedAt, now);
		if (startedAt < this.roundStart) return false;
		this.roundStart = now;
		const { from, through } = this.stretch;
		const start = Number.isFinite(from) ? from : startedAt;
		// Probes only while the server names Retry-After: without it a probe that finds no room costs a
		// backoff series, not one known hold.
		this.probe.off = reopensAt === undefined;
		if (reopensAt === undefined) {
			this.pending = { through, from: start, firstLimitedAt: this.pending?.firstLimitedAt ?? startedAt, limitedAt: startedAt };
			return true;
		}
		// Retry-After is whole seconds rounded up: the server let us back in during the second before.
		this.learn(through, reopensAt - start, reopensAt - now, reopensAt - start - 1000, reopensAt, now);
		this.stretch = { from: reopensAt, lastStart: reopensAt, through: 0 };
		return true;
	}

	/**
	 * A 429 round is over: `through` requests of the stretch got through in `spanMs` (its start to
	 * the reopening at `reopensAt`, known to be more than `aboveMs`), and the server held us back
	 * for `waitMs` of it.
	 */
	private learn(through: number, spanMs: number, waitMs: number, aboveMs: number, reopensAt: number, now: number): void {
		const estimate = this.estimate;
		// The probe's 429: the server's window ended at the reopening (a second early, at most, as
		// Retry-After rounds up); what got through since its start is the room there was.
		if (estimate && this.probing) return this.endProbe(reopensAt, reopensAt - estimate.windowMs - 1000, now);
		// A later 429: the window is known (a stretch may span runs and gaps); what got through in the
		// window before it, when less than the budget, is the budget. After the whole budget got
		// through it teaches nothing: another worker spent more (its probe found room), and budgets
		// that fell at each such 429 sank from run to run.
		const got = estimate && this.answers.filter((at) => at > now - paddedWindow(estimate.windowMs)).length;
		// A 429 that was not this worker's probe: a sign of another client (probes stop waiting for
		// the aligned moment).
		if (estimate) this.probe.others = true;
		// One 429 is not a verdict: with fewer than two through (a quiet worker: someone else spent
		// the window), or late in a long stretch, there is no budget to learn.
		if (estimate ? !got || got < 2 || got >= estimate.perWindow : through < 2 || spanMs > 2 * waitMs + 1000) return;
		const next = estimate ? { perWindow: got!, windowMs: estimate.windowMs } : { perWindow: through, windowMs: wholeSecondsWithin(aboveMs, spanMs) };
		if (next.windowMs <= 0) return;
		this.estimate = next;
		this.learnedFrom = { from: reopensAt - spanMs, until: this.roundStart };
		this.probe = { ...this.probe, since: undefined, at: reopensAt, failed: 0 };
		this.onNote(now, `budget ${describe(next)} from a 429${estimate ? ` (was ${describe(estimate)})` : ''}`);
	}

	/**
	 * A probe ends (its 429, the server reopening at `from`; or a window without one, `from` = `now`):
	 * the answers since `windowFrom`, when more than the budget, are the budget. One that met a 429
	 * with at most a quarter more through found no room.
	 */
	private endProbe(from: number, windowFrom: number, now: number): void {
		const estimate = this.estimate!;
		const before = estimate.perWindow;
		// Within both the server's window (from `windowFrom`) and a window back from now: a sliding
		// limiter's reopening is its oldest place's end, a fixed one's may have just begun.
		this.forget(now, paddedWindow(estimate.windowMs));
		const through = this.answers.filter((at) => at >= windowFrom).length;
		estimate.perWindow = Math.max(before, through);
		if (through > before) this.probe.others = true;
		const failed = from !== now && estimate.perWindow <= 1.25 * before ? this.probe.failed + 1 : 0;
		// The next probe in the next window (from `from`), while fewer than four in a row found no room.
		const windows = failed < PROBES_IN_A_ROW ? 0 : Math.min(MAX_PROBE_WINDOWS, 2 ** (failed - PROBES_IN_A_ROW + 1)) - 1;
		this.probe = { ...this.probe, since: undefined, at: from + windows * paddedWindow(estimate.windowMs), failed };
		this.onNote(now, `probe: ${through} through in the window, budget ${describe(estimate)}; next probe in ${windows} window${windows === 1 ? '' : 's'}`);
	}

	private forget(now: number, window: number): void {
		let first = 0;
		while (first < this.answers.length && this.answers[first] <= now - window) first++;
		if (first > 0) this.answers.splice(0, first);
	}

	private observe(startedAt: number, now: number): void {
		const took = Math.max(0, now - startedAt);
		this.latencyMs = this.latencyMs === undefined ? took : this.latencyMs + LATENCY_WEIGHT * (took - this.latencyMs);
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

/** The window paced to, a little longer than the one learned: clocks and timers are not exact. */
export function paddedWindow(windowMs: number): number {
	return Math.ceil(windowMs * 1.02) + 20;
}

function modulo(value: number, by: number): number {
	return ((value % by) + by) % by;
}
