/**
 * Return All / Limit with each pagination scheme, run in n8n's engine against the sandbox.
 */
import { runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

const names = (items: Array<{ json: Record<string, unknown> }>) => items.map((i) => i.json.n);
const seedNumbered = (count: number) => sb.seed('contacts', Array.from({ length: count }, (_, n) => ({ name: `c${n}`, n })));
const range = (count: number) => Array.from({ length: count }, (_, n) => n);
/** The node's GET of contacts, on a connected credential, with these parameters besides. */
const getContacts = (parameters: Record<string, unknown>) =>
	runNode({ credentials: connectedCredential(sb).credentials, parameters: { method: 'GET', path: 'contacts', ...parameters } });

describe('Return All', () => {
	it('cursor (the default): follows next_cursor to the end, sending limit and cursor', async () => {
		seedNumbered(250);
		const { items, error } = await getContacts({ returnAll: true, options: { pageSize: 100 } });
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(250));
		expect(items.every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		const requests = apiRequests(sb);
		expect(requests).toHaveLength(3);
		expect(requests.map((r) => r.query.limit)).toEqual(['100', '100', '100']);
		expect(requests[0].query.cursor).toBeUndefined();
		expect(typeof requests[1].query.cursor).toBe('string');
	});

	it('cursor: parameter and field names are configurable, and the cursor is also found under meta', async () => {
		seedNumbered(30);
		// The sandbox names them limit/cursor/next_cursor; a renamed field only matches under `meta` via its own name.
		const { items, error } = await getContacts({
			returnAll: true,
			options: { pageSize: 10, cursorParameter: 'cursor', pageSizeParameter: 'limit', nextCursorField: 'meta.next_cursor' },
		});
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(30));
		expect(apiRequests(sb)).toHaveLength(3);
	});

	it('page numbers: page and per_page until a short page', async () => {
		sb.configure({ pagination: 'page' });
		seedNumbered(250);
		const { items, error } = await getContacts({ returnAll: true, options: { pagination: 'page', pageSize: 100 } });
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(250));
		expect(apiRequests(sb).map((r) => [r.query.page, r.query.per_page])).toEqual([
			['1', '100'],
			['2', '100'],
			['3', '100'],
		]);
	});

	it('page numbers: a full last page ends at meta.total without asking for an empty page', async () => {
		sb.configure({ pagination: 'page' });
		seedNumbered(200);
		const { items } = await getContacts({ returnAll: true, options: { pagination: 'page', pageSize: 100 } });
		expect(items).toHaveLength(200);
		expect(apiRequests(sb)).toHaveLength(2);
	});

	it('next link from the body field, keeping the query (filters) the link carries', async () => {
		sb.configure({ pagination: 'link' });
		sb.seed('contacts', range(60).map((n) => ({ name: `c${n}`, n, status: n % 2 ? 'odd' : 'even' })));
		const { items, error } = await getContacts({
			returnAll: true,
			queryParameters: { parameters: [{ name: 'status', value: 'even' }] },
			options: { pagination: 'link', pageSize: 10 },
		});
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(60).filter((n) => n % 2 === 0));
		const requests = apiRequests(sb);
		expect(requests).toHaveLength(3);
		expect(requests.every((r) => r.query.status === 'even')).toBe(true);
	});

	it('next link from the Link header when the body has no such field', async () => {
		sb.configure({ pagination: 'link' });
		seedNumbered(25);
		const { items, error } = await getContacts({ returnAll: true, options: { pagination: 'link', pageSize: 10, nextLinkField: 'no_such_field' } });
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(25));
		expect(apiRequests(sb)).toHaveLength(3);
	});

	it('Split Into Items off: one item holding every record', async () => {
		seedNumbered(25);
		const { items } = await getContacts({ returnAll: true, options: { pageSize: 10, splitIntoItems: false } });
		expect(items).toHaveLength(1);
		expect((items[0].json.data as Array<{ n: number }>).map((r) => r.n)).toEqual(range(25));
	});

	it('a 429 on a later page waits for Retry-After and goes on', async () => {
		seedNumbered(30);
		sb.injectFaults([{ kind: 'slow', ms: 0 }, { kind: 'rate_limit', retryAfter: 1 }]);
		const { items, error } = await getContacts({ returnAll: true, options: { pageSize: 10 } });
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(30));
		const requests = apiRequests(sb);
		expect(requests.map((r) => r.status)).toEqual([200, 429, 200, 200]);
		expect(requests[2].time - requests[1].time).toBeGreaterThanOrEqual(1000);
		expect(requests[2].query.cursor).toBe(requests[1].query.cursor);
		expect(requests.some((r) => r.early)).toBe(false);
	});
});

describe('Return All: paging parameters the user wrote are sent as written', () => {
	it("the user's own limit is the page size of every request", async () => {
		seedNumbered(25);
		const { items, error } = await getContacts({
			returnAll: true,
			queryParameters: { parameters: [{ name: 'limit', value: '7' }] },
			options: { pageSize: 100 },
		});
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(25));
		expect(apiRequests(sb).map((r) => r.query.limit)).toEqual(['7', '7', '7', '7']);
	});

	it("page numbers: the user's page and per_page are where the list starts and its page size", async () => {
		sb.configure({ pagination: 'page' });
		seedNumbered(25);
		const { items, error } = await getContacts({
			returnAll: true,
			queryParameters: { parameters: [{ name: 'per_page', value: '10' }, { name: 'page', value: '2' }] },
			options: { pagination: 'page', pageSize: 100 },
		});
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(25).slice(10));
		expect(apiRequests(sb).map((r) => r.target.replace(/^.*\?/, ''))).toEqual(['per_page=10&page=2', 'per_page=10&page=3']);
	});
});

