/** Behaviours 4 and 6: 429 handling, the shared gate, and cancellation while waiting. On virtual time. */
import { gateKey, rateGates } from '../../nodes/shared/transport/rate-gate';
import { runNode, startNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';
import { engineClock } from './virtual-time';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());
const clock = engineClock();

const sb = useSandbox();

const GET = { method: 'GET', path: 'contacts' };

describe('4. Rate limits', () => {
	it('waits for Retry-After (2 s) and never sends before it', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 2 }]);
		const { items, error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.name)).toEqual(['Ada']);
		const [limited, retry] = apiRequests(sb);
		expect(limited.status).toBe(429);
		expect(retry.status).toBe(200);
		expect(retry.time - limited.time).toBeGreaterThanOrEqual(2000);
		expect(retry.time - limited.time).toBeLessThan(3000);
		expect(apiRequests(sb).some((r) => r.early)).toBe(false);
	}, 15_000);

	it('reads Retry-After given as an HTTP-date', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 'http-date', seconds: 2 }]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		const [limited, retry] = apiRequests(sb);
		expect(limited.status).toBe(429);
		expect(retry.early).toBe(false);
		expect(retry.time - limited.time).toBeGreaterThanOrEqual(1000);
	}, 15_000);

	it('backs off exponentially when a 429 has no Retry-After', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([
			{ kind: 'rate_limit', retryAfter: null },
			{ kind: 'rate_limit', retryAfter: null },
		]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		const times = apiRequests(sb).map((r) => r.time);
		expect(times).toHaveLength(3);
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(500); // step 1 s, at least half
		expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000); // step 2 s, at least half
	}, 15_000);

	it('gives up after Max Retries, saying the limit was still exceeded and what Flextell asked', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([
			{ kind: 'rate_limit', retryAfter: 1 },
			{ kind: 'rate_limit', retryAfter: 1 },
		]);
		const { error } = await runNode({ credentials, parameters: { ...GET, options: { maxRetries: 1 } } });
		expect(error?.message).toBe("Flextell's rate limit was still exceeded after 1 retry");
		expect(error?.description).toMatch(/Retry-After "1"/);
		expect(error?.description).toMatch(/Too many requests\. Retry after 1 seconds\./);
		expect(error?.httpCode).toBe('429');
		expect(apiRequests(sb)).toHaveLength(2);
	}, 15_000);

	it('fails at once when Retry-After is longer than Max Wait, without retrying early', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 30 }]);
		const started = clock.now();
		const { error } = await runNode({ credentials, parameters: { ...GET, options: { maxWaitSeconds: 5 } } });
		expect(clock.now() - started).toBeLessThan(2000);
		expect(error?.message).toBe('Flextell asked to wait 30 s before retrying, longer than the 5 s this node may wait');
		expect(error?.description).toMatch(/Max Wait \(Seconds\) to at least 30/);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('a 429 in one execution holds back a concurrent execution with the same credential', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		// Only the first request is limited; the second execution starts right after the 429.
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 2 }]);
		const first = startNode({ credentials, parameters: GET });
		// Start the second execution once the first has received its 429 (the gate is closed).
		while (rateGates.gateFor(gateKey(sb.baseUrl, 'cred-1')).delay() === 0) await clock.sleep(5);
		// Another GET: an identical one would share the first execution's request instead of sending.
		const second = startNode({ credentials, parameters: { ...GET, queryParameters: { parameters: [{ name: 'name', value: 'Ada' }] } } });
		const [a, b] = await Promise.all([first.result, second.result]);
		expect(a.error).toBeUndefined();
		expect(b.error).toBeUndefined();

		const requests = apiRequests(sb);
		const limited = requests.find((r) => r.status === 429)!;
		const after = requests.filter((r) => r.seq > limited.seq);
		expect(after).toHaveLength(2); // the retry and the second execution's only request
		for (const request of after) {
			expect(request.time - limited.time).toBeGreaterThanOrEqual(2000);
			expect(request.early).toBe(false);
		}
	}, 15_000);

	it('a request held by the gate longer than its Max Wait fails at once with an explanation', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 20 }]);
		const first = startNode({ credentials, parameters: GET });
		while (rateGates.gateFor(gateKey(sb.baseUrl, 'cred-1')).delay() === 0) await clock.sleep(5);
		const { error } = await runNode({ credentials, parameters: { ...GET, options: { maxWaitSeconds: 2 } } });
		expect(error?.message).toMatch(/^Flextell's rate limit holds requests with this credential for another (19|20) s/);
		expect(error?.description).toMatch(/Max Wait \(Seconds\) to at least (19|20)/);
		expect(apiRequests(sb)).toHaveLength(1);
		first.cancel();
		await first.result;
	}, 15_000);

	it('the gate is per credential: another credential is not held back', async () => {
		const one = connectedCredential(sb, { id: 'cred-a' });
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 2 }]);
		const first = startNode({ credentials: one.credentials, credentialId: 'cred-a', parameters: GET });
		while (!apiRequests(sb).some((r) => r.status === 429)) await clock.sleep(10);
		const limitedAt = clock.now();
		const other = connectedCredential(sb, { id: 'cred-b' });
		await runNode({ credentials: other.credentials, credentialId: 'cred-b', parameters: GET });
		expect(clock.now() - limitedAt).toBeLessThan(1500);
		await first.result;
	}, 15_000);

	it('a bulk run against a tight limit finishes with no error and no early request', async () => {
		sb.configure({ rateLimit: { limit: 5, windowSeconds: 1, retryAfter: 'seconds', suspendAfter: 3 } });
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { items, error } = await runNode({
			credentials,
			parameters: GET,
			items: Array.from({ length: 12 }, (_, i) => ({ json: { i } })),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(12);
		const requests = apiRequests(sb);
		expect(requests.some((r) => r.status === 429)).toBe(true);
		expect(requests.filter((r) => r.early)).toHaveLength(0);
	}, 20_000);
});

describe('6. Cancellation', () => {
	it('a cancelled execution stops waiting for Retry-After (real time)', async () => {
		// The test cancels on real time while the node waits: no wait is skipped meanwhile.
		const release = clock.holdSkips();
		try {
			const { credentials } = connectedCredential(sb);
			sb.injectFaults([{ kind: 'rate_limit', retryAfter: 60 }]);
			const run = startNode({ credentials, parameters: GET });
			while (!apiRequests(sb).some((r) => r.status === 429)) await new Promise((r) => setTimeout(r, 10));
			const cancelledAt = Date.now();
			run.cancel();
			let timer: NodeJS.Timeout | undefined;
			const outcome = await Promise.race([
				run.result.then(() => 'finished', () => 'finished'),
				new Promise((r) => (timer = setTimeout(() => r('still waiting'), 3000))),
			]);
			clearTimeout(timer);
			expect(outcome).toBe('finished');
			expect(Date.now() - cancelledAt).toBeLessThan(1500);
			expect(apiRequests(sb)).toHaveLength(1);
		} finally {
			release();
		}
	}, 15_000);
});
