// @ts-check
'use strict';
const { openSandbox, Client } = require('./helpers');

/** @type {import('../../sandbox/sandbox').Sandbox} */
let sb;
/** @type {Client} */
let client;

beforeAll(async () => {
	sb = await openSandbox();
	client = new Client(sb, sb.issueToken().access_token);
});
afterAll(async () => {
	client.close();
	await sb.close();
});
beforeEach(() => sb.reset());

const lastRecord = () => sb.log[sb.log.length - 1];

describe('injected faults, each used once by the next /api request', () => {
	test('status: the given status with a JSON error body; then served normally', async () => {
		sb.injectFaults([{ kind: 'status', status: 503 }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(503);
		expect(res.json).toEqual({ error: 'service_unavailable', message: 'Service Unavailable' });
		expect(lastRecord()).toMatchObject({ status: 503, fault: 'status' });
		expect((await client.api('GET', '/contacts')).status).toBe(200);
		expect(lastRecord().fault).toBeNull();
	});

	test('status with a custom body and headers', async () => {
		sb.injectFaults([{ kind: 'status', status: 500, body: { error: 'boom', message: 'Kaput' }, headers: { 'x-request-id': 'r1' } }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(500);
		expect(res.json).toEqual({ error: 'boom', message: 'Kaput' });
		expect(res.headers['x-request-id']).toBe('r1');
	});

	test('reset: the connection is dropped without a response', async () => {
		sb.injectFaults([{ kind: 'reset' }]);
		await expect(client.api('GET', '/contacts')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE|socket hang up/) });
		expect(sb.log[0]).toMatchObject({ status: null, fault: 'reset' });
		expect((await client.api('GET', '/contacts')).status).toBe(200);
	});

	test('slow: waits, then serves the request normally', async () => {
		sb.injectFaults([{ kind: 'slow', ms: 300 }]);
		const started = Date.now();
		const res = await client.api('POST', '/contacts', { json: { name: 'Ada' } });
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(res.status).toBe(201);
		expect(lastRecord()).toMatchObject({ status: 201, fault: 'slow' });
	});

	test("html: a proxy's HTML error page", async () => {
		sb.injectFaults([{ kind: 'html', status: 502 }, { kind: 'html' }]);
		for (let i = 0; i < 2; i++) {
			const res = await client.api('GET', '/contacts');
			expect(res.status).toBe(502);
			expect(res.headers['content-type']).toMatch(/^text\/html/);
			expect(res.text).toContain('<title>502 Bad Gateway</title>');
			expect(res.json).toBeUndefined();
		}
	});

	test('truncated: 200 application/json whose body is cut short', async () => {
		sb.injectFaults([{ kind: 'truncated' }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/^application\/json/);
		expect(res.text.length).toBeGreaterThan(0);
		expect(() => JSON.parse(res.text)).toThrow();
	});

	test('text: text/plain with the given status and body', async () => {
		sb.injectFaults([{ kind: 'text', status: 500, body: 'Internal Server Error' }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(500);
		expect(res.headers['content-type']).toMatch(/^text\/plain/);
		expect(res.text).toBe('Internal Server Error');
	});

	test('faults come in order; match picks the first fault for that method and path', async () => {
		sb.injectFaults([
			{ kind: 'status', status: 500, match: { method: 'POST' } },
			{ kind: 'status', status: 502, match: { path: '/api/v0.0.1/tickets*' } },
			{ kind: 'status', status: 503 },
			{ kind: 'status', status: 504 },
		]);
		expect((await client.api('GET', '/tickets/obj_1')).status).toBe(502);
		expect((await client.api('GET', '/contacts')).status).toBe(503);
		expect((await client.api('POST', '/contacts', { json: { name: 'x' } })).status).toBe(500);
		expect((await client.api('GET', '/contacts')).status).toBe(504);
		expect((await client.api('GET', '/contacts')).status).toBe(200);
	});

	test('faults apply to /api only, not to OAuth or control requests', async () => {
		sb.injectFaults([{ kind: 'status', status: 500 }]);
		expect((await client.request('GET', '/_sandbox/config')).status).toBe(200);
		const token = await client.request('POST', '/oauth/token', {
			form: { grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret },
		});
		expect(token.status).toBe(200);
		expect((await client.api('GET', '/contacts')).status).toBe(500);
	});

	test('reset_mid_body: the headers and part of the body arrive, then the connection drops', async () => {
		sb.injectFaults([{ kind: 'reset_mid_body' }]);
		await expect(client.api('GET', '/contacts')).rejects.toBeTruthy();
		expect(sb.log[0]).toMatchObject({ status: null, fault: 'reset_mid_body' });
		expect((await client.api('GET', '/contacts')).status).toBe(200);
	});

	test('drip: a 200 JSON body in pieces, one every ms', async () => {
		sb.injectFaults([{ kind: 'drip', ms: 60, chunks: 5 }]);
		const started = Date.now();
		const res = await client.api('GET', '/contacts');
		expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 60 - 10);
		expect(res.status).toBe(200);
		expect(res.json).toEqual({ data: [{ id: 'obj_drip', name: 'Dripped one piece at a time' }] });
	});

	test('bad_utf8: 200 application/json with bytes that are not UTF-8', async () => {
		sb.injectFaults([{ kind: 'bad_utf8' }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(200);
		expect(res.text).toContain('\ufffd');
	});

	test('large: a JSON list of exactly the given size', async () => {
		sb.injectFaults([{ kind: 'large', bytes: 300_000 }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(200);
		expect(Buffer.byteLength(res.text)).toBe(300_000);
		expect(JSON.parse(res.text).data[0].id).toBe('obj_1');
	});

	test('redirect: the status and a Location header', async () => {
		sb.injectFaults([{ kind: 'redirect', status: 307, location: 'https://elsewhere.invalid/x' }]);
		const res = await client.api('GET', '/contacts');
		expect(res.status).toBe(307);
		expect(res.headers.location).toBe('https://elsewhere.invalid/x');
	});

	test('random faults: drawn per request from a seeded generator, the same for the same seed; off with null', async () => {
		const draw = async () => {
			sb.reset();
			sb.randomFaults({ seed: 7, faults: [{ probability: 0.3, fault: { kind: 'status', status: 503 } }] });
			const statuses = [];
			for (let i = 0; i < 40; i++) statuses.push((await client.api('GET', '/contacts')).status);
			return statuses;
		};
		const first = await draw();
		expect(first.filter((s) => s === 503).length).toBeGreaterThan(4);
		expect(first.filter((s) => s === 503).length).toBeLessThan(24);
		expect(await draw()).toEqual(first);
		sb.randomFaults(null);
		expect((await client.api('GET', '/contacts')).status).toBe(200);
		expect(() => sb.randomFaults({ faults: [{ probability: 0.7, fault: { kind: 'reset' } }, { probability: 0.7, fault: { kind: 'reset' } }] })).toThrow(TypeError);
	});

	test('random faults are switched from the control API', async () => {
		const on = await client.request('POST', '/_sandbox/faults/random', { json: { seed: 1, faults: [{ probability: 1, fault: { kind: 'status', status: 503 } }] } });
		expect(on.status).toBe(204);
		expect((await client.api('GET', '/contacts')).status).toBe(503);
		expect((await client.request('POST', '/_sandbox/faults/random', { json: { faults: [{ probability: 2 }] } })).status).toBe(400);
		expect((await client.request('POST', '/_sandbox/faults/random', { json: null })).status).toBe(204);
		expect((await client.api('GET', '/contacts')).status).toBe(200);
	});

	test('invalid faults are refused, and none of the batch is queued', async () => {
		expect(() => sb.injectFaults([{ kind: 'status', status: 503 }, { kind: 'explode' }])).toThrow(TypeError);
		expect(() => sb.injectFaults([{ kind: 'status' }])).toThrow(TypeError);
		expect(() => sb.injectFaults([{ kind: 'slow' }])).toThrow(TypeError);
		expect((await client.api('GET', '/contacts')).status).toBe(200);
	});
});
