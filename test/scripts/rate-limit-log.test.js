// @ts-check
// How the queue bench and the queue suite read a run off the sandbox's log (scripts/lib/rate-limit-log.js):
// the fixed-window least, the replay of the fixed window's 429 moments, and whose Retry-After an early
// request came before. The log here is made by the sandbox's own limiter (sandbox/rate-limit.js) fed
// arrival times, so the replay is checked against the rule it replays.
'use strict';
const { RateLimiter } = require('../../sandbox/rate-limit');
const { earlyByWhose, fixedWindowLeastS, fixedWindowMoments, IN_FLIGHT_MS } = require('../../scripts/lib/rate-limit-log');

const RULE = { limit: 3, windowSeconds: 2 };

/**
 * A log of one token's requests as the sandbox writes it: arrival time, status, early flag, and
 * each 429's retry moment as the limiter remembered it.
 * @param {[number, string][]} arrivals [ms, worker]
 */
function logOf(arrivals) {
	const limiter = new RateLimiter({ ...RULE, retryAfter: 'seconds', suspendAfter: 1e9, limiter: 'fixed', headers: 'none' });
	return arrivals.map(([time, worker]) => {
		const early = limiter.arrive('t', time);
		const advice = limiter.take('t', time);
		return { time, status: advice ? 429 : 200, early, headers: { worker }, moment: advice?.moment };
	});
}
const workerOf = (/** @type {any} */ r) => r.headers.worker;

test('the fixed-window least: the last of ceil(N ÷ L) windows opens (ceil(N ÷ L) − 1) windows after the first request', () => {
	expect(fixedWindowLeastS(120, 30, 5)).toBe(15);
	expect(fixedWindowLeastS(120, 40, 10)).toBe(20);
	expect(fixedWindowLeastS(120, 60, 20)).toBe(20);
	expect(fixedWindowLeastS(121, 60, 20)).toBe(40);
	expect(fixedWindowLeastS(10, 60, 20)).toBe(0);
});

test("the replay of the fixed window gives every 429 the moment the sandbox's limiter named, and finds no answer it cannot reproduce", () => {
	const log = logOf([
		[0, 'a'], [100, 'b'], [200, 'a'], [300, 'b'], [1200, 'a'], // window 0–2000: the 4th and 5th are 429s
		[2300, 'b'], [2400, 'a'], [2500, 'a'], [2600, 'b'], [3999, 'b'], // window 2300–4300
		[4400, 'a'],
	]);
	const { moments, mismatches } = fixedWindowMoments(log, RULE);
	expect(mismatches).toBe(0);
	expect([...moments.values()]).toEqual(log.filter((r) => r.status === 429).map((r) => r.moment));
	expect(moments.size).toBe(4);
	// a log the rule cannot have written: a 200 past the limit
	const wrong = log.map((r, i) => (i === 3 ? { ...r, status: 200 } : r));
	expect(fixedWindowMoments(wrong, RULE).mismatches).toBe(1);
});

test("early requests by whose Retry-After: the worker's own, on their way when its 429 came, or another worker's", () => {
	const log = logOf([
		[0, 'a'], [10, 'a'], [20, 'a'],
		[30, 'a'], // a's 429: Retry-After 2 s (moment 2030)
		[30 + IN_FLIGHT_MS - 1, 'a'], // on its way when the 429 came: in flight
		[500, 'b'], // before a's moment, which b never saw: another worker's (and b's own 429, moment 2500)
		[600, 'b'], // before its own moment: own (a 429 again, moment 2600)
		[2100, 'a'], // a new window, after a's own moment, before b's (the token's last): another worker's
		[2700, 'a'], // after every moment: not early
	]);
	const { moments } = fixedWindowMoments(log, RULE);
	const e = earlyByWhose(log, workerOf, moments);
	expect(log.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429, 429, 200, 200]);
	expect(e.byWorker).toEqual({ a: { own: 0, inFlight: 1, others: 1 }, b: { own: 1, inFlight: 0, others: 1 } });
	expect([e.own, e.inFlight, e.others]).toEqual([1, 1, 2]);
});
