import { LimitEstimator, paddedWindow, wholeSecondsWithin } from '../../nodes/shared/transport/limit-estimator';
import { RateGate } from '../../nodes/shared/transport/rate-gate';
import { parseReset, parseSfList, readAllowance } from '../../nodes/shared/transport/rate-limit-headers';
import { describeRateLimitCost, RateLimitCost } from '../../nodes/shared/transport/rate-limit-cost';
import { clockReading } from '../virtual-clock';

const NOW = Date.parse('2026-04-08T10:00:00Z');
const EPOCH_NOW = NOW / 1000;

describe('rate-limit headers', () => {
	it.each([
		['IETF structured fields', { ratelimit: '"default";r=12;t=3', 'ratelimit-policy': '"default";q=50;w=5' }, { remaining: 12, resetAt: NOW + 3000, limit: 50, style: 'ietf' }],
		['IETF with a token name and no policy', { ratelimit: 'default;r=0;t=1' }, { remaining: 0, resetAt: NOW + 1000, style: 'ietf' }],
		['IETF, two policies: the one that runs out first', { ratelimit: '"burst";r=5;t=1, "day";r=2;t=600' }, { remaining: 2, resetAt: NOW + 600_000, style: 'ietf' }],
		['the older IETF draft', { ratelimit: 'limit=50, remaining=7, reset=2' }, { remaining: 7, resetAt: NOW + 2000, limit: 50, style: 'ietf' }],
		['RateLimit-*', { 'ratelimit-limit': '50', 'ratelimit-remaining': '9', 'ratelimit-reset': '4' }, { remaining: 9, resetAt: NOW + 4000, limit: 50, style: 'draft' }],
		['RateLimit-Limit with a policy part', { 'ratelimit-limit': '50, 50;w=5', 'ratelimit-remaining': '9', 'ratelimit-reset': '4' }, { remaining: 9, resetAt: NOW + 4000, limit: 50, style: 'draft' }],
		['X-RateLimit-* with seconds to go', { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '10' }, { remaining: 0, resetAt: NOW + 10_000, limit: 30, style: 'x' }],
		['X-RateLimit-* with epoch seconds', { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(EPOCH_NOW + 7) }, { remaining: 3, resetAt: NOW + 7000, style: 'x' }],
		['numbers as numbers, a repeated header that agrees', { 'x-ratelimit-remaining': 3, 'x-ratelimit-reset': ['2', '2'] }, { remaining: 3, resetAt: NOW + 2000, style: 'x' }],
		['two styles: the most restrictive', { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '2', ratelimit: '"a";r=1;t=1' }, { remaining: 1, resetAt: NOW + 1000, style: 'ietf' }],
	])('reads %s', (_label, headers, expected) => {
		expect(readAllowance(headers, NOW)).toEqual(expected);
	});

	it.each([
		['no headers', {}],
		['remaining without reset', { 'x-ratelimit-remaining': '3' }],
		['reset without remaining', { 'x-ratelimit-reset': '3' }],
		['negative remaining', { 'x-ratelimit-remaining': '-1', 'x-ratelimit-reset': '3' }],
		['negative reset', { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '-3' }],
		['garbage', { 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': 'soon' }],
		['a fraction of a request', { 'x-ratelimit-remaining': '1.5', 'x-ratelimit-reset': '3' }],
		['a huge count', { 'x-ratelimit-remaining': '99999999999', 'x-ratelimit-reset': '3' }],
		['a reset more than a day away', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '90000' }],
		['an epoch reset in the past', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(EPOCH_NOW - 60) }],
		['an epoch reset more than a day ahead', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(EPOCH_NOW + 2 * 86400) }],
		['remaining above the limit', { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '11', 'x-ratelimit-reset': '3' }],
		['an unreadable limit', { 'x-ratelimit-limit': 'ten', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '3' }],
		['a repeated header that disagrees with itself', { 'x-ratelimit-remaining': ['1', '5'], 'x-ratelimit-reset': '3' }],
		['IETF remaining above its policy', { ratelimit: '"default";r=60;t=3', 'ratelimit-policy': '"default";q=50;w=5' }],
		['IETF without t', { ratelimit: '"default";r=0' }],
		['IETF garbage', { ratelimit: '"unterminated;r=1;t=1' }],
		['IETF, a parameter without a value', { ratelimit: '"default";r;t=1' }],
	])('ignores %s', (_label, headers) => {
		expect(readAllowance(headers as Record<string, string>, NOW)).toBeUndefined();
	});

	it('tells seconds to go from epoch seconds at 1 000 000 000', () => {
		expect(parseReset('999999999', NOW)).toBeUndefined(); // 31 years to go: more than a day
		expect(parseReset('86400', NOW)).toBe(NOW + 86_400_000);
		expect(parseReset('1.5', NOW)).toBe(NOW + 1500);
		expect(parseReset(String(EPOCH_NOW), NOW)).toBe(NOW);
		// The epoch second that has just begun still counts as now.
		expect(parseReset(String(EPOCH_NOW), NOW + 900)).toBe(NOW + 900);
	});

	it('parses structured-field lists as these headers use them', () => {
		expect(parseSfList('"a";r=1;t=2, b;q=3')).toEqual([
			{ name: 'a', params: { r: '1', t: '2' } },
			{ name: 'b', params: { q: '3' } },
		]);
		expect(parseSfList('')).toBeUndefined();
		expect(parseSfList('=;r=1')).toBeUndefined();
	});
});