describe('Return All off: one request exactly as written, Limit trims it', () => {
	it('a GET of one record goes out as written: no query added', async () => {
		const [record] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { items, error } = await runNode({ credentials, parameters: { method: 'GET', path: `contacts/${record.id}` } });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb).map((r) => r.target)).toEqual([`/api/v0.0.1/contacts/${record.id}`]);
	});

	it("the user's limit is honoured: limit=3 under the default Limit of 50 is one request and 3 items", async () => {
		seedNumbered(10);
		const { items } = await getContacts({ queryParameters: { parameters: [{ name: 'limit', value: '3' }] } });
		expect(names(items)).toEqual(range(3));
		expect(apiRequests(sb).map((r) => r.target)).toEqual(['/api/v0.0.1/contacts?limit=3']);
	});

	it('Limit cuts the records of the one answer and never asks for more', async () => {
		seedNumbered(300);
		const { items, error } = await getContacts({
			limit: 120,
			queryParameters: { parameters: [{ name: 'limit', value: '200' }, { name: 'sort', value: 'created_at' }] },
			options: { pageSize: 50, pagination: 'page' },
		});
		expect(error).toBeUndefined();
		expect(names(items)).toEqual(range(120));
		// the pagination options are for Return All: they add nothing here
		expect(apiRequests(sb).map((r) => r.target)).toEqual(['/api/v0.0.1/contacts?limit=200&sort=created_at']);
	});

	it("defaults to Limit 50 of what the API's own page size returns, in one request", async () => {
		seedNumbered(300);
		const { items } = await getContacts({});
		expect(names(items)).toEqual(range(50));
		expect(apiRequests(sb).map((r) => r.target)).toEqual(['/api/v0.0.1/contacts']);
	});

	it('an answer shorter than Limit is returned whole, without a second request', async () => {
		seedNumbered(150);
		const { items } = await getContacts({ limit: 120 });
		// the sandbox's own page size is 100 and it offers a next cursor: Limit does not follow it
		expect(items).toHaveLength(100);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('Split Into Items off: one item holding the first Limit records', async () => {
		seedNumbered(30);
		const { items } = await getContacts({ limit: 5, options: { splitIntoItems: false } });
		expect(items).toHaveLength(1);
		expect((items[0].json.data as Array<{ n: number }>).map((r) => r.n)).toEqual(range(5));
	});
});

describe('safety', () => {
	it.each([
		['another host', 'https://evil.example/api/v0.0.1/contacts?cursor=x'],
		['another path on the same host', '/oauth/token'],
		['a climb out of the API version', '../v9/contacts'],
	])('a next link to %s is refused before anything is sent', async (_what, link) => {
		sb.injectFaults([{ kind: 'status', status: 200, body: { data: [{ id: 'obj_1', n: 0 }], next: link } }]);
		const { error } = await getContacts({ returnAll: true, options: { pagination: 'link' } });
		expect(error?.message).toMatch(/next-page link would leave https:\/\/127\.0\.0\.1:\d+\/api\/v0\.0\.1\/.*\(item 0\)/);
		expect(String(error?.description)).toContain('pagination link');
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('a Link header to another host is refused too', async () => {
		sb.injectFaults([
			{ kind: 'status', status: 200, body: { data: [{ id: 'obj_1' }] }, headers: { Link: '<https://evil.example/api/v0.0.1/contacts?page=2>; rel="next"' } },
		]);
		const { error } = await getContacts({ returnAll: true, options: { pagination: 'link' } });
		expect(error?.message).toMatch(/would leave/);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('the page ceiling stops a list that does not end, with an error naming the option', async () => {
		seedNumbered(100);
		const { error } = await getContacts({ returnAll: true, options: { pageSize: 10, maxPages: 3 } });
		expect(error?.message).toBe('Stopped after 3 pages of /api/v0.0.1/contacts: the list did not end (item 0)');
		expect(String(error?.description)).toContain('Max Pages');
		expect(apiRequests(sb)).toHaveLength(3);
	});

	it('the same cursor twice is an error, not a loop', async () => {
		const page = { kind: 'status', status: 200, body: { data: [{ id: 'obj_1' }], next_cursor: 'same' } };
		sb.injectFaults([page, page]);
		const { error } = await getContacts({ returnAll: true });
		expect(error?.message).toMatch(/same cursor again/);
		expect(apiRequests(sb)).toHaveLength(2);
	});

	it('a single record (not a list) is one item, with no paging', async () => {
		const [record] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const { items } = await runNode({ credentials, parameters: { method: 'GET', path: `contacts/${record.id}`, returnAll: true } });
		expect(items.map((i) => i.json.name)).toEqual(['Ada']);
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('Pagination off and Full Response make exactly one request', async () => {
		seedNumbered(30);
		const { credentials } = connectedCredential(sb);
		const off = await runNode({
			credentials,
			parameters: { method: 'GET', path: 'contacts', returnAll: true, options: { pagination: 'off' } },
		});
		expect(off.items).toHaveLength(30);
		const full = await runNode({
			credentials,
			parameters: { method: 'GET', path: 'contacts', returnAll: true, options: { fullResponse: true } },
		});
		expect(full.items).toHaveLength(1);
		expect(full.items[0].json.statusCode).toBe(200);
		expect(apiRequests(sb).map((r) => r.query)).toEqual([{}, {}]);
	});
});
