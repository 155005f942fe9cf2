// @ts-check
// Reading a rate-limited run off the sandbox's request log, per client: which worker sent each
// request (the execution it came from, named in a request header, and the worker that ran that
// execution), the 429s each worker got, the holds (from a 429 to the first request that went
// through on time) and, per hold, the early requests of the worker that got its 429 and of every
// other worker. Shared by the queue-mode e2e suite and the queue-mode bench.
'use strict';

/** The request header the queue workflows send with their execution's id. */
const EXECUTION_HEADER = 'x-flextell-execution';

/**
 * @typedef {{ time: number, status: number | null, early: boolean, headers: Record<string, any> }} LoggedRequest
 * @typedef {{ at: number, by: string, early: Record<string, number> }} Hold
 */

/**
 * @param {LoggedRequest[]} api  the run's API requests, in arrival order
 * @param {(r: LoggedRequest) => string} workerOf  the client that sent a request
 */
function readRun(api, workerOf) {
	/** @type {Record<string, { requests: number, r429: number, early: number }>} */
	const byWorker = {};
	/** @type {Hold[]} */
	const holds = [];
	/** @type {Hold | undefined} */
	let open;
	for (const r of api) {
		const w = workerOf(r);
		const mine = (byWorker[w] ??= { requests: 0, r429: 0, early: 0 });
		mine.requests++;
		if (r.status === 429) mine.r429++;
		if (r.early) mine.early++;
		if (r.status === 429 && !r.early && !open) {
			open = { at: r.time, by: w, early: {} };
			holds.push(open);
		}
		if (r.early && holds.length) {
			const hold = holds[holds.length - 1];
			hold.early[w] = (hold.early[w] ?? 0) + 1;
		}
		if (!r.early && r.status !== null && r.status >= 200 && r.status < 300) open = undefined;
	}
	// Per hold, the most early requests one worker other than the one that met the 429 sent.
	const otherEarly = holds.map((h) => Math.max(0, ...Object.entries(h.early).filter(([w]) => w !== h.by).map(([, n]) => n)));
	return {
		requests: api.length,
		wallS: api.length ? (api[api.length - 1].time - api[0].time) / 1000 : NaN,
		r429: api.filter((r) => r.status === 429).length,
		early: api.filter((r) => r.early).length,
		byWorker,
		/** The most 429s one worker got. */
		max429PerWorker: Math.max(0, ...Object.values(byWorker).map((x) => x.r429)),
		holds,
		/** The most early requests one other worker sent in one hold. */
		maxOtherEarlyPerHold: Math.max(0, ...otherEarly),
		/** Early requests of the worker that met the hold's 429 (its own, already on their way). */
		ownEarly: holds.reduce((s, h) => s + (h.early[h.by] ?? 0), 0),
	};
}

/**
 * The same figures for what came after the first hold: the first round of a run is the one in
 * which nobody knew the limit yet, and every request already on its way met it.
 * @param {LoggedRequest[]} api @param {(r: LoggedRequest) => string} workerOf
 */
function afterFirstHold(api, workerOf) {
	const first = readRun(api, workerOf).holds[0];
	if (!first) return readRun(api, workerOf);
	const end = api.find((r) => r.time > first.at && !r.early && r.status !== null && r.status >= 200 && r.status < 300)?.time ?? Infinity;
	return readRun(
		api.filter((r) => r.time >= end),
		workerOf,
	);
}

/**
 * The worker of each execution, from the cluster's whoRan(); a request without the header (or of
 * an execution no worker logged) counts as '?'.
 * @param {Record<string, { worker: string[] }>} who
 * @returns {(r: LoggedRequest) => string}
 */
function workerByExecution(who) {
	return (r) => {
		const id = r.headers?.[EXECUTION_HEADER];
		return (typeof id === 'string' && who[id]?.worker?.[0]) || '?';
	};
}

/** One line per hold: when, who met the 429, who sent early requests. @param {Hold[]} holds @param {number} t0 */
function describeHolds(holds, t0) {
	return holds.map((h) => {
		const early = Object.entries(h.early).map(([w, n]) => `${w} ${n}`).join(', ');
		return `${((h.at - t0) / 1000).toFixed(1)} s ${h.by}${early ? ` (early: ${early})` : ''}`;
	});
}

