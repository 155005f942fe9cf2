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
		// Worker 2's first request, sent before any answer told it anything, may take the place worker 1
		// (alone until then) counted on — here the last of a window, 8 s in: that one 429 at most, and
		// none once both had read the headers.
		expect(readRun(run.log, byWorker).r429).toBeLessThanOrEqual(1);
		expect(afterFirstHold(run.log, byWorker).r429).toBe(0);
		// Worker 2 alone at the end: the last window is all its own, at the limit (the learned
		// estimate holds back nothing the headers allow).
		expect(run.endedAt['worker-1']).toBeLessThan(run.endedAt['worker-2']);
		expect(lastWindow(run.log, 'worker-2')).toBeGreaterThanOrEqual(LIMIT - 2);
	});
});

/**
 * Probes in a run of `windows` windows, at most: one in each paced window after the learning one
 * while fewer than four in a row found no room, then 2, 4, 8, 8 … windows apart (docs/pacing.md).
 */
const probesWithin = (windows: number) => [1, 2, 3, 4, 6, 10, 18, 26, 34, 42].filter((w) => w < windows).length;

describe('two workers, one quota, without headers (Retry-After only)', () => {
	it.each([1, 4])('both busy from the start, concurrency %d: after the first hold (nobody knew the limit) only the probes\' 429s, nothing early of their own, at most one of the other worker per hold', async (concurrency) => {
		const run = await simulate({ limit: LIMIT, windowSeconds: WINDOW_S, workers: even(concurrency), latencyMs: 60, seed: 2 });
		expect(run.failed).toBe(0);
		const later = afterFirstHold(run.log, byWorker);
		// 300 items at 50 per 5 s: 6 windows; a probe that finds no room costs its worker one 429.
		expect(later.r429).toBeLessThanOrEqual(2 * probesWithin(6));
		expect(later.maxOtherEarlyPerHold).toBeLessThanOrEqual(1);
	});

	it('a worker squeezed by the other worker\'s burst is not pushed down for good: its probes find the room again, and each later hold lets at most two early requests of the other worker through', async () => {
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
		expect(Object.values(run.details).flat().join(' ')).toMatch(/probe: \d+ through in the window/);
	});
});

