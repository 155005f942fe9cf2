/**
 * One quota, several workers (n8n's queue mode), in virtual time: each worker is its own gate, its
 * items go through the real request path, and every request meets the sandbox's own limiter (one
 * token for all), so the 429s here are the sandbox's, some caused by the other worker. Plus the
 * gate's and the estimator's rules for other clients, one by one.
 */
import { LimitEstimator, paddedWindow } from '../../nodes/shared/transport/limit-estimator';
import { RateGate } from '../../nodes/shared/transport/rate-gate';
import type { SimOptions } from '../shared-quota';
import { simulate } from '../shared-quota';
import { clockReading } from '../virtual-clock';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { afterFirstHold, readRun } = require('../../scripts/lib/rate-limit-log') as {
	readRun(api: unknown[], workerOf: (r: { worker: string }) => string): Read;
	afterFirstHold(api: unknown[], workerOf: (r: { worker: string }) => string): Read;
};
interface Read {
	r429: number;
	max429PerWorker: number;
	maxOtherEarlyPerHold: number;
	byWorker: Record<string, { requests: number; r429: number }>;
}
const byWorker = (r: { worker: string }) => r.worker;

const LIMIT = 50;
const WINDOW_S = 5;
const exec = (items: number, concurrency: number, at?: number) => ({ items, concurrency, ...(at ? { at } : {}) });
const even = (concurrency: number): SimOptions['workers'] => [
	{ name: 'worker-1', executions: [exec(75, concurrency), exec(75, concurrency)] },
	{ name: 'worker-2', executions: [exec(75, concurrency), exec(75, concurrency)] },
];
/** One worker runs while the other joins 8 s in (when the first has learned the whole limit) and stays after it ends. */
const lateJoiner: SimOptions['workers'] = [
	{ name: 'worker-1', executions: [exec(150, 1)] },
	{ name: 'worker-2', executions: [exec(150, 1, 8000)] },
];

/** Requests that went through in the window (of the limiter's length) that ends with the last request. */
function lastWindow(log: Array<{ time: number; status: number; worker: string }>, worker: string): number {
	const end = log[log.length - 1].time;
	return log.filter((r) => r.worker === worker && r.status === 200 && r.time > end - WINDOW_S * 1000).length;
}

describe('two workers, one quota, with rate-limit headers: the headers are the truth', () => {
	it.each([
		['IETF', 'ietf', 1],
		['X-RateLimit', 'x', 1],
		['IETF', 'ietf', 4],
	] as const)('%s headers, concurrency %d, both busy: no 429 once an answer said what is left, every item through', async (_label, headers, concurrency) => {
		const run = await simulate({ limit: LIMIT, windowSeconds: WINDOW_S, headers, workers: even(concurrency), latencyMs: 60, seed: 1 });
		expect(run.failed).toBe(0);
		expect(afterFirstHold(run.log, byWorker).r429).toBe(0);
		// Only the first requests (sent before any answer) can race the other worker's.
		expect(readRun(run.log, byWorker).r429).toBeLessThanOrEqual(concurrency === 1 ? 0 : 4);
	});

	it('a worker that learned its share from a 429 (while the other spent the rest) uses the whole allowance once the other ends', async () => {
		const run = await simulate({ limit: LIMIT, windowSeconds: WINDOW_S, headers: 'ietf', workers: lateJoiner, latencyMs: 60, seed: 1 });
		expect(run.failed).toBe(0);
		expect(readRun(run.log, byWorker).r429).toBe(0);
		// Worker 2 alone at the end: the last window is all its own, at the limit (the learned
		// estimate holds back nothing the headers allow).
		expect(run.endedAt['worker-1']).toBeLessThan(run.endedAt['worker-2']);
		expect(lastWindow(run.log, 'worker-2')).toBeGreaterThanOrEqual(LIMIT - 2);
	});
});

