/** Behaviours 3 and 5: Flextell's errors, continue-on-fail, and retries of server/network faults. */
import { runNode } from './harness';
import { apiRequests, connectedCredential, items, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

describe('3. Errors', () => {
	it('a Flextell error body becomes a NodeApiError with its message, a hint, the code and itemIndex', async () => {
		const { credentials } = connectedCredential(sb);
		const { error } = await runNode({
			credentials,
			parameters: { method: 'POST', path: 'contacts', jsonBody: '={{ JSON.stringify($json) }}' },
			items: items({ name: 'Ada' }, { email: 'no-name@example.com' }),
		});
		expect(error?.message).toBe("The 'name' field is required.");
		expect(error?.name).toBe('NodeApiError');
		expect(error?.description).toMatch(/Fix the field named in the message/);
		expect(error?.description).toMatch(/Flextell error "validation_failed"/);
		expect(error?.httpCode).toBe('422');
		expect((error?.context as { itemIndex?: number }).itemIndex).toBe(1);
	});

	it.each([
		[404, 'contacts/obj_missing', 'GET', /Check the Path/],
		[401, 'contacts', 'GET', /reconnect/],
	])('HTTP %i says what to do', async (status, path, method, advice) => {
		const { credentials } = connectedCredential(sb);
		if (status === 401) sb.injectFaults([{ kind: 'status', status: 401, body: { error: 'invalid_token', message: 'The access token is invalid.' } }, { kind: 'status', status: 401, body: { error: 'invalid_token', message: 'The access token is invalid.' } }]);
		const { error } = await runNode({ credentials, parameters: { method, path } });
		expect(error?.httpCode).toBe(String(status));
		expect(error?.description).toMatch(advice);
	});

	it('a token without the scope gets 403 with a permissions hint', async () => {
		const { credentials } = connectedCredential(sb, { scope: 'read' });
		const { error } = await runNode({ credentials, parameters: { method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' } });
		expect(error?.httpCode).toBe('403');
		expect(error?.description).toMatch(/scopes/);
		expect(error?.description).toMatch(/insufficient_scope/);
	});

	it('an HTML proxy page still gives a readable error (POST is not retried)', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'html', status: 502 }]);
		const { error } = await runNode({ credentials, parameters: { method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' } });
		expect(error?.message).toMatch(/^Flextell answered HTTP 502 with an HTML page/);
		expect(error?.description).toMatch(/POST requests are not retried/);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('with continue-on-fail the failing item becomes { error: { message, code, statusCode } } and the next items go on', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { items: out, error } = await runNode({
			credentials,
			continueOnFail: true,
			parameters: { method: 'GET', path: '=contacts/{{ $json.id }}' },
			items: items({ id: ada.id }, { id: 'obj_nope' }, { id: '' }, { id: ada.id }),
		});
		expect(error).toBeUndefined();
		expect(out).toHaveLength(4);
		expect(out[0].json.name).toBe('Ada');
		expect(out[1].json).toEqual({ error: { message: expect.stringMatching(/obj_nope|not found/i), code: 'not_found', statusCode: 404, description: expect.any(String) } });
		expect(out[2].json).toMatchObject({ error: { message: expect.stringMatching(/empty segment/), code: 'node_error', statusCode: null } });
		expect(out[3].json.name).toBe('Ada');
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
	});
});

describe('5. Server and network faults', () => {
	it('GET is retried after 503, a connection reset and a 500, with backoff', async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'status', status: 500 }]);
		const { items: out, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error).toBeUndefined();
		expect(out.map((i) => i.json.name)).toEqual(['Ada']);
		const times = apiRequests(sb).map((r) => r.time as number);
		expect(times).toHaveLength(4);
		// Backoff steps 1 s, 2 s, 4 s; each wait at least half its step.
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(500);
		expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000);
		expect(times[3] - times[2]).toBeGreaterThanOrEqual(2000);
	}, 20_000);

	it('PUT and DELETE are retried; POST and PATCH are not', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		for (const [method, retried] of [['PUT', true], ['DELETE', true], ['POST', false], ['PATCH', false]] as const) {
			sb.clearLog();
			sb.injectFaults([{ kind: 'status', status: 503 }]);
			const path = method === 'POST' ? 'contacts' : `contacts/${ada.id}`;
			const { error } = await runNode({ credentials, parameters: { method, path, jsonBody: '{"name":"Ada"}', options: { maxRetries: 1 } } });
			expect([method, apiRequests(sb).length]).toEqual([method, retried ? 2 : 1]);
			expect([method, error === undefined]).toEqual([method, retried]);
			if (method === 'DELETE') sb.seed('contacts', [{ ...ada }]);
		}
	}, 20_000);

	it('POST is not retried after a connection reset', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'reset' }]);
		const { error } = await runNode({ credentials, parameters: { method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' } });
		expect(error?.message).toBe('Could not reach Flextell: the connection was closed unexpectedly');
		expect(error?.description).toMatch(/\(ECONNRESET\)$/);
		expect(error?.description).toMatch(/POST requests are not retried/);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('a timeout is retried for GET and then reported with the Timeout option (real time)', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'slow', ms: 1500 }, { kind: 'slow', ms: 1500 }]);
		const { error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', options: { timeout: 300, maxRetries: 1 } } });
		expect(error?.message).toBe('Flextell did not answer within 300 ms');
		expect(error?.description).toMatch(/retried 1 time\b/);
	}, 20_000);

	it('gives up after Max Retries with the number of retries in the message', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }]);
		const { error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', options: { maxRetries: 2 } } });
		expect(error?.httpCode).toBe('500');
		expect(error?.description).toMatch(/retried 2 times/);
		expect(apiRequests(sb)).toHaveLength(3);
	}, 20_000);
});