describe('the gate and other clients', () => {
	const allowance = (remaining: number, resetAt: number) => ({ remaining, resetAt, style: 'ietf' as const });
	const ok = { rateLimited: false, succeeded: true };

	it('the learned estimate never holds a request the announced allowance permits', async () => {
		const now = 1000;
		const gate = new RateGate(clockReading(() => now));
		// A budget of 2 per 5 s, learned earlier (say, while another worker spent the rest), one spent.
		gate.estimator.estimate = { perWindow: 2, windowMs: 5000 };
		gate.estimator.answered(now - 100, now - 50, true);
		expect(gate.holdOf(now).reason).toBe('learned-limit');
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { ...ok, allowance: allowance(20, 5000) }, now);
		expect(gate.holdOf(now)).toEqual({ delayMs: 0, reason: 'allowance' });
		for (let i = 0; i < 10; i++) expect((await gate.pass(10_000)).kind).toBe('turn');
	});

	it('a 429 while the headers said places were left keeps that many for the others and teaches the estimator nothing', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const first = await gate.pass(10_000);
		if (first.kind !== 'turn') throw new Error('no turn');
		gate.answered(first.ticket, { ...ok, allowance: allowance(3, 5000) }, (now += 50));
		const second = await gate.pass(10_000);
		if (second.kind !== 'turn') throw new Error('no turn');
		expect(second.ticket.readAtStart?.remaining).toBe(3);
		// A 429 whose answer states no allowance: only the places it was left tell what the others took.
		gate.answered(second.ticket, { rateLimited: true, succeeded: false }, (now += 50));
		gate.rateLimited(second.ticket, now, 4000, () => 1000);
		expect(gate.estimator.estimate).toBeUndefined();
		// Three of theirs in one of our round trips: as many places kept, and half as many again.
		expect(gate.marginNow(now + 50)).toBeGreaterThanOrEqual(3);
		expect(gate.notesSince(0).map((n) => n.text).join(' ')).toMatch(/other clients sent 3 in the 50 ms a request of ours took to arrive: keeping \d+ places for them \(limit not lowered\)/);
	});

	it('the server counting more than this process sent keeps places for the others: their pace × the reading\'s age, half as many again; within them one request at a time', async () => {
		let now = 1000;
		const gate = new RateGate(clockReading(() => now));
		const pass = async () => {
			const p = await gate.pass(10_000);
			if (p.kind !== 'turn') throw new Error('no turn');
			return p.ticket;
		};
		// One request of ours at a time, 50 ms each, and the count falls by 3 each time: two were others'.
		let left = 40;
		gate.answered(await pass(), { ...ok, allowance: allowance(left, 9000) }, (now += 50));
		for (let i = 0; i < 5; i++) gate.answered(await pass(), { ...ok, allowance: allowance((left -= 3), 9000) }, (now += 50));
		// Two in the 50 ms from a reading to our next arrival: 2, and half as many again.
		expect(gate.marginNow()).toBe(3);
		expect(gate.notesSince(0).map((n) => n.text).join(' ')).toMatch(/other clients sent 2 in the 50 ms a request of ours took to arrive: keeping 3 places for them/);
		// Once, five of theirs came in: the fastest pace is kept (8 places at a fresh reading); their
		// usual pace (15 in 300 ms: 4 places per round trip) decides how long one request at a time
		// still goes.
		gate.answered(await pass(), { ...ok, allowance: allowance((left -= 6), 9000) }, (now += 50));
		expect(gate.marginNow()).toBe(8);
		let oneAtATime = 0;
		while (gate.holdOf(now).delayMs === 0) {
			const ticket = await pass();
			if (left - 8 <= 0) {
				// Within the places kept for them: this one, and no other until its answer.
				oneAtATime++;
				expect(gate.holdOf(now).delayMs).toBeGreaterThan(0);
			}
			gate.answered(ticket, { ...ok, allowance: allowance((left -= 1), 9000) }, (now += 50));
		}
		expect(oneAtATime).toBeGreaterThan(0);
		// They sent nothing more: their usual pace falls, and one at a time goes on until one place is
		// left — always kept for them (another client's request may be on its way) — then the reset.
		expect(left).toBe(1);
		expect(gate.holdOf(now)).toEqual({ delayMs: 9000 - now, reason: 'allowance' });
	});
});