describe('the limit estimator (injected clock)', () => {
	/** Starts `count` requests `gapMs` apart from `from`, all through; returns the next moment. */
	function sendThrough(estimator: LimitEstimator, from: number, count: number, gapMs: number): number {
		let at = from;
		for (let i = 0; i < count; i++) {
			expect(estimator.nextStart(at)).toBe(at);
			estimator.started(at);
			estimator.answered(at, at, true);
			at += gapMs;
		}
		return at;
	}

	/**
	 * Sends `count` through from `from`, then one more that is limited 5 ms later with
	 * Retry-After `retryAfterMs`; returns the moment the server lets requests in again.
	 */
	function limitAfter(estimator: LimitEstimator, from: number, count: number, gapMs: number, retryAfterMs: number): number {
		const next = sendThrough(estimator, from, count, gapMs);
		estimator.started(next);
		estimator.rateLimited(next, next + 5, next + 5 + retryAfterMs);
		return next + 5 + retryAfterMs;
	}

	it('costs nothing before the first 429', () => {
		const estimator = new LimitEstimator();
		sendThrough(estimator, 0, 1000, 1);
		expect(estimator.estimate).toBeUndefined();
	});

	it('learns requests per window and window length from the first 429 with Retry-After, then spreads', () => {
		const estimator = new LimitEstimator();
		// A fixed window of 10 per 1000 ms that started with the first request.
		const next = sendThrough(estimator, 0, 10, 20);
		estimator.started(next);
		expect(estimator.rateLimited(next, next + 5, 1000)).toBe(true);
		expect(estimator.estimate).toEqual({ perWindow: 10, windowMs: 1000 });
		// A (padded) window after each start of the first window, one more may start.
		expect(estimator.nextStart(1000)).toBe(paddedWindow(1000));
		const end = sendThrough(estimator, paddedWindow(1000), 10, 20);
		// Held back by the budget in its first paced window: a probe goes past it as long after the
		// last answer as the window's ten took (180 ms), but at most four answers' time — and these
		// answers took (almost) none: at once, before the next place (2 × the padded window).
		expect(estimator.nextStart(end - 20)).toBeLessThan(end - 20 + 5);
		expect(estimator.probing).toBe(false);
		expect(estimator.nextStart(end)).toBe(end);
		expect(estimator.probing).toBe(true);
	});

	it('a request counts until a window after its answer (it reached the server before), and while in flight', () => {
		const estimator = new LimitEstimator();
		estimator.started(0);
		estimator.answered(0, 300, true); // n8n's request path took 300 ms
		estimator.started(10);
		estimator.answered(10, 310, true);
		estimator.started(20);
		estimator.rateLimited(20, 330, 1000);
		expect(estimator.estimate).toEqual({ perWindow: 2, windowMs: 1000 });
		// Two places, both counted until a window after their answers (300, 310): the next place is at
		// 300 + the padded window. (At the reopening the first paced window's probe may go: held back
		// by the budget, after the window's own requests took as long again — 10 ms.)
		expect(estimator.nextStart(900)).toBe(1000);
		expect(estimator.nextStart(1000, 2)).toBe(Infinity); // both places taken by requests in flight
		expect(estimator.nextStart(1000)).toBe(1000);
		expect(estimator.probing).toBe(true);
	});

	it('ignores the other 429s of a round that was already counted', () => {
		const estimator = new LimitEstimator();
		sendThrough(estimator, 0, 10, 20);
		estimator.started(200);
		estimator.started(201);
		expect(estimator.rateLimited(200, 210, 1000)).toBe(true);
		expect(estimator.rateLimited(201, 215, 1000)).toBe(false);
		expect(estimator.estimate).toEqual({ perWindow: 10, windowMs: 1000 });
	});

	it('a later 429 keeps the window and lowers the budget to what got through in it; one after the whole budget got through does not', () => {
		const estimator = new LimitEstimator();
		sendThrough(estimator, 0, 10, 20);
		estimator.started(200);
		estimator.rateLimited(200, 210, 1000);
		expect(estimator.estimate).toEqual({ perWindow: 10, windowMs: 1000 });
		// A window later (the second at once: the window's first request left then), limited after
		// 4: counted a window back from the 429, as pacing counts them, 8 got through (4 of the window
		// before, 4 of this one). The window stays (a stretch may span runs and pauses).
		sendThrough(estimator, 2000, 4, 20);
		sendThrough(estimator, 2900, 4, 20);
		estimator.started(2980);
		expect(estimator.rateLimited(2980, 2990, 4000)).toBe(true);
		expect(estimator.estimate).toEqual({ perWindow: 8, windowMs: 1000 });
		// A 429 after the whole budget got through (another worker spent more of the window) teaches
		// nothing: budgets lowered at each such 429 sank from run to run (issue 23).
		sendThrough(estimator, 5000, 8, 20);
		estimator.started(5160);
		estimator.rateLimited(5160, 5170, 6000);
		expect(estimator.estimate).toEqual({ perWindow: 8, windowMs: 1000 });
	});

	it.each([
		['the whole seconds there', 700, 1600, 1000],
		['no whole second between them: the first request through bounds it', 1200, 1700, 1700],
	])('without Retry-After, the window ends between the last limited request and the first one through again; %s', (_, probeAt, throughAt, windowMs) => {
		const estimator = new LimitEstimator();
		sendThrough(estimator, 0, 8, 10);
		estimator.started(80);
		estimator.rateLimited(80, 85, undefined);
		expect(estimator.estimate).toBeUndefined();
		estimator.started(probeAt); // the probe after the backoff: limited too
		estimator.rateLimited(probeAt, probeAt + 5, undefined);
		estimator.started(throughAt); // through
		estimator.answered(throughAt, throughAt, true);
		expect(estimator.estimate).toEqual({ perWindow: 8, windowMs });
	});

	it('the whole seconds within a range', () => {
		expect(wholeSecondsWithin(1200, 1700)).toBe(1700);
		expect(wholeSecondsWithin(700, 2500)).toBe(2000);
		expect(wholeSecondsWithin(-5, 600)).toBe(600);
	});

	it('a one-second window measured through a rounded-up Retry-After is taken as one second', () => {
		const estimator = new LimitEstimator();
		// 12 per second; the 12 went in 400 ms and the 429 said "1": back in at 1401.
		limitAfter(estimator, 0, 12, 33, 1000);
		expect(estimator.estimate).toEqual({ perWindow: 12, windowMs: 1000 });
	});

	it('a long slow stretch that meets its first 429 late teaches nothing; the stretch after the reopening does', () => {
		const estimator = new LimitEstimator();
		// 30 s at 5 a second (a run held back by faults) under a limit of 12 per second, then a burst.
		const burst = sendThrough(estimator, 0, 150, 200);
		const reopened = limitAfter(estimator, burst, 12, 20, 1000);
		// Read as one window, the stretch would pace the run to 162 per 31 s (5 a second) for good.
		expect(estimator.estimate).toBeUndefined();
		// From the reopening, the next window: 12 through, the 13th limited, back in 1 s later.
		limitAfter(estimator, reopened, 12, 20, 1000);
		expect(estimator.estimate).toEqual({ perWindow: 12, windowMs: 1000 });
	});

	it('a 429 despite pacing after a long stretch does not lower the rate to the stretch average', () => {
		const estimator = new LimitEstimator();
		limitAfter(estimator, 0, 10, 20, 795);
		expect(estimator.estimate).toEqual({ perWindow: 10, windowMs: 1000 });
		// Paced for ten minutes after a minute's pause (a new stretch), then a 429 late in the stretch.
		let at = 62_000;
		for (let i = 0; i < 600; i++) {
			estimator.started(at);
			estimator.answered(at, at, true);
			at += 1000;
		}
		estimator.started(at);
		estimator.rateLimited(at, at + 5, at + 5 + 1000);
		expect(estimator.estimate).toEqual({ perWindow: 10, windowMs: 1000 });
	});

	// The rise after a quiet minute (and its trial) is gone: probes find room again (test/unit/shared-quota.test.ts).
});

