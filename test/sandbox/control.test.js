// @ts-check
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeCertificate } = require('../../sandbox');
const { openSandbox, Client, useSandboxAndClient } = require('./helpers');

const { sb, client } = useSandboxAndClient();
beforeEach(() => sb.reset());

/**
 * @param {string} endpoint
 * @param {unknown} [json]
 */
const control = (endpoint, json) => client.request('POST', `/_sandbox/${endpoint}`, json === undefined ? {} : { json });

describe('the request log', () => {
	test('one record per request with seq, time, method, path, target, query, headers, body, status, token, early, fault', async () => {
		const { access_token } = sb.issueToken();
		const before = Date.now();
		await client.api('POST', '/contacts?notify=yes', { token: access_token, json: { name: 'Ada' }, headers: { 'x-trace': 't1' } });
		const [record] = sb.log;
		expect(record).toEqual({
			seq: expect.any(Number),
			time: expect.any(Number),
			method: 'POST',
			path: '/api/v0.0.1/contacts',
			target: '/api/v0.0.1/contacts?notify=yes',
			query: { notify: 'yes' },
			headers: expect.objectContaining({ 'x-trace': 't1', authorization: `Bearer ${access_token}` }),
			body: { name: 'Ada' },
			status: 201,
			token: access_token,
			early: false,
			fault: null,
		});
		expect(record.time).toBeGreaterThanOrEqual(before - 1);
		expect(record.time).toBeLessThanOrEqual(Date.now());
	});

	test('GET /_sandbox/log[?since], marked control; DELETE /_sandbox/log empties it', async () => {
		await client.request('GET', '/nowhere');
		const all = await client.request('GET', '/_sandbox/log');
		expect(all.status).toBe(200);
		expect(all.json.data.map((/** @type {any} */ r) => r.path)).toEqual(['/nowhere']); // not the log request itself
		const seq = all.json.data[0].seq;
		const since = await client.request('GET', `/_sandbox/log?since=${seq}`);
		expect(since.json.data).toEqual([expect.objectContaining({ path: '/_sandbox/log', control: true, status: 200 })]);
		expect((await client.request('DELETE', '/_sandbox/log')).status).toBe(204);
		expect(sb.log.map((r) => r.path)).toEqual([]);
		await client.request('GET', '/nowhere');
		expect(sb.log[0].seq).toBeGreaterThan(seq + 2); // seq keeps counting
	});
});