describe('the estimator and other clients', () => {
	/** `windows` windows from `from`, each sending what the budget allows (and wanting one more); returns the next moment. */
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

	it('a budget squeezed by another client is found again by probing: held back, a probe goes past it mid-window, and what gets through is the new budget', () => {
		const estimator = new LimitEstimator();
		const notes: string[] = [];
		estimator.onNote = (_at, text) => notes.push(text);
		// Learned while another worker spent the rest: 12 per 5 s (12 through, then a 429).
		let at = 0;
		for (let i = 0; i < 12; i++, at += 10) {
			estimator.started(at);
			estimator.answered(at, at + 10, true);
		}
		estimator.started(at);
		estimator.rateLimited(at, at + 10, 5000);
		expect(estimator.estimate).toEqual({ perWindow: 12, windowMs: 5000 });
		// The other worker has gone. Paced windows: 12 each; no probe in the first two after the reopening.
		at = paced(estimator, 5000, 12, 2, 5000) + 20;
		expect(estimator.probing).toBe(false);
		// The next window: its 12, then held. No probe has found room yet (no sign of another client):
		// the probe goes at least four answers' time (10 ms each) after its last answer, at the first
		// moment a whole number of seconds (less 20 ms) before the budget's next place — the first
		// answer of the window, a padded window on — so that a 429 there would cost no wall.
		const nextPlace = at + 10 + paddedWindow(5000);
		for (let i = 0; i < 12; i++, at += 10) {
			expect(estimator.nextStart(at, 0)).toBe(at);
			estimator.started(at);
			estimator.answered(at, at + 10, true);
		}
		const probeAt = estimator.nextStart(at, 0);
		expect(probeAt).toBeGreaterThanOrEqual(at + 4 * 10);
		expect(probeAt).toBeLessThan(at + 4 * 10 + 1000);
		expect((nextPlace - 20 - probeAt) % 1000).toBe(0);
		// At the probe's moment requests go past the budget until a 429: 38 more got through.
		at = probeAt;
		for (let i = 0; i < 38; i++, at += 10) {
			expect(estimator.nextStart(at, 0)).toBe(at);
			estimator.started(at);
			estimator.answered(at, at + 10, true);
		}
		estimator.started(at);
		estimator.rateLimited(at, at + 10, at + 3000);
		expect(estimator.estimate!.perWindow).toBe(50);
		expect(notes.join(' ')).toMatch(/probing past the budget of 12 per 5 s.*probe: 50 through in the window, budget 50 per 5 s/);
		// A probe found room: another client was there. Now a probe goes four answers' time after
		// the last answer (room is likelier, and late room in a short run's last window is wall).
		at += 10 + paddedWindow(5000);
		for (let i = 0; i < 50; i++, at += 10) {
			expect(estimator.nextStart(at, 0)).toBe(at);
			estimator.started(at);
			estimator.answered(at, at + 10, true);
		}
		const next = estimator.nextStart(at, 0);
		expect(next).toBeGreaterThan(at);
		expect(next).toBeLessThanOrEqual(at + 4 * 10);
	});

	it('a probe that finds no room costs one 429; after four in a row the windows to the next double, up to eight', () => {
		const estimator = new LimitEstimator();
		let at = 0;
		for (let i = 0; i < 10; i++, at += 10) {
			estimator.started(at);
			estimator.answered(at, at + 10, true);
		}
		estimator.started(at);
		estimator.rateLimited(at, at + 10, 1000);
		const probes: number[] = [];
		// Forty windows at the budget, each wanting more; every probe meets a 429 at once.
		at = 1000;
		for (let w = 0; w < 40; w++) {
			const start = at;
			for (let i = 0; i < 10; i++, at += 5) {
				at = Math.max(at, estimator.nextStart(at, 0));
				estimator.started(at);
				estimator.answered(at, at + 5, true);
			}
			const next = estimator.nextStart(at, 0);
			if (next < start + paddedWindow(1000)) {
				estimator.nextStart(next, 0);
				expect(estimator.probing).toBe(true);
				probes.push(w);
				estimator.started(next);
				// Retry-After: the window ends a second after its start.
				estimator.rateLimited(next, next + 5, start + 1000 + 1000);
				at = start + 2000;
			} else at = start + paddedWindow(1000) + 1;
		}
		expect(estimator.estimate!.perWindow).toBe(10);
		// The first probe in the first paced window, the next three in the windows after it; then 2,
		// 4, 8, 8 … windows apart.
		expect(probes.slice(0, 4)).toEqual([0, 1, 2, 3]);
		const gaps = probes.slice(4).map((p, i) => p - probes[i + 3]);
		expect(gaps.slice(0, 4)).toEqual([2, 4, 8, 8]);
	});

	it('one 429 is not a verdict: a 429 after fewer than two requests got through teaches no budget', () => {
		const quiet = new LimitEstimator();
		quiet.started(0);
		quiet.answered(0, 50, true);
		quiet.started(1000);
		quiet.rateLimited(1000, 1050, 3050);
		expect(quiet.estimate).toBeUndefined();
		expect(quiet.nextStart(3050, 0)).toBe(3050);
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
