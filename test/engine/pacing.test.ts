/**
 * Pacing through n8n's engine against the sandbox's limiters, judged by the sandbox's own request
 * log: with rate-limit headers no 429 at all; with only Retry-After one rate-limited round per run
 * (the limit is learned from it), and no request started before the moment a 429 allowed.
 */
import { runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';
import { engineClock } from './virtual-time';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());
const clock = engineClock();

const sb = useSandbox();

const LIMIT = 6;
const WINDOW_SECONDS = 1;

function getEach(count: number, concurrency: number) {
	const ids = sb.seed('contacts', Array.from({ length: count }, (_, n) => ({ name: `p${n}`, n }))).map((r) => r.id as string);
	return {
		items: ids.map((id) => ({ json: { id } })),
		parameters: { method: 'GET', path: '={{ "contacts/" + $json.id }}', options: { concurrency } },
	};
}

async function run(count: number, concurrency: number, rateLimit: object) {
	sb.configure({ rateLimit: { limit: LIMIT, windowSeconds: WINDOW_SECONDS, retryAfter: 'seconds', suspendAfter: 1000, ...rateLimit } });
	const { credentials } = connectedCredential(sb);
	const work = getEach(count, concurrency);
	const { items, error } = await runNode({ credentials, items: work.items, parameters: work.parameters });
	expect(error).toBeUndefined();
	expect(items.map((i) => i.json.n)).toEqual(Array.from({ length: count }, (_, n) => n));
	const requests = apiRequests(sb);
	return { requests, limited: requests.filter((r) => r.status === 429), early: requests.filter((r) => r.early) };
}

describe('Pacing from rate-limit headers: no 429 at all', () => {
	it.each([
		['ietf', 'fixed', 4],
		['draft', 'fixed', 4],
		['x', 'fixed', 4],
		['x-epoch', 'fixed', 4],
		['ietf', 'sliding', 4],
		['ietf', 'token-bucket', 4],
		['x', 'sliding', 1],
		['draft', 'token-bucket', 1],
	])('%s headers, %s limiter, concurrency %d', async (headers, limiter, concurrency) => {
		const { requests, limited, early } = await run(3 * LIMIT, concurrency as number, { headers, limiter });
		expect(requests).toHaveLength(3 * LIMIT);
		expect(limited).toHaveLength(0);
		expect(early).toHaveLength(0);
	}, 30_000);
});

/**
 * A probe (a request past the learned budget, while the budget holds requests back) finds room
 * others left, and costs one 429 when there is none. In a run of `windows` windows, at most: one
 * in each paced window while fewer than four in a row found no room, then 2, 4, 8, 8 … windows apart.
 */
const probesWithin = (windows: number) => [1, 2, 3, 4, 6, 10, 18, 26, 34, 42].filter((w) => w < windows).length;