describe('two workers, one quota, without headers (Retry-After only)', () => {
	it.each([1, 4])('both busy from the start, concurrency %d: after the first hold (nobody knew the limit) no 429 and nothing early', async (concurrency) => {
		const run = await simulate({ limit: LIMIT, windowSeconds: WINDOW_S, workers: even(concurrency), latencyMs: 60, seed: 2 });
		expect(run.failed).toBe(0);
		const later = afterFirstHold(run.log, byWorker);
		expect(later.r429).toBe(0);
		expect(later.maxOtherEarlyPerHold).toBe(0);
	});

	it('a worker squeezed by the other worker\'s burst is not pushed down for good: it climbs back, and each later hold lets at most two early requests of the other worker through', async () => {
		// Concurrency 4 on both, the second worker starting 2.5 s late: before, the first worker read
		// the second's burst as "the limit is lower" and both ratcheted down to a fraction of it.
		const workers: SimOptions['workers'] = [
			{ name: 'worker-1', executions: [exec(75, 4), exec(75, 4, 500)] },
			{ name: 'worker-2', executions: [exec(75, 4, 2500), exec(75, 4, 3000)] },
		];
		const run = await simulate({ limit: LIMIT, windowSeconds: WINDOW_S, workers, latencyMs: 60, seed: 1 });
		expect(run.failed).toBe(0);
		// 300 items at 50 per 5 s: 30 s at the limit. Pushed down, this took 68–84 s.
		expect(run.wallMs).toBeLessThan(45_000);
		// Paced, a worker keeps no more requests in flight than its rate needs (here: one or two).
		expect(afterFirstHold(run.log, byWorker).maxOtherEarlyPerHold).toBeLessThanOrEqual(2);
		expect(run.details['worker-1'].join(' ')).toMatch(/other clients spend the limit/);
	});
});

describe('the gate and other clients', () => {
	const allowance = (remaining: number, resetAt: number) => ({ remaining, resetAt, style: 'ietf' as const });
	const ok = { rateLimited: false, succeeded: true };

	it('the learned estimate never holds a request the announced allowance permits', async () => {
		const now = 1000;
		const gate = new RateGate(clockReading(() => now));
		// An estimate of 1 per 5 s, learned earlier (say, while another worker spent the rest).
		gate.estimator.estimate = { perWindow: 1, windowMs: 5000 };
		gate.estimator.answered(now - 100, now - 50, true);
		expect(gate.holdOf(now).reason).toBe('learned-limit');
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { ...ok, allowance: allowance(20, 5000) }, now);
		expect(gate.holdOf(now)).toEqual({ delayMs: 0, reason: 'allowance' });
		for (let i = 0; i < 10; i++) expect((await gate.pass(10_000)).kind).toBe('turn');
	});

	it('a 429 while the headers said places were left keeps that many for the others and teaches the estimator nothing', async () => {
		const now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { ...ok, allowance: allowance(3, 5000) }, now);
		const second = await gate.pass(10_000);
		if (second.kind !== 'turn') throw new Error('no turn');
		expect(second.ticket.leftAtStart).toBe(3);
		gate.answered(second.ticket, { rateLimited: true, succeeded: false, allowance: allowance(0, 5000) }, now);
		gate.rateLimited(second.ticket, now, 4000, () => 1000);
		expect(gate.estimator.estimate).toBeUndefined();
		expect(gate.marginNow()).toBe(3);
		expect(gate.notesSince(0).map((n) => n.text).join(' ')).toMatch(/429 while the headers left 3 places.*limit not lowered/);
	});

	it('the server counting more than this process sent between two answers keeps places for the others', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const pass = async () => {
			const p = await gate.pass(10_000);
			if (p.kind !== 'turn') throw new Error('no turn');
			return p.ticket;
		};
		gate.answered(await pass(), { ...ok, allowance: allowance(40, 6000) }, (now += 50));
		// One request of ours between two readings, but the count fell by 3: two were others'.
		for (let i = 0; i < 5; i++) gate.answered(await pass(), { ...ok, allowance: allowance(40 - 3 * (i + 1), 6000) }, (now += 50));
		expect(gate.marginNow()).toBeGreaterThan(0);
		// Within the places kept for them: one request at a time.
		gate.answered(await pass(), { ...ok, allowance: allowance(3, 6000) }, (now += 50));
		expect(gate.marginNow()).toBeGreaterThanOrEqual(3);
		expect((await gate.pass(10_000)).kind).toBe('turn');
		expect(gate.holdOf(now).delayMs).toBe(Infinity);
	});
});

