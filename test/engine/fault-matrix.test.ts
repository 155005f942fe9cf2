/**
 * The fault matrix, transport half: what the node does when the connection or the response goes
 * wrong. Every case ends in a retry that succeeds or in a clear error that names the item, and no
 * case waits past its timeout. Each fault is injected by the sandbox (sandbox/faults.js) and the
 * node runs in n8n-core's engine over HTTPS.
 */
import { runNode } from './harness';
import { apiRequests, connectedCredential, items, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

const GET = { method: 'GET', path: 'contacts' };
const POST = { method: 'POST', path: 'contacts', jsonBody: '{"name":"Ada"}' };

function itemIndexOf(error: unknown): number | undefined {
	return (error as { context?: { itemIndex?: number } })?.context?.itemIndex;
}

describe('connection reset', () => {
	it.each([['reset'], ['reset_mid_body']])('%s: a GET is retried and succeeds', async (kind) => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind }]);
		const { items: out, error } = await runNode({ credentials, parameters: { ...GET, options: { maxRetries: 1 } } });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb).map((r) => r.fault)).toEqual([kind, null]);
	}, 20_000);

	it.each([['reset'], ['reset_mid_body']])('%s: a POST is not sent again and the error names the item', async (kind) => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind, match: { method: 'POST' } }]);
		const { error } = await runNode({ credentials, parameters: POST, items: items({}, {}) });
		expect(error?.message).toMatch(/^Could not reach Flextell: the connection was closed unexpectedly|^Flextell's answer was cut off/);
		expect(error?.description).toMatch(/POST requests are not retried/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(1);
	});
});

describe('bodies that are not what they claim', () => {
	it('a 200 cut in the middle of the JSON is an error saying so, naming the item', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'truncated' }]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toBe('Flextell answered HTTP 200 but the body is not JSON');
		expect(error?.description).toMatch(/cut short/);
		expect(itemIndexOf(error)).toBe(0);
	});

	it('a 200 with invalid UTF-8 is an error, not data with replaced characters', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'bad_utf8' }]);
		const { items: out, error } = await runNode({ credentials, parameters: GET });
		expect(out).toHaveLength(0);
		expect(error?.message).toBe('Flextell answered HTTP 200 but the body is not valid UTF-8');
		expect(error?.description).toMatch(/GET \/api\/v0\.0\.1\/contacts/);
		expect(itemIndexOf(error)).toBe(0);
	});

	it('a 200 whose body is {error, message} is an error carrying Flextell\'s message', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'status', status: 200, body: { error: 'quota_exceeded', message: 'The monthly quota is used up.' } }]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toBe('The monthly quota is used up.');
		expect(error?.description).toMatch(/Flextell error "quota_exceeded"/);
		expect(error?.description).toMatch(/HTTP 200/);
		expect(itemIndexOf(error)).toBe(0);
	});

	it('{"data": null} becomes no items for a list and one { data: null } item otherwise', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'status', status: 200, body: { data: null } }]);
		const list = await runNode({ credentials, parameters: GET });
		expect(list.error).toBeUndefined();
		expect(list.items.map((i) => i.json)).toEqual([{ data: null }]);

		sb.injectFaults([{ kind: 'status', status: 200, body: { data: null } }]);
		const one = await runNode({ credentials, parameters: { method: 'PATCH', path: 'contacts/obj_1', jsonBody: '{}' } });
		expect(one.error).toBeUndefined();
		expect(one.items.map((i) => i.json)).toEqual([{ data: null }]);
	});

	it('an empty 200 becomes { success: true }', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'status', status: 200, body: '' }]);
		const { items: out, error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json)).toEqual([{ success: true }]);
	});
});

describe('slow answers', () => {
	it('a body dripping with pauses longer than the timeout times out and the GET is retried (real time)', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'drip', ms: 1000, chunks: 4 }]);
		const { items: out, error } = await runNode({ credentials, parameters: { ...GET, options: { timeout: 400, maxRetries: 1 } } });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb).map((r) => r.fault)).toEqual(['drip', null]);
	}, 20_000);

	it('a body dripping steadily but finishing after the timeout fails at the timeout, not at the end of the drip (real time)', async () => {
		const { credentials } = connectedCredential(sb);
		// 40 pieces 150 ms apart: never idle for 400 ms, but 6 s in all.
		sb.injectFaults([{ kind: 'drip', ms: 150, chunks: 40 }]);
		const started = Date.now();
		const { error } = await runNode({ credentials, parameters: { ...POST, options: { timeout: 400 } }, items: items({}, {}) });
		const took = Date.now() - started;
		expect(error?.message).toBe('Flextell did not answer within 400 ms');
		expect(itemIndexOf(error)).toBe(0);
		expect(took).toBeLessThan(5000);
	}, 20_000);
});

describe('a very large answer', () => {
	it('a 50 MB 2xx is refused above the size cap with a clear error, and memory stays bounded', async () => {
		const { credentials } = connectedCredential(sb);
		const size = 50 * 1024 * 1024;
		sb.injectFaults([{ kind: 'large', bytes: size }]);
		const before = process.memoryUsage().rss;
		let peak = before;
		const sampler = setInterval(() => {
			peak = Math.max(peak, process.memoryUsage().rss);
		}, 20);
		try {
			const { error } = await runNode({ credentials, parameters: GET });
			expect(error?.message).toMatch(/^Flextell's answer is larger than \d+ MB/);
			expect(error?.description).toMatch(/GET \/api\/v0\.0\.1\/contacts/);
			expect(itemIndexOf(error)).toBe(0);
		} finally {
			clearInterval(sampler);
		}
		// Reading stops at the cap: the process never holds the whole 50 MB body (nor its text).
		expect(peak - before).toBeLessThan(size);
	}, 30_000);

	it('an answer just below the cap is read and split into items', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'large', bytes: 2 * 1024 * 1024 }]);
		const { items: out, error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		expect(out.length).toBeGreaterThan(20);
		expect(out[0].json.id).toBe('obj_1');
	}, 30_000);
});

describe('redirects and 429 storms', () => {
	it('a 3xx to another host is not followed and the error says where it pointed', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'redirect', status: 302, location: 'https://other.invalid/steal' }]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toBe('Flextell answered with a redirect (HTTP 302), which the node does not follow');
		expect(error?.description).toMatch(/https:\/\/other\.invalid\/steal/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('a 429 storm with Retry-After: 0 is retried up to Max Retries, then a clear error', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults(Array.from({ length: 10 }, () => ({ kind: 'rate_limit', retryAfter: 0 })));
		const { error } = await runNode({ credentials, parameters: { ...GET, options: { maxRetries: 3 } } });
		expect(error?.message).toBe("Flextell's rate limit was still exceeded after 3 retries");
		expect(error?.description).toMatch(/Retry-After "0"/);
		expect(itemIndexOf(error)).toBe(0);
		expect(apiRequests(sb)).toHaveLength(4);
		expect(apiRequests(sb).every((r) => !r.early)).toBe(true);
	}, 20_000);

	it('a 429 storm with Retry-After: 0 that ends lets the request through', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults(Array.from({ length: 3 }, () => ({ kind: 'rate_limit', retryAfter: 0 })));
		const { items: out, error } = await runNode({ credentials, parameters: { ...GET, options: { maxRetries: 5 } } });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb).map((r) => r.status)).toEqual([429, 429, 429, 200]);
	}, 20_000);
});