describe('the control API', () => {
	test('tokens: issue, expire, revoke', async () => {
		const issued = await control('tokens', { scope: 'read', ttlSeconds: 60 });
		expect(issued.json).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 60, scope: 'read' });
		expect((await client.api('GET', '/contacts', { token: issued.json.access_token })).status).toBe(200);

		expect((await control('tokens/expire', { access_token: issued.json.access_token })).status).toBe(204);
		expect((await client.api('GET', '/contacts', { token: issued.json.access_token })).status).toBe(401);

		expect((await control('tokens/revoke', { refresh_token: issued.json.refresh_token })).status).toBe(204);
		const refresh = await client.request('POST', '/oauth/token', {
			form: { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, client_id: sb.clientId, client_secret: sb.clientSecret },
		});
		expect(refresh.json.error).toBe('invalid_grant');
		expect((await control('tokens/expire', { access_token: 'nope' })).status).toBe(404);
	});

	test('seed records or a count; reset empties the store', async () => {
		const token = sb.issueToken().access_token;
		const seeded = await control('seed', { collection: 'contacts', records: [{ name: 'Ada' }, { name: 'Grace' }] });
		expect(seeded.json.data.map((/** @type {any} */ r) => r.name)).toEqual(['Ada', 'Grace']);
		expect((await control('seed', { collection: 'contacts', count: 3 })).json).toEqual({ data: { collection: 'contacts', count: 3 } });
		expect((await client.api('GET', '/contacts', { token })).json.data).toHaveLength(5);
		expect((await control('seed', { collection: 'contacts' })).status).toBe(400);
		expect((await control('reset')).status).toBe(204);
		expect((await client.api('GET', '/contacts', { token })).json.data).toHaveLength(0);
	});

	test('faults are queued; invalid ones → 400', async () => {
		const token = sb.issueToken().access_token;
		expect((await control('faults', [{ kind: 'status', status: 500 }])).json).toEqual({ data: { queued: 1 } });
		expect((await client.api('GET', '/contacts', { token })).status).toBe(500);
		expect((await control('faults', [{ kind: 'nonsense' }])).status).toBe(400);
		expect((await control('faults', { kind: 'status' })).status).toBe(400);
	});

	test('config: read and change; invalid values → 400 and nothing changes', async () => {
		const changed = await control('config', { pagination: 'page', rateLimit: { limit: 5, windowSeconds: 1 }, tokenTtlSeconds: 5 });
		expect(changed.json.data).toMatchObject({
			pagination: 'page', tokenTtlSeconds: 5,
			rateLimit: { limit: 5, windowSeconds: 1, retryAfter: 'seconds', suspendAfter: 20 },
		});
		expect(sb.issueToken().expires_in).toBe(5);
		const bad = await control('config', { pagination: 'pages' });
		expect(bad.status).toBe(400);
		expect(bad.json.error).toBe('invalid_request');
		expect((await client.request('GET', '/_sandbox/config')).json.data.pagination).toBe('page');
		sb.configure({ pagination: 'cursor', rateLimit: null, tokenTtlSeconds: 3600 });
	});

	test('unknown control endpoints → 404', async () => {
		expect((await control('nothing')).status).toBe(404);
	});
});

describe('sandbox basics', () => {
	test('URLs of the sandbox', () => {
		expect(sb.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(sb.baseUrl).toBe(`${sb.url}/api`);
		expect(sb.authorizeUrl).toBe(`${sb.url}/oauth/authorize`);
		expect(sb.tokenUrl).toBe(`${sb.url}/oauth/token`);
		expect([sb.clientId, sb.clientSecret]).toEqual(['flextell-sandbox', 'sandbox-secret']);
	});

	test('default configuration', () => {
		expect(sb.config).toEqual({
			tokenTtlSeconds: 3600, rateLimit: null, pagination: 'cursor', defaultPageSize: 100, maxPageSize: 1000,
			requiredFields: { contacts: ['name'] }, collections: ['contacts', 'tickets'], quiet: true,
		});
	});

	test('makeCertificate: EC P-256, CN and SAN 127.0.0.1/localhost, valid about 2 days', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-cert-test-'));
		try {
			const { certPath, keyPath } = makeCertificate(dir);
			expect(fs.existsSync(keyPath)).toBe(true);
			const cert = new crypto.X509Certificate(fs.readFileSync(certPath));
			expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
			expect(cert.subject).toBe('CN=127.0.0.1');
			expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
			const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
			expect(days).toBeGreaterThan(1.9);
			expect(days).toBeLessThan(2.1);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	test('close() ends keep-alive connections, removes its own certificate folder and resolves `closed`', async () => {
		const other = await openSandbox({ certDir: undefined });
		const otherClient = new Client(other, other.issueToken().access_token);
		expect((await otherClient.api('GET', '/contacts')).status).toBe(200);
		const started = Date.now();
		await other.close();
		await other.closed;
		expect(Date.now() - started).toBeLessThan(1000);
		expect(fs.existsSync(other.certPath)).toBe(false);
		await expect(otherClient.api('GET', '/contacts')).rejects.toThrow();
		otherClient.close();
	});

	test('a sandbox stops by itself after lifetimeSeconds', async () => {
		const short = await openSandbox({ lifetimeSeconds: 0.2 });
		const started = Date.now();
		await short.closed;
		expect(Date.now() - started).toBeLessThan(1500);
	});
});