describe('Pacing learned from Retry-After alone: one rate-limited round per run, plus one 429 per probe', () => {
	it.each([['fixed'], ['sliding']])('%s limiter, concurrency 1: one 429 and the probes\', nothing early', async (limiter) => {
		const { limited, early } = await run(4 * LIMIT, 1, { limiter });
		expect(limited.length).toBeLessThanOrEqual(1 + probesWithin(4));
		expect(early).toHaveLength(0);
	}, 30_000);

	it.each([['fixed'], ['sliding'], ['token-bucket']])(
		'%s limiter, concurrency 4: 429s in the first round (those in flight), then one per probe, nothing started early after it',
		async (limiter) => {
			const { requests, limited, early } = await run(5 * LIMIT, 4, { limiter });
			const firstLimited = requests.indexOf(limited[0]);
			// The first round: the 429 that taught the limit and the requests already in flight.
			const firstRound = requests.slice(firstLimited, firstLimited + 4).filter((r) => r.status === 429);
			// A token bucket refills one place at a time: its second round is the one pacing learns the refill from.
			const rounds = limiter === 'token-bucket' ? 2 : 1;
			expect(limited.length).toBeLessThanOrEqual(rounds * 4 + probesWithin(5));
			// After the first round, a probe's 429 comes alone (one request past the budget in flight).
			if (limiter !== 'token-bucket') expect(limited.length - firstRound.length).toBeLessThanOrEqual(probesWithin(5));
			// Early ones were in flight when a 429 came back: at most three per round.
			expect(early.length).toBeLessThanOrEqual(rounds * 3);
		},
		30_000,
	);

	it('token bucket, concurrency 1: at most two 429s (capacity, then refill rate) and the probes\', nothing early', async () => {
		const { limited, early } = await run(5 * LIMIT, 1, { limiter: 'token-bucket' });
		expect(limited.length).toBeGreaterThanOrEqual(1);
		expect(limited.length).toBeLessThanOrEqual(2 + probesWithin(5));
		expect(early).toHaveLength(0);
	}, 30_000);

	it('without Retry-After: no probes once the limit was learned, at most two later 429s', async () => {
		const { requests, limited } = await run(5 * LIMIT, 1, { retryAfter: 'none' });
		// Backoff probes until the window ends, then paced. No probes past the budget while the server
		// names no Retry-After (one that found no room would cost a backoff series): a later 429 is the
		// budget meeting a window that began before the first request through said so.
		const firstThrough = requests.findIndex((r, i) => i > requests.indexOf(limited[0]) && r.status === 200);
		const later = requests.slice(firstThrough).filter((r) => r.status === 429);
		expect(later.length).toBeLessThanOrEqual(2);
	}, 30_000);

	it('a slow stretch that meets its first 429 late does not pace the run to its average: the next window teaches the limit', async () => {
		sb.configure({ rateLimit: { limit: LIMIT, windowSeconds: WINDOW_SECONDS, retryAfter: 'seconds', suspendAfter: 1000 } });
		const { credentials } = connectedCredential(sb);
		const runOf = async (count: number, concurrency: number) => {
			const work = getEach(count, concurrency);
			const started = clock.now();
			const { error } = await runNode({ credentials, items: work.items, parameters: work.parameters });
			expect(error).toBeUndefined();
			return clock.now() - started;
		};
		// Ten seconds well under the limit (every answer takes 400 ms: a run held back by a slow
		// server), then, in the same stretch, a burst that meets the limit late in it.
		// The sandbox holds each answer 400 ms on the shared clock (far below the request timeout).
		clock.virtualServerDelays(true);
		try {
			(sb as unknown as { randomFaults(c: object | null): void }).randomFaults({ seed: 1, faults: [{ probability: 1, fault: { kind: 'slow', ms: 400 } }] });
			await runOf(25, 1);
		} finally {
			clock.virtualServerDelays(false);
		}
		(sb as unknown as { randomFaults(c: object | null): void }).randomFaults(null);
		await runOf(8 * LIMIT, 4);
		// Learned from a window, not from the slow stretch (~3 a second): the next 8 windows' worth
		// take about 8 s, not the ~20 s the stretch's average would.
		const wallMs = await runOf(8 * LIMIT, 4);
		// Three learning rounds at most (four in flight each), and the probes of the two 8-window runs.
		expect(apiRequests(sb).filter((r) => r.status === 429).length).toBeLessThanOrEqual(3 * 4 + 2 * probesWithin(8));
		expect(wallMs).toBeLessThan(14_000);
	}, 90_000);

	it('one 429 is not a verdict: after a single 429 (Retry-After 2 s) on the first request of a run, the six GETs that follow run at full speed', async () => {
		sb.configure({ rateLimit: null });
		const { credentials } = connectedCredential(sb);
		const runOf = async (count: number) => {
			const work = getEach(count, 1);
			const started = clock.now();
			const { error } = await runNode({ credentials, items: work.items, parameters: work.parameters });
			expect(error).toBeUndefined();
			return clock.now() - started;
		};
		// Issue 23, item 5: a quiet run a second before (one GET), then a run whose first request
		// meets one 429; six GETs follow it. Before, the 429 taught "1 per 3 s" and they took 14 s.
		await runOf(1);
		await clock.sleep(1000);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 2 }]);
		const wallMs = await runOf(7);
		const requests = apiRequests(sb).slice(1);
		expect(requests[0].status).toBe(429);
		expect(requests.filter((r) => r.status === 429)).toHaveLength(1);
		expect(requests.some((r) => r.early)).toBe(false);
		expect(wallMs).toBeLessThanOrEqual(3000);
		const after = requests.slice(1);
		expect(after).toHaveLength(7);
		expect(after[after.length - 1].time - after[1].time).toBeLessThan(1000);
	}, 30_000);

	it('no limit: nothing is held', async () => {
		sb.configure({ rateLimit: null });
		const { credentials } = connectedCredential(sb);
		const work = getEach(20, 4);
		const started = clock.now();
		const { error } = await runNode({ credentials, items: work.items, parameters: work.parameters });
		expect(error).toBeUndefined();
		expect(apiRequests(sb)).toHaveLength(20);
		expect(clock.now() - started).toBeLessThan(10_000);
	}, 30_000);
});

describe('What the limit cost: an execution hint', () => {
	const hintsOf = (run: { data: { resultData: { runData: Record<string, Array<{ hints?: Array<{ message: string }> }>> } } }) =>
		(run.data.resultData.runData.Flextell?.[0]?.hints ?? []).map((hint) => hint.message);

	it('a run held by a 429 says how long it waited, how often, how many 429s; a hold of a second gets no advice, however large its share', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 1 }]);
		const { run: result, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error).toBeUndefined();
		const hints = hintsOf(result as never);
		expect(hints).toHaveLength(1);
		expect(hints[0]).toMatch(/^Flextell's rate limit held requests for (0\.9|1\.\d) s of this run \(\d+ %\), 1 hold, 1 × HTTP 429\./);
		// the advice (send fewer requests, a higher tier) is for waits of 20 s or more: unit-tested in pacing.test.ts
		expect(hints[0]).not.toMatch(/higher tier|fewer requests/);
	}, 15_000);

	it('a run the limit did not touch has no hint', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { run: result } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(hintsOf(result as never)).toEqual([]);
	});
});
