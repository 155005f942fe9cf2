// @ts-check
'use strict';
const { openSandbox, Client } = require('./helpers');

/** @type {import('../../sandbox/sandbox').Sandbox} */
let sb;
/** @type {Client} */
let client;

beforeAll(async () => {
	sb = await openSandbox({ requiredFields: {} });
	client = new Client(sb, sb.issueToken().access_token);
});
afterAll(async () => {
	client.close();
	await sb.close();
});
beforeEach(() => sb.reset());

describe('conditional GETs', () => {
	test('a record: ETag and Last-Modified; a matching If-None-Match → 304 without a body; a change → 200 with a new ETag', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada', updated_at: '2026-11-29T04:00:00.500Z' }]);
		const first = await client.api('GET', `/contacts/${ada.id}`);
		expect(first.status).toBe(200);
		expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
		expect(first.headers['last-modified']).toBe('Sun, 29 Nov 2026 04:00:00 GMT');

		const again = await client.api('GET', `/contacts/${ada.id}`, { headers: { 'If-None-Match': String(first.headers.etag) } });
		expect(again.status).toBe(304);
		expect(again.text).toBe('');
		expect(again.headers.etag).toBe(first.headers.etag);
		expect(sb.log[sb.log.length - 1].status).toBe(304);

		await client.api('PATCH', `/contacts/${ada.id}`, { json: { name: 'Ada L.' } });
		const changed = await client.api('GET', `/contacts/${ada.id}`, { headers: { 'If-None-Match': String(first.headers.etag) } });
		expect(changed.status).toBe(200);
		expect(changed.json.data.name).toBe('Ada L.');
		expect(changed.headers.etag).not.toBe(first.headers.etag);
	});

	test('If-Modified-Since counts only without If-None-Match', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada', updated_at: '2026-11-29T04:00:00.500Z' }]);
		const since = async (/** @type {Record<string, string>} */ headers) => (await client.api('GET', `/contacts/${ada.id}`, { headers })).status;
		expect(await since({ 'If-Modified-Since': 'Sun, 29 Nov 2026 04:00:00 GMT' })).toBe(304);
		expect(await since({ 'If-Modified-Since': 'Sun, 29 Nov 2026 03:59:59 GMT' })).toBe(200);
		expect(await since({ 'If-Modified-Since': 'not a date' })).toBe(200);
		expect(await since({ 'If-None-Match': '"other"', 'If-Modified-Since': 'Sun, 29 Nov 2026 04:00:00 GMT' })).toBe(200);
	});

	test('a list page has an ETag of its own and answers 304 while the collection is unchanged', async () => {
		sb.seed('contacts', 3);
		const first = await client.api('GET', '/contacts?limit=2');
		expect(first.headers.etag).toBeDefined();
		expect(first.headers['last-modified']).toBeUndefined();
		const same = await client.api('GET', '/contacts?limit=2', { headers: { 'If-None-Match': `W/${first.headers.etag}, "x"` } });
		expect(same.status).toBe(304);
		sb.seed('contacts', 1);
		const other = await client.api('GET', '/contacts?limit=3', { headers: { 'If-None-Match': String(first.headers.etag) } });
		expect(other.status).toBe(200);
	});
});