describe('the gate and the server allowance', () => {
	const allowance = (remaining: number, resetAt: number) => ({ remaining, resetAt, style: 'x' as const });

	it('holds everyone when the allowance left, minus the requests in flight, is spent; the server count wins', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { rateLimited: false, succeeded: true, allowance: allowance(2, 5000) }, now);
		// Two left: two may start, the third is held until the reset.
		const a = await gate.pass(10_000);
		const b = await gate.pass(10_000);
		expect(a.kind).toBe('turn');
		expect(b.kind).toBe('turn');
		expect(gate.holdOf(now)).toEqual({ delayMs: 4000, reason: 'allowance' });
		// Another process spent the rest: a newer answer says none are left — and the reset stands.
		if (a.kind !== 'turn') throw new Error('no turn');
		gate.answered(a.ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 5000) }, now);
		expect(gate.holdOf(now).delayMs).toBe(4000);
		// Longer than Max Wait: the request is not sent.
		expect(await gate.pass(3000)).toEqual({ kind: 'too-long', delayMs: 4000, reason: 'allowance' });
		// After the reset one request finds out what the new window allows, the others wait for it.
		if (b.kind !== 'turn') throw new Error('no turn');
		gate.answered(b.ticket, { rateLimited: false, succeeded: true }, now);
		now = 5000;
		const scout = await gate.pass(10_000);
		expect(scout.kind).toBe('turn');
		expect(gate.holdOf(now).delayMs).toBeGreaterThan(0);
		if (scout.kind !== 'turn') throw new Error('no turn');
		gate.answered(scout.ticket, { rateLimited: false, succeeded: true, allowance: allowance(9, 10_000) }, now);
		expect(gate.holdOf(now).delayMs).toBe(0);
	});

	it('an answer overtaken by a newer one still counts its own request once', async () => {
		const now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { rateLimited: false, succeeded: true, allowance: allowance(6, 5000) }, now);
		const passes = await Promise.all([gate.pass(10_000), gate.pass(10_000), gate.pass(10_000)]);
		const [a, b, c] = passes.map((p) => (p.kind === 'turn' ? p.ticket : undefined)!);
		// c is answered first (served last: 3 left); a and b were in flight then and are answered after.
		gate.answered(c, { rateLimited: false, succeeded: true, allowance: allowance(3, 5000) }, now);
		// 3 left, minus a and b in flight (perhaps not counted yet): one place.
		const one = await gate.pass(10_000);
		expect(one.kind).toBe('turn');
		expect(gate.holdOf(now).reason).toBe('allowance');
		gate.answered((one as { ticket: typeof a }).ticket, { rateLimited: false, succeeded: true, allowance: allowance(3, 5000) }, now);
		gate.answered(a, { rateLimited: false, succeeded: true, allowance: allowance(5, 5000) }, now); // served before c: already counted
		gate.answered(b, { rateLimited: false, succeeded: true, allowance: allowance(4, 5000) }, now);
		// All answered and the server says 3 left (a and b no longer count as in flight): three may start.
		for (let i = 0; i < 3; i++) expect((await gate.pass(10_000)).kind).toBe('turn');
		expect(gate.holdOf(now)).toEqual({ delayMs: 4000, reason: 'allowance' });
	});

	it('the reset is the earliest of a window\'s readings: each counts whole seconds, rounded up, so each bounds it from above', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		// "5 left, reset in 5 s" at 1000: the window ends in (4 s, 5 s]; at 1400, "0 left, reset in 5 s": (4.4 s, 5.4 s].
		gate.answered(first.ticket, { rateLimited: false, succeeded: true, allowance: allowance(5, 6000) }, now);
		const second = await gate.pass(10_000);
		if (second.kind !== 'turn') throw new Error('no turn');
		now = 1400;
		gate.answered(second.ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 6400) }, now);
		expect(gate.holdOf(now)).toEqual({ delayMs: 4600, reason: 'allowance' });
		// A reading of a later window (more than a second later) is a new window, not a bound.
		now = 6000;
		const scout = await gate.pass(10_000);
		if (scout.kind !== 'turn') throw new Error('no turn');
		gate.answered(scout.ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 11_000) }, now);
		expect(gate.holdOf(now)).toEqual({ delayMs: 5000, reason: 'allowance' });
	});

	it('an overtaken answer that found fewer left brings its reset too (a sliding window: when the next place frees)', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { rateLimited: false, succeeded: true, allowance: allowance(3, 4000) }, now);
		const [a, b] = await Promise.all([gate.pass(10_000), gate.pass(10_000)]);
		if (a.kind !== 'turn' || b.kind !== 'turn') throw new Error('no turn');
		now = 1050;
		// b is answered first: 1 left, the window whole again in 3 s (its newest request leaves then).
		gate.answered(b.ticket, { rateLimited: false, succeeded: true, allowance: allowance(1, 4050) }, now);
		// a, served after b: none left, and the oldest request leaves in 1 s — that is the reset now.
		gate.answered(a.ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 2050) }, now);
		expect(gate.holdOf(now)).toEqual({ delayMs: 1000, reason: 'allowance' });
	});

	it('Retry-After wins over an allowance read before', () => {
		const now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const ticket = { turn: 'go' as const, seq: 1, startedAt: now };
		gate.answered(ticket, { rateLimited: false, succeeded: true, allowance: allowance(0, 60_000) }, now);
		expect(gate.rateLimited(ticket, now, 2000, () => 0)).toBe(3000);
		// The 429's hold ends at 3000; the allowance that said "none until 60 000" no longer holds.
		expect(gate.holdOf(2999).reason).toBe('rate-limited');
		expect(gate.delay(3000)).toBe(0);
		expect(gate.holdOf(3000).delayMs).toBe(0);
	});

	it('after a 429 whose answer had headers, one request finds out what the new window allows before the others follow', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const ticket = { turn: 'go' as const, seq: 1, startedAt: now };
		gate.answered(ticket, { rateLimited: true, succeeded: false, allowance: allowance(0, 3000) }, now);
		gate.rateLimited(ticket, now, 2000, () => 0);
		now = 3000;
		const scout = await gate.pass(10_000);
		expect(scout.kind).toBe('turn');
		expect(gate.holdOf(now).delayMs).toBe(Infinity);
		if (scout.kind !== 'turn') throw new Error('no turn');
		gate.answered(scout.ticket, { rateLimited: false, succeeded: true, allowance: allowance(9, 8000) }, now);
		expect(gate.holdOf(now).delayMs).toBe(0);
	});
});

