// @ts-check
'use strict';
const { openSandbox, Client } = require('./helpers');

/** @type {import('../../sandbox/sandbox').Sandbox} */
let sb;
/** @type {Client} */
let client;
/** @type {string[]} ids of the 10 000 seeded records, in creation order */
let ids;

const COUNT = 10_000;

beforeAll(async () => {
	sb = await openSandbox();
	client = new Client(sb, sb.issueToken().access_token);
	ids = sb.seed('items', COUNT).map((record) => record.id);
});
afterAll(async () => {
	client.close();
	await sb.close();
});

/** @param {any[]} data */
const idsOf = (data) => data.map((record) => record.id);

/**
 * Follows next_cursor through a list.
 * @param {string} query
 * @returns {Promise<{ ids: string[], pages: number }>}
 */
async function walkCursor(query) {
	/** @type {string[]} */
	const seen = [];
	let pages = 0;
	let cursor = null;
	do {
		const res = await client.api('GET', `/items?${query}${cursor ? `&cursor=${cursor}` : ''}`);
		expect(res.status).toBe(200);
		expect(res.json.meta.next_cursor).toBe(res.json.next_cursor);
		seen.push(...idsOf(res.json.data));
		cursor = res.json.next_cursor;
		pages++;
	} while (cursor);
	return { ids: seen, pages };
}

test('generated records: { name: "Record N", index: N }, created_at strictly increasing, 1 ms apart, ending about now', () => {
	const records = sb.seed('generated', 1000);
	expect(records[0]).toMatchObject({ name: 'Record 1', index: 1 });
	expect(records[999]).toMatchObject({ name: 'Record 1000', index: 1000 });
	const times = records.map((r) => Date.parse(r.created_at));
	expect(times.every((t, i) => i === 0 || t === times[i - 1] + 1)).toBe(true);
	expect(Math.abs(times[999] - Date.now())).toBeLessThan(1000);
});

describe('cursor (default)', () => {
	test(`walks all ${COUNT} records, 100 per page by default, in created_at order`, async () => {
		const walk = await walkCursor('');
		expect(walk.pages).toBe(100);
		expect(walk.ids).toEqual(ids);
	});

	test('limit, sort=-created_at and the max page size', async () => {
		const walk = await walkCursor('limit=1000&sort=-created_at');
		expect(walk.pages).toBe(10);
		expect(walk.ids).toEqual([...ids].reverse());
		const clamped = await client.api('GET', '/items?limit=5000');
		expect(clamped.json.data).toHaveLength(1000);
	});

	test('filters page too', async () => {
		const res = await client.api('GET', '/items?name=Record%205000');
		expect(idsOf(res.json.data)).toEqual([ids[4999]]);
		expect(res.json.next_cursor).toBeNull();
		expect((await client.api('GET', '/items?index=42')).json.data[0].name).toBe('Record 42');
	});

	test('a cursor survives the deletion of the record it names', async () => {
		sb.seed('shrinking', 10);
		const first = await client.api('GET', '/shrinking?limit=4');
		const [a, b, c, d] = idsOf(first.json.data);
		await client.api('DELETE', `/shrinking/${d}`);
		const second = await client.api('GET', `/shrinking?limit=4&cursor=${first.json.next_cursor}`);
		expect(second.json.data[0].name).toBe('Record 5');
		expect([a, b, c]).not.toContain(second.json.data[0].id);
	});
});

describe('page', () => {
	beforeAll(() => { sb.configure({ pagination: 'page' }); });
	afterAll(() => { sb.configure({ pagination: 'cursor' }); });

	test(`page & per_page with meta { page, per_page, total } over ${COUNT} records`, async () => {
		/** @type {string[]} */
		const seen = [];
		for (let page = 1; page <= 100; page++) {
			const res = await client.api('GET', `/items?page=${page}`);
			expect(res.json.meta).toEqual({ page, per_page: 100, total: COUNT });
			seen.push(...idsOf(res.json.data));
		}
		expect(seen).toEqual(ids);
		expect((await client.api('GET', '/items?page=101')).json.data).toEqual([]);
		const big = await client.api('GET', '/items?page=3&per_page=1000');
		expect(idsOf(big.json.data)).toEqual(ids.slice(2000, 3000));
		expect((await client.api('GET', '/items?page=0')).status).toBe(400);
	});
});

describe('link', () => {
	beforeAll(() => { sb.configure({ pagination: 'link' }); });
	afterAll(() => { sb.configure({ pagination: 'cursor' }); });

	test(`follows absolute next URLs (body and Link header) through ${COUNT} records`, async () => {
		/** @type {string[]} */
		const seen = [];
		/** @type {string | null} */
		let url = `${sb.url}/api/v0.0.1/items?limit=250`;
		let pages = 0;
		while (url) {
			expect(url.startsWith(`${sb.url}/api/v0.0.1/items?`)).toBe(true);
			const res = await client.api('GET', url.slice(sb.url.length + '/api/v0.0.1'.length));
			seen.push(...idsOf(res.json.data));
			const next = res.json.next;
			if (next) {
				expect(res.headers.link).toBe(`<${next}>; rel="next"`);
				expect(new URL(next).searchParams.get('limit')).toBe('250');
			} else {
				expect(res.headers.link).toBeUndefined();
			}
			url = next;
			pages++;
		}
		expect(pages).toBe(40);
		expect(seen).toEqual(ids);
	});
});

// No wall-clock bound here (a timed unit test fails under load, not on a defect): the test's own
// timeout (30 s) is what stops a seeding that went quadratic.
test('100 000 generated records are seeded through the control API and page by cursor', async () => {
	const seeded = await client.request('POST', '/_sandbox/seed', { json: { collection: 'big', count: 100_000 } });
	expect(seeded.json).toEqual({ data: { collection: 'big', count: 100_000 } });

	const page = async (/** @type {string} */ query) => {
		const res = await client.api('GET', `/big?${query}`);
		expect(res.json.data).toHaveLength(100);
		return res;
	};
	let cursor = (await page('')).json.next_cursor;
	let lastName = '';
	for (let i = 0; i < 50; i++) {
		const res = await page(`cursor=${cursor}`);
		cursor = res.json.next_cursor;
		lastName = res.json.data[99].name;
	}
	expect(lastName).toBe('Record 5100');
});
