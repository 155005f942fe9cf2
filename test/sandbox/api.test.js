// @ts-check
'use strict';
const { openSandbox, Client } = require('./helpers');

/** @type {import('../../sandbox/sandbox').Sandbox} */
let sb;
/** @type {Client} */
let client;

beforeAll(async () => {
	sb = await openSandbox({ requiredFields: { contacts: ['name'] } });
	client = new Client(sb, sb.issueToken().access_token);
});
afterAll(async () => {
	client.close();
	await sb.close();
});
beforeEach(() => sb.reset());

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('records', () => {
	test('create → 201 {data} with id, created_at and updated_at', async () => {
		const res = await client.api('POST', '/contacts', { json: { name: 'Ada', status: 'open' } });
		expect(res.status).toBe(201);
		expect(res.headers['content-type']).toMatch(/^application\/json/);
		expect(res.json.data).toMatchObject({ name: 'Ada', status: 'open' });
		expect(res.json.data.id).toMatch(/^obj_[0-9a-z]+$/);
		expect(res.json.data.created_at).toMatch(ISO_MS);
		expect(res.json.data.updated_at).toBe(res.json.data.created_at);
	});

	test('get, put (replaces, keeps id/created_at), patch (merges), delete → 204 with no body', async () => {
		const created = (await client.api('POST', '/contacts', { json: { name: 'Ada', email: 'ada@example.com' } })).json.data;
		const id = created.id;

		const got = await client.api('GET', `/contacts/${id}`);
		expect(got.status).toBe(200);
		expect(got.json).toEqual({ data: created });

		const put = await client.api('PUT', `/contacts/${id}`, { json: { name: 'Ada L.', id: 'obj_hijack', created_at: 'x' } });
		expect(put.status).toBe(200);
		expect(put.json.data).toEqual({ id, name: 'Ada L.', created_at: created.created_at, updated_at: expect.stringMatching(ISO_MS) });
		expect(put.json.data.updated_at > created.updated_at).toBe(true);

		const patch = await client.api('PATCH', `/contacts/${id}`, { json: { company: 'Analytical Engines' } });
		expect(patch.status).toBe(200);
		expect(patch.json.data).toMatchObject({ id, name: 'Ada L.', company: 'Analytical Engines', created_at: created.created_at });
		expect(patch.json.data.email).toBeUndefined();

		const del = await client.api('DELETE', `/contacts/${id}`);
		expect(del.status).toBe(204);
		expect(del.text).toBe('');
		expect((await client.api('GET', `/contacts/${id}`)).status).toBe(404);
	});

	test('HEAD answers like GET without a body', async () => {
		const [record] = sb.seed('contacts', [{ name: 'Ada' }]);
		const res = await client.api('HEAD', `/contacts/${record.id}`);
		expect(res.status).toBe(200);
		expect(res.text).toBe('');
	});
});

describe('errors', () => {
	test('unknown version → 404 not_found', async () => {
		const res = await client.request('GET', '/api/v2/contacts', { token: client.token });
		expect(res.status).toBe(404);
		expect(res.json).toEqual({ error: 'not_found', message: expect.stringMatching(/^Unknown API version 'v2'/) });
		expect((await client.request('GET', '/api', { token: client.token })).json.error).toBe('not_found');
	});

	test('unknown id → 404 not_found, for GET, PUT, PATCH and DELETE', async () => {
		for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
			const res = await client.api(method, '/contacts/obj_missing', method === 'PUT' || method === 'PATCH' ? { json: { name: 'x' } } : {});
			expect([method, res.status, res.json.error]).toEqual([method, 404, 'not_found']);
		}
	});

	test('paths that are not collection or record → 404; other methods → 405', async () => {
		expect((await client.api('GET', '/contacts/obj_1/extra')).status).toBe(404);
		expect((await client.request('GET', '/nowhere')).status).toBe(404);
		const res = await client.api('POST', '/contacts/obj_1', { json: {} });
		expect(res.status).toBe(405);
		expect(res.json.error).toBe('method_not_allowed');
		expect(res.headers.allow).toBe('GET, HEAD, PUT, PATCH, DELETE');
		expect((await client.api('DELETE', '/contacts')).status).toBe(405);
	});

	test('bad JSON → 400 invalid_request; empty or non-JSON body → 400', async () => {
		const bad = await client.api('POST', '/contacts', { raw: '{"name": ', headers: { 'content-type': 'application/json' } });
		expect(bad.status).toBe(400);
		expect(bad.json).toEqual({ error: 'invalid_request', message: expect.any(String) });
		expect((await client.api('POST', '/contacts', { headers: { 'content-type': 'application/json' } })).status).toBe(400);
		expect((await client.api('POST', '/contacts', { form: { name: 'x' } })).status).toBe(400);
	});

	test('a body that is not a JSON object → 422 validation_failed', async () => {
		for (const json of [[{ name: 'x' }], 'text', 42, null]) {
			const res = await client.api('POST', '/contacts', { json });
			expect(res.status).toBe(422);
			expect(res.json.error).toBe('validation_failed');
		}
	});

	test("a missing required field → 422 with the message \"The 'name' field is required.\"", async () => {
		const res = await client.api('POST', '/contacts', { json: { email: 'x@example.com' } });
		expect(res.status).toBe(422);
		expect(res.json).toEqual({ error: 'validation_failed', message: "The 'name' field is required." });
		const [record] = sb.seed('contacts', [{ name: 'Ada' }]);
		expect((await client.api('PUT', `/contacts/${record.id}`, { json: { email: 'x' } })).status).toBe(422);
		expect((await client.api('PATCH', `/contacts/${record.id}`, { json: { name: null } })).status).toBe(422);
		expect((await client.api('PATCH', `/contacts/${record.id}`, { json: { email: 'x' } })).status).toBe(200);
		// other collections have no required fields
		expect((await client.api('POST', '/tickets', { json: {} })).status).toBe(201);
	});
});

