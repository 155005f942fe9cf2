/**
 * Issue 24: a tool call answers within its bound (Max Call Time, default 45 s: under the 60 s after
 * which the MCP SDK's client gives up), and the plain node waits as before. On virtual time, with
 * the real sandbox limiter and the real request path; the sandbox's log says whether anything was
 * sent before Retry-After allowed (`early`). Also: a credential never connected.
 */

import { runNode, TOOL_TYPE } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';
import { engineClock } from './virtual-time';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());
const clock = engineClock();



const sb = useSandbox();
const GET = { method: 'GET', path: 'contacts' };

describe('tool mode: a call answers within Max Call Time', () => {
	it('a 90-s Retry-After comes back at once as the rate-limit answer with retry_after_seconds; nothing more is sent', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 90 }]);
		const started = clock.now();
		const { items, error } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: GET });
		expect(error).toBeUndefined();
		expect(clock.now() - started).toBeLessThan(5_000);
		expect(items[0].json.error).toMatchObject({
			status: 429,
			code: 'rate_limit_exceeded',
			retry_after_seconds: 90,
			message: 'Flextell asked to wait 90 s before retrying, past the 45 s a tool call may take',
			next_step: expect.stringMatching(/retry_after_seconds/),
			request: 'GET contacts',
			sent: true,
		});
		expect(apiRequests(sb)).toHaveLength(1);

		// The next call with the credential 10 s later is answered from the gate: nothing sent, the time left.
		await clock.sleep(10_000);
		const again = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { ...GET, path: 'contacts?status=open' } });
		expect(again.items[0].json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 80, sent: false });
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('waits that add up past the bound: two 30-s Retry-Afters answer after the first wait, no request early', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([
			{ kind: 'rate_limit', retryAfter: 30 },
			{ kind: 'rate_limit', retryAfter: 30 },
		]);
		const started = clock.now();
		const { items, error } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: GET });
		expect(error).toBeUndefined();
		const took = clock.now() - started;
		expect(took).toBeGreaterThanOrEqual(30_000);
		expect(took).toBeLessThanOrEqual(45_000);
		expect(items[0].json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retry_after_seconds: 30 });
		const requests = apiRequests(sb);
		expect(requests.map((r) => r.status)).toEqual([429, 429]);
		expect(requests.some((r) => r.early)).toBe(false);
	}, 15_000);

	it('a Retry-After within the bound is waited out and the model gets the data', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 20 }]);
		const { items } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: GET });
		expect(items[0].json).toMatchObject({ shown: 1, records: [{ name: 'Ada' }] });
		const requests = apiRequests(sb);
		expect(requests.map((r) => r.status)).toEqual([429, 200]);
		expect(requests[1].time - requests[0].time).toBeGreaterThanOrEqual(20_000);
		expect(requests.some((r) => r.early)).toBe(false);
	}, 15_000);

	it('the bound is the option Max Call Time: at 120 s the same 90-s Retry-After is waited out', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 90 }]);
		const { items } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { ...GET, toolOptions: { maxCallSeconds: 120 } } });
		expect(items[0].json).toMatchObject({ shown: 1 });
		expect(apiRequests(sb).map((r) => r.early)).toEqual([false, false]);
	}, 15_000);
});

describe('outside tool mode nothing changes', () => {
	it('the plain node with its default Max Wait (300 s) waits out a 90-s Retry-After and returns the data', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 90 }]);
		const { items, error } = await runNode({ credentials, parameters: GET });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json)).toEqual([expect.objectContaining({ name: 'Ada' })]);
		const requests = apiRequests(sb);
		expect(requests.map((r) => r.status)).toEqual([429, 200]);
		expect(requests[1].time - requests[0].time).toBeGreaterThanOrEqual(90_000);
		expect(requests.some((r) => r.early)).toBe(false);
	}, 15_000);

	it('past its Max Wait the plain node fails with the same words as before, and the error item carries the seconds', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 400 }]);
		const { items } = await runNode({ credentials, parameters: GET, continueOnFail: true });
		expect(items[0].json).toEqual({
			error: {
				message: 'Flextell asked to wait 400 s before retrying, longer than the 300 s this node may wait',
				code: 'rate_limit_exceeded',
				statusCode: 429,
				description: expect.stringMatching(/Raise the option Max Wait \(Seconds\) to at least 400, or run the workflow later\. — GET \/api\/v0\.0\.1\/contacts → HTTP 429$/),
				retryAfterSeconds: 400,
			},
		});
	});
});

describe('a credential saved and never connected', () => {
	function unconnected() {
		const { credentials } = connectedCredential(sb);
		// As n8n 2.x stores it before "Connect my account": token data {}.
		credentials.set('cred-1', { ...credentials.get('cred-1'), oauthTokenData: {} });
		return credentials;
	}

	it('the node says to connect it, as a field-rendered error; nothing reaches Flextell', async () => {
		const { error } = await runNode({ credentials: unconnected(), parameters: GET });
		expect(error?.message).toBe('The Flextell credential is not connected: it holds no access token');
		expect(error?.description).toMatch(/^Open the Flextell credential and click "Connect my account".*Client Credentials.*Access Token URL, Client ID and Client Secret.* — GET \/api\/v0\.0\.1\/contacts$/);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('continue on fail and tool mode render the same record', async () => {
		const plain = await runNode({ credentials: unconnected(), parameters: GET, continueOnFail: true });
		expect(plain.items[0].json.error).toMatchObject({ code: 'credential_not_connected', statusCode: null, description: expect.stringMatching(/Connect my account/) });
		const tool = await runNode({ credentials: unconnected(), nodeType: TOOL_TYPE, parameters: GET });
		expect(tool.items[0].json.error).toMatchObject({ code: 'credential_not_connected', sent: false, hint: expect.stringMatching(/Connect my account/) });
	});
});

describe('tool mode: a 429 without Retry-After', () => {
	it('backs off in the gate as before; a backoff that would end past the bound is answered with its seconds', async () => {
		const { credentials } = connectedCredential(sb);
		// 429s without Retry-After: the gate's backoff steps (1, 2, 4, 8, 16, 32, 60 s, each drawn from
		// [step/2, step)) add up past 45 s by the seventh at the latest; Max Retries 10 leaves room for them.
		sb.injectFaults(Array.from({ length: 8 }, () => ({ kind: 'rate_limit', retryAfter: null })));
		const started = clock.now();
		const { items, error } = await runNode({ credentials, nodeType: TOOL_TYPE, parameters: { ...GET, options: { maxRetries: 10 } } });
		expect(error).toBeUndefined();
		expect(clock.now() - started).toBeLessThanOrEqual(45_000);
		expect(items[0].json.error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', sent: true, retry_after_seconds: expect.any(Number) });
		expect((items[0].json.error as { message: string }).message).toMatch(/^Flextell's rate limit holds requests with this credential for another \d+ s, past the 45 s a tool call may take$/);
		expect(apiRequests(sb).some((r) => r.early)).toBe(false);
	}, 15_000);
});