describe('the estimator and other clients', () => {
	function paced(estimator: LimitEstimator, from: number, perWindow: number, windows: number, windowMs: number): number {
		let at = from;
		for (let w = 0; w < windows; w++) {
			const start = at;
			for (let i = 0; i < perWindow + 1; i++) {
				// One more than allowed asks each window: the learned limit holds it (the process wants more).
				const next = estimator.nextStart(at, 0);
				if (next > at) break;
				estimator.started(at);
				estimator.answered(at, at + 10, true);
				at += 10;
			}
			at = start + paddedWindow(windowMs) + 1;
		}
		return at;
	}

	it('a 429 that comes while far fewer of its own requests were in the window is read as another client\'s: not lowered as its fault; the estimate climbs back while no 429 comes', () => {
		const estimator = new LimitEstimator();
		const notes: string[] = [];
		estimator.onNote = (_at, text) => notes.push(text);
		estimator.estimate = { perWindow: 50, windowMs: 5000 };
		let at = paced(estimator, 0, 50, 2, 5000) + 2 * paddedWindow(5000);
		// Another worker's burst: after 12 of ours in this window (with more waiting), a 429.
		for (let i = 0; i < 12; i++) {
			estimator.nextStart(at, 0);
			estimator.started(at);
			estimator.answered(at, at + 10, true);
			at += 10;
		}
		expect(estimator.nextStart(at, 60)).toBe(Infinity); // more wanted than the window allows
		estimator.started(at);
		estimator.rateLimited(at, at + 10, at + 3000);
		expect(estimator.shared).toBe(true);
		expect(estimator.estimate).toEqual({ perWindow: 12, windowMs: 5000 });
		// (A quiet minute had raised it to 55 on trial: that climb stops at what got through.)
		expect(notes.join(' ')).toMatch(/429 with 12 of its own 55 allowed in the window: the climb stops at 12 per 5 s \(not lowered as its own fault/);
		// The other worker goes quiet: after a few windows held by the limit without a 429 it climbs
		// by half, then window by window.
		at = paced(estimator, at + 3000, 12, 5, 5000);
		expect(estimator.estimate!.perWindow).toBeGreaterThan(12);
		at = paced(estimator, at, estimator.estimate!.perWindow, 3, 5000);
		expect(estimator.estimate!.perWindow).toBeGreaterThanOrEqual(27);
	});

	it('a first round in which no more got through than were on their way at once is taken as a share (others spent the window), one with more as the limit', () => {
		const squeezed = new LimitEstimator();
		for (let i = 0; i < 4; i++) {
			squeezed.started(i * 10);
			squeezed.answered(i * 10, i * 10 + 50, true);
		}
		squeezed.started(40);
		squeezed.rateLimited(40, 90, 2000, 3); // three more of its own still on their way
		expect(squeezed.estimate).toEqual({ perWindow: 4, windowMs: 2000 });
		expect(squeezed.shared).toBe(true);
		const alone = new LimitEstimator();
		for (let i = 0; i < 20; i++) {
			alone.started(i * 10);
			alone.answered(i * 10, i * 10 + 50, true);
		}
		alone.started(200);
		alone.rateLimited(200, 250, 2000, 3);
		expect(alone.shared).toBe(false);
	});

	it('while paced, no more requests in flight than the rate needs', () => {
		const estimator = new LimitEstimator();
		estimator.estimate = { perWindow: 10, windowMs: 5000 };
		estimator.started(0);
		estimator.answered(0, 50, true); // 50 ms per answer: 10 per 5 s needs one at a time
		expect(estimator.inFlightCap(estimator.estimate)).toBe(1);
		expect(estimator.nextStart(100, 0)).toBe(100);
		expect(estimator.nextStart(100, 1)).toBe(Infinity);
	});
});