describe('collections', () => {
	afterEach(() => sb.configure({ collections: ['contacts', 'tickets'] }));

	test("an unknown collection → 404 with Flextell's error body, for lists, records and writes", async () => {
		const body = { error: 'not_found', message: "There is no collection 'contactz'. Check the path." };
		for (const [method, path, json] of /** @type {const} */ ([['GET', '/contactz', undefined], ['GET', '/contactz/obj_1', undefined], ['POST', '/contactz', { name: 'Ada' }]])) {
			const res = await client.api(method, path, { json });
			expect([method, path, res.status, res.json]).toEqual([method, path, 404, body]);
		}
		expect(sb.store.has('contactz')).toBe(false); // asking did not create it
	});

	test('contacts and tickets exist from the start, empty', async () => {
		for (const name of ['contacts', 'tickets']) expect((await client.api('GET', `/${name}`)).json.data).toEqual([]);
	});

	test('seeding a collection makes it exist until the next reset', async () => {
		sb.seed('notes', [{ text: 'hi' }]);
		expect((await client.api('GET', '/notes')).json.data).toEqual([expect.objectContaining({ text: 'hi' })]);
		sb.reset();
		expect((await client.api('GET', '/notes')).status).toBe(404);
	});

	test('configured collections exist (JavaScript API and control API); bad names are refused', async () => {
		sb.configure({ collections: ['orders'] });
		expect((await client.api('POST', '/orders', { json: { sku: 'a1' } })).status).toBe(201);
		expect((await client.api('GET', '/contacts')).status).toBe(404); // the list replaces the defaults
		const set = await client.request('POST', '/_sandbox/config', { json: { collections: ['contacts', 'invoices'] } });
		expect(set.json.data.collections).toEqual(['contacts', 'invoices']);
		expect((await client.api('GET', '/invoices')).status).toBe(200);
		expect((await client.request('POST', '/_sandbox/config', { json: { collections: ['bad name'] } })).status).toBe(400);
		expect(() => sb.configure({ collections: 'contacts' })).toThrow(/collections must be an array/);
	});
});

describe('list queries', () => {
	test('equality filters on top-level fields and sort', async () => {
		sb.seed('tickets', [
			{ subject: 'a', status: 'open', priority: 1 },
			{ subject: 'b', status: 'closed', priority: 2 },
			{ subject: 'c', status: 'open', priority: 2 },
		]);
		const open = await client.api('GET', '/tickets?status=open');
		expect(open.json.data.map((/** @type {any} */ t) => t.subject)).toEqual(['a', 'c']);
		const both = await client.api('GET', '/tickets?status=open&priority=2');
		expect(both.json.data.map((/** @type {any} */ t) => t.subject)).toEqual(['c']);
		const desc = await client.api('GET', '/tickets?sort=-created_at');
		expect(desc.json.data.map((/** @type {any} */ t) => t.subject)).toEqual(['c', 'b', 'a']);
		const byId = await client.api('GET', '/tickets?sort=id');
		expect(byId.json.data.map((/** @type {any} */ t) => t.subject)).toEqual(['a', 'b', 'c']);
		expect((await client.api('GET', '/tickets?sort=subject')).status).toBe(400);
		expect((await client.api('GET', '/tickets?limit=0')).status).toBe(400);
		expect((await client.api('GET', '/tickets?cursor=garbage')).status).toBe(400);
	});

	test('sort=updated_at follows updates', async () => {
		const [a, b] = sb.seed('tickets', [{ subject: 'a' }, { subject: 'b' }]);
		await client.api('PATCH', `/tickets/${a.id}`, { json: { status: 'touched' } });
		const res = await client.api('GET', '/tickets?sort=-updated_at');
		expect(res.json.data.map((/** @type {any} */ t) => t.id)).toEqual([a.id, b.id]);
	});
});