/**
 * The fixed-window least: the shortest wall time (first request to last) in which `n` requests can
 * pass a fixed window of `limit` per `windowSeconds` that starts at the first request (the
 * sandbox's default limiter, sandbox/rate-limit.js): all of a window's places are taken at its
 * start, so the last of the ceil(n ÷ limit) windows opens (ceil(n ÷ limit) − 1) windows after the
 * first request. Fewer requests than the limit: 0 (every request at once).
 * @param {number} n @param {number} limit @param {number} windowSeconds
 */
function fixedWindowLeastS(n, limit, windowSeconds) {
	return Math.max(0, Math.ceil(n / limit) - 1) * windowSeconds;
}

/**
 * Replays the sandbox's fixed window (one token, Retry-After in whole seconds) over a run's API
 * requests in arrival order: the moment each 429 named (its arrival plus its Retry-After), and how
 * many answers the replay could not reproduce (0 when the log is the limiter's own story).
 * @param {LoggedRequest[]} api @param {{ limit: number, windowSeconds: number }} rule
 */
function fixedWindowMoments(api, rule) {
	const windowMs = rule.windowSeconds * 1000;
	let start = -Infinity;
	let count = 0;
	let mismatches = 0;
	/** @type {Map<LoggedRequest, number>} */
	const moments = new Map();
	for (const r of api) {
		if (r.status === null) continue;
		if (r.time >= start + windowMs) {
			start = r.time;
			count = 0;
		}
		count++;
		if (count > rule.limit !== (r.status === 429)) mismatches++;
		if (r.status === 429) moments.set(r, r.time + Math.max(1, Math.ceil((start + windowMs - r.time) / 1000)) * 1000);
	}
	return { moments, mismatches };
}

/**
 * Requests sent before a Retry-After, by whose it was. A worker's request counts against its OWN
 * Retry-After when it arrived before the moment a 429 this worker got had named, and more than
 * `inFlightMs` after that 429 arrived (sooner, it was on its way before the 429 was answered: a
 * worker with several requests at once cannot call those back; they are counted as "in flight").
 * Any other early request (the sandbox's flag: before the moment the token's last 429 named) came
 * before ANOTHER worker's Retry-After, which this worker never saw.
 * @param {LoggedRequest[]} api @param {(r: LoggedRequest) => string} workerOf
 * @param {Map<LoggedRequest, number>} moments from fixedWindowMoments
 * @param {number} [inFlightMs]
 */
function earlyByWhose(api, workerOf, moments, inFlightMs = IN_FLIGHT_MS) {
	/** @type {Record<string, { own: number, inFlight: number, others: number }>} */
	const byWorker = {};
	/** @type {Record<string, { at: number, moment: number }>} the latest 429 each worker got */
	const given = {};
	for (const r of api) {
		const w = workerOf(r);
		const mine = (byWorker[w] ??= { own: 0, inFlight: 0, others: 0 });
		const g = given[w];
		if (g && r.time < g.moment) {
			if (r.time - g.at > inFlightMs) mine.own++;
			else if (r.status === 429 || r.early) mine.inFlight++;
		} else if (r.early) mine.others++;
		const m = moments.get(r);
		if (m !== undefined) given[w] = { at: r.time, moment: g && g.moment > r.time ? Math.max(g.moment, m) : m };
	}
	const sum = (/** @type {'own'|'inFlight'|'others'} */ k) => Object.values(byWorker).reduce((s, x) => s + x[k], 0);
	return { byWorker, own: sum('own'), inFlight: sum('inFlight'), others: sum('others') };
}

/** A request this soon after its own worker's 429 was already on its way (see earlyByWhose). */
const IN_FLIGHT_MS = 50;

module.exports = { EXECUTION_HEADER, IN_FLIGHT_MS, readRun, afterFirstHold, workerByExecution, describeHolds, fixedWindowLeastS, fixedWindowMoments, earlyByWhose };
