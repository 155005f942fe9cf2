/** Behaviours 1 and 2: where requests go, and what comes out. */
import { runNode } from './harness';
import { apiRequests, connectedCredential, items, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

describe('1. URL building and refusals', () => {
	it('builds <baseUrl>/<apiVersion>/<path> from expressions, per item', async () => {
		const [a, b] = sb.seed('contacts', [{ name: 'Ada' }, { name: 'Grace' }]);
		const { credentials } = connectedCredential(sb, { baseUrl: `${sb.baseUrl}/` });
		const { items: out, error } = await runNode({
			credentials,
			parameters: { method: 'GET', path: '=/contacts/{{ $json.id }}' },
			items: items({ id: a.id }, { id: b.id }),
		});
		expect(error).toBeUndefined();
		expect(out.map((i) => [i.json.name, i.pairedItem])).toEqual([
			['Ada', { item: 0 }],
			['Grace', { item: 1 }],
		]);
		expect(apiRequests(sb).map((r) => r.path)).toEqual([`/api/v0.0.1/contacts/${a.id}`, `/api/v0.0.1/contacts/${b.id}`]);
	});

	it('sends query parameters, and the API version option overrides the credential', async () => {
		sb.seed('contacts', [{ name: 'Ada', status: 'open' }, { name: 'Bob', status: 'closed' }]);
		const { credentials } = connectedCredential(sb);
		const { items: out } = await runNode({
			credentials,
			parameters: {
				method: 'GET',
				path: 'contacts',
				queryParameters: { parameters: [{ name: 'status', value: 'open' }] },
			},
		});
		expect(out.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb)[0].query).toMatchObject({ status: 'open' });

		const { error } = await runNode({
			credentials,
			parameters: { method: 'GET', path: 'contacts', options: { apiVersion: 'v9' } },
		});
		expect(error?.message).toMatch(/Unknown API version/);
		expect(apiRequests(sb).at(-1)?.path).toBe('/api/v9/contacts');
	});

	it.each([
		['https://evil.example/steal', /URL scheme/],
		['//evil.example/steal', /starts with "\/\/"/],
		['contacts/../../oauth/token', /"\.\." segment/],
		['contacts\\..\\x', /backslash/],
		['contacts/%2e%2e/%2e%2e/x', /"\.\." segment/],
	])('refuses the path %p before sending anything, naming item and field', async (path, why) => {
		const { credentials } = connectedCredential(sb);
		const { error } = await runNode({
			credentials,
			parameters: { method: 'GET', path },
			items: items({}, {}),
		});
		expect(error?.message).toMatch(why);
		expect(error?.message).toMatch(/\(item 0\)/);
		expect(String(error?.description)).toMatch(/Field: Path/);
		expect(error?.name).toBe('NodeOperationError');
		expect((error?.context as { itemIndex?: number })?.itemIndex).toBe(0);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('refuses a plain-http base URL before sending anything', async () => {
		const { credentials } = connectedCredential(sb, { baseUrl: sb.baseUrl.replace('https:', 'http:') });
		const { error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error?.message).toMatch(/must use https/);
		expect(String(error?.description)).toMatch(/Base URL \(in the credential\)/);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('refuses Authorization and Host headers, and invalid JSON bodies, naming the field', async () => {
		const { credentials } = connectedCredential(sb);
		const auth = await runNode({
			credentials,
			parameters: { method: 'GET', path: 'contacts', options: { headers: { header: [{ name: 'Authorization', value: 'Bearer x' }] } } },
		});
		expect(auth.error?.message).toMatch(/header "Authorization" cannot be set/);

		const body = await runNode({
			credentials,
			parameters: { method: 'POST', path: 'contacts', jsonBody: '{"name": "Ada",}' },
			items: items({}, {}),
		});
		expect(body.error?.message).toBe('The JSON Body of item 0 is not valid JSON');
		expect(String(body.error?.description)).toMatch(/^Field: JSON Body\./);
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('sends extra headers', async () => {
		const { credentials } = connectedCredential(sb);
		await runNode({
			credentials,
			parameters: { method: 'GET', path: 'contacts', options: { headers: { header: [{ name: 'X-Request-Id', value: 'r-1' }] } } },
		});
		expect(apiRequests(sb)[0].headers['x-request-id']).toBe('r-1');
	});

	it("a mistyped collection fails with Flextell's 404 and the node's advice, not an empty green run", async () => {
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { items, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contactz' } });
		expect(items).toEqual([]);
		expect(error?.message).toBe("There is no collection 'contactz'. Check the path.");
		expect(error?.httpCode).toBe('404');
		expect(error?.description).toMatch(/Check the Path and the API version/);
	});
});

describe('2. Output shaping', () => {
	it('create → get → patch → put → delete round trip', async () => {
		const { credentials } = connectedCredential(sb);
		const created = await runNode({
			credentials,
			parameters: { method: 'POST', path: 'contacts', jsonBody: '={{ JSON.stringify({ name: $json.name }) }}' },
			items: items({ name: 'Ada' }),
		});
		expect(created.error).toBeUndefined();
		const record = created.items[0].json;
		expect(record).toMatchObject({ name: 'Ada' });
		expect(String(record.id)).toMatch(/^obj_/);
		const post = apiRequests(sb)[0];
		expect(post.headers['content-type']).toMatch(/^application\/json/);
		expect(post.status).toBe(201);

		const patched = await runNode({ credentials, parameters: { method: 'PATCH', path: `contacts/${record.id}`, jsonBody: '{"email":"ada@example.com"}' } });
		expect(patched.items[0].json).toMatchObject({ name: 'Ada', email: 'ada@example.com' });

		const replaced = await runNode({ credentials, parameters: { method: 'PUT', path: `contacts/${record.id}`, jsonBody: '{"name":"Ada L."}' } });
		expect(replaced.items[0].json).toMatchObject({ id: record.id, name: 'Ada L.' });
		expect(replaced.items[0].json.email).toBeUndefined();

		const deleted = await runNode({ credentials, parameters: { method: 'DELETE', path: `contacts/${record.id}` } });
		expect(deleted.items.map((i) => i.json)).toEqual([{ success: true }]);
		expect(apiRequests(sb).at(-1)?.status).toBe(204);

		const gone = await runNode({ credentials, parameters: { method: 'GET', path: `contacts/${record.id}` } });
		expect(gone.error?.message).toBeDefined();
		expect(gone.error?.httpCode).toBe('404');
	});

	it('POST with an empty object body still sends "{}"', async () => {
		sb.configure({ requiredFields: {}, collections: ['notes'] });
		const { credentials } = connectedCredential(sb);
		const { items: out, error } = await runNode({ credentials, parameters: { method: 'POST', path: 'notes', jsonBody: '{}' } });
		expect(error).toBeUndefined();
		expect(apiRequests(sb)[0].body).toEqual({});
		expect(String(out[0].json.id)).toMatch(/^obj_/);
	});

	it('keeps a list in one item when Split Into Items is off, and gives the full response on request', async () => {
		sb.seed('contacts', [{ name: 'Ada' }, { name: 'Grace' }]);
		const { credentials } = connectedCredential(sb);
		const whole = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', options: { splitIntoItems: false } } });
		expect(whole.items).toHaveLength(1);
		expect((whole.items[0].json.data as unknown[]).length).toBe(2);

		const full = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', options: { fullResponse: true } } });
		expect(full.items).toHaveLength(1);
		expect(full.items[0].json.statusCode).toBe(200);
		expect((full.items[0].json.headers as Record<string, string>)['content-type']).toMatch(/application\/json/);
		expect((full.items[0].json.body as { data: unknown[] }).data).toHaveLength(2);
	});

	it('a 2xx whose body is not JSON is an error that says so', async () => {
		const { credentials } = connectedCredential(sb);
		sb.injectFaults([{ kind: 'truncated' }]);
		const { error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error?.message).toBe('Flextell answered HTTP 200 but the body is not JSON');
		expect(String(error?.description)).toMatch(/cut short/);
	});
});