describe('what the limit cost', () => {
	it('counts overlapping waits once; a short hold says only what it held, even when it was most of a short run', () => {
		const cost = new RateLimitCost();
		expect(describeRateLimitCost(cost, 1000)).toBeUndefined();
		cost.waited(0, 4000);
		cost.waited(1000, 5000);
		cost.rateLimited();
		expect(cost.waitedMs).toBe(5000);
		expect(describeRateLimitCost(cost, 10_000)).toBe("Flextell's rate limit held requests for 5.0 s of this run (50 %), 2 holds, 1 × HTTP 429.");
		// example 04 of the demo run right after 03: 0.4 s of a 0.45 s run
		const brief = new RateLimitCost();
		brief.waited(0, 400);
		expect(describeRateLimitCost(brief, 450)).toBe("Flextell's rate limit held requests for 0.4 s of this run (89 %), 1 hold, 0 × HTTP 429.");
	});

	it('gives the advice only when waiting was both long (20 s or more) and a large share of the run', () => {
		const cost = new RateLimitCost();
		cost.waited(0, 24_000);
		cost.waited(1000, 25_000);
		expect(describeRateLimitCost(cost, 50_000)).toMatch(/^Flextell's rate limit held requests for 25\.0 s of this run \(50 %\), 2 holds, 0 × HTTP 429\. .*send fewer requests.*higher tier/);
		expect(describeRateLimitCost(cost, 200_000)).not.toMatch(/higher tier|fewer requests/); // 12.5 %: long, but a small share
		const justShort = new RateLimitCost();
		justShort.waited(0, 19_900);
		expect(describeRateLimitCost(justShort, 20_000)).not.toMatch(/higher tier|fewer requests/);
	});
});
