/**
 * Identical GETs in flight share one request; Options › Cache GET Responses keeps successful GET
 * answers for a while. In n8n's engine against the sandbox over HTTPS: the sandbox's request log
 * says what was really sent.
 */
import type { INodeParameters } from 'n8n-workflow';

import { CACHE_LIMITS, resetCache } from '../../nodes/Flextell/cache';
import { runNode } from './harness';
import { makePoller } from './poll-harness';
import { apiRequests, connectedCredential, items, useSandbox } from './sandbox-fixture';
import { engineClock } from './virtual-time';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());
const clock = engineClock();

const sb = useSandbox();
beforeEach(resetCache);

const CONTACT = '/api/v0.0.1/contacts';
const gets = (path: string) => apiRequests(sb).filter((r) => r.method === 'GET' && r.path === path);
const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function getRecord(options: INodeParameters = {}): INodeParameters {
	return { method: 'GET', path: '=contacts/{{ $json.id }}', options };
}

describe('Identical GETs in flight', () => {
	it('become one request; every item gets its own copy of the answer (real time)', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada', address: { city: 'London' }, tags: ['a'] }]);
		// The one request is slow, so all six items are waiting at the same moment.
		sb.injectFaults([{ kind: 'slow', ms: 400, match: { path: `${CONTACT}/${ada.id}` } }]);
		const { credentials } = connectedCredential(sb);
		const { items: out, error } = await runNode({
			credentials,
			items: items(...Array.from({ length: 6 }, () => ({ id: ada.id }))),
			parameters: getRecord({ concurrency: 6 }),
		});
		expect(error).toBeUndefined();
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(1);
		expect(out.map((i) => i.json.name)).toEqual(Array(6).fill('Ada'));
		expect(out.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3, 4, 5].map((item) => ({ item })));
		// Separate objects all the way down: what one item changes downstream, no other sees.
		for (let i = 1; i < out.length; i++) {
			expect(out[i].json).not.toBe(out[0].json);
			expect(out[i].json.address).not.toBe(out[0].json.address);
			expect(out[i].json.tags).not.toBe(out[0].json.tags);
		}
		(out[0].json.address as { city: string }).city = 'changed';
		expect(out[1].json.address).toEqual({ city: 'London' });
	});

	it('share an error: each item fails on its own, with its own item index (real time)', async () => {
		sb.injectFaults([{ kind: 'slow', ms: 300, match: { path: `${CONTACT}/obj_missing` } }]);
		const { credentials } = connectedCredential(sb);
		const { items: out, error } = await runNode({
			credentials,
			continueOnFail: true,
			items: items(...Array.from({ length: 4 }, () => ({ id: 'obj_missing' }))),
			parameters: getRecord({ concurrency: 4 }),
		});
		expect(error).toBeUndefined();
		expect(gets(`${CONTACT}/obj_missing`)).toHaveLength(1);
		expect(out.map((i) => (i.json.error as { statusCode?: number }).statusCode)).toEqual([404, 404, 404, 404]);
		expect(out.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));

		// Without continue-on-fail: another execution's item 1 waits for this execution's item 0,
		// and each run stops with the error of its own item.
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		sb.clearLog();
		sb.injectFaults([{ kind: 'slow', ms: 500, match: { path: `${CONTACT}/obj_missing` } }]);
		const leading = runNode({ credentials, items: items({ id: 'obj_missing' }), parameters: getRecord() });
		await realSleep(150); // the leading request is in flight (real: the clock skips no wait before it is)
		const waiting = runNode({ credentials, items: items({ id: ada.id }, { id: 'obj_missing' }), parameters: getRecord({ concurrency: 2 }) });
		const [lead, wait] = await Promise.all([leading, waiting]);
		expect(gets(`${CONTACT}/obj_missing`)).toHaveLength(1);
		const itemIndexOf = (error: unknown) => (error as { context?: { itemIndex?: number } }).context?.itemIndex;
		expect(lead.error?.message).toMatch(/obj_missing/);
		expect(wait.error?.message).toBe(lead.error?.message);
		expect(itemIndexOf(lead.error)).toBe(0);
		expect(itemIndexOf(wait.error)).toBe(1);
	});

	it('are not shared between credentials (real time)', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		sb.injectFaults([
			{ kind: 'slow', ms: 400, match: { path: `${CONTACT}/${ada.id}` } },
			{ kind: 'slow', ms: 400, match: { path: `${CONTACT}/${ada.id}` } },
		]);
		const one = connectedCredential(sb, { id: 'cred-1' });
		const two = connectedCredential(sb, { id: 'cred-2' });
		const runs = await Promise.all([
			runNode({ credentials: one.credentials, credentialId: 'cred-1', items: items({ id: ada.id }), parameters: getRecord() }),
			runNode({ credentials: two.credentials, credentialId: 'cred-2', items: items({ id: ada.id }), parameters: getRecord() }),
		]);
		expect(runs.map((r) => r.items[0]?.json.name)).toEqual(['Ada', 'Ada']);
		expect(gets(`${CONTACT}/${ada.id}`).map((r) => r.token).sort()).toEqual([one.tokens.access_token, two.tokens.access_token].sort());
	});
});

describe('Cache GET Responses (Seconds)', () => {
	it('serves within its lifetime and asks Flextell again after it', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		const run = async () => await runNode({ credentials, items: items({ id: ada.id }, { id: ada.id }), parameters: getRecord({ cacheSeconds: 1 }) });

		const first = await run();
		const second = await run();
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(1);
		expect(second.items.map((i) => i.json)).toEqual(first.items.map((i) => i.json));
		expect(second.items[0].json).not.toBe(second.items[1].json);

		await clock.sleep(1100);
		await run();
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(2);
	});

	it('is off by default: every run asks Flextell', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		await runNode({ credentials, items: items({ id: ada.id }), parameters: getRecord() });
		await runNode({ credentials, items: items({ id: ada.id }), parameters: getRecord() });
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(2);
	});

	it('revalidates an expired answer with its ETag: a 304 serves the stored body, a change the new one', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada', nested: { n: 1 } }]);
		const { credentials } = connectedCredential(sb);
		const run = async () => await runNode({ credentials, items: items({ id: ada.id }), parameters: getRecord({ cacheSeconds: 1 }) });

		const first = await run();
		const etag = sb.log.find((r) => r.status === 200 && r.path === `${CONTACT}/${ada.id}`);
		expect(etag?.headers['if-none-match']).toBeUndefined();
		await clock.sleep(1100);
		const second = await run();
		const revalidation = gets(`${CONTACT}/${ada.id}`)[1];
		expect(revalidation.headers['if-none-match']).toMatch(/^"[^"]+"$/);
		expect(revalidation.headers['if-modified-since']).toBeDefined();
		expect(revalidation.status).toBe(304);
		expect(second.error).toBeUndefined();
		expect(second.items.map((i) => i.json)).toEqual(first.items.map((i) => i.json));

		// The 304 made the answer fresh again: no request within the next second.
		await run();
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(2);

		// Changed behind the node's back (not through this credential): after expiry the ETag no
		// longer matches and the new record comes back.
		sb.seed('contacts', [{ id: ada.id, name: 'Ada Lovelace', nested: { n: 2 } }]);
		await clock.sleep(1100);
		const fourth = await run();
		expect(gets(`${CONTACT}/${ada.id}`).map((r) => r.status)).toEqual([200, 304, 200]);
		expect(fourth.items[0].json).toMatchObject({ name: 'Ada Lovelace', nested: { n: 2 } });
	});

	it('drops the record and its list when a PATCH goes through the credential', async () => {
		const [ada, bob] = sb.seed('contacts', [{ name: 'Ada' }, { name: 'Bob' }]);
		const { credentials } = connectedCredential(sb);
		const cached = { cacheSeconds: 60 };
		const read = async (id: string) => await runNode({ credentials, items: items({ id }), parameters: getRecord(cached) });
		const list = async () => await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', options: cached } });

		await read(ada.id);
		await read(bob.id);
		await list();
		await read(ada.id);
		await list();
		expect(apiRequests(sb)).toHaveLength(3);

		const patched = await runNode({
			credentials,
			items: items({ id: ada.id }),
			parameters: { method: 'PATCH', path: '=contacts/{{ $json.id }}', jsonBody: '{"name": "Ada L."}' },
		});
		expect(patched.error).toBeUndefined();

		const again = await read(ada.id);
		expect(again.items[0].json.name).toBe('Ada L.');
		const listed = await list();
		expect(listed.items.map((i) => i.json.name)).toEqual(['Ada L.', 'Bob']);
		await read(bob.id); // another record of the resource: still cached
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(2);
		expect(gets(CONTACT)).toHaveLength(2);
		expect(gets(`${CONTACT}/${bob.id}`)).toHaveLength(1);
	});

	it('never stores errors', async () => {
		const { credentials } = connectedCredential(sb);
		const run = async () =>
			await runNode({ credentials, continueOnFail: true, items: items({ id: 'obj_missing' }), parameters: getRecord({ cacheSeconds: 60 }) });
		await run();
		sb.seed('contacts', [{ id: 'obj_missing', name: 'Now here' }]);
		const second = await run();
		expect(second.items[0].json.name).toBe('Now here');
		expect(gets(`${CONTACT}/obj_missing`).map((r) => r.status)).toEqual([404, 200]);
	});

	it('is never shared between credentials', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const one = connectedCredential(sb, { id: 'cred-1' });
		const two = connectedCredential(sb, { id: 'cred-2' });
		const run = async (c: typeof one, credentialId: string) =>
			await runNode({ credentials: c.credentials, credentialId, items: items({ id: ada.id }), parameters: getRecord({ cacheSeconds: 60 }) });
		await run(one, 'cred-1');
		await run(two, 'cred-2');
		await run(one, 'cred-1');
		await run(two, 'cred-2');
		expect(gets(`${CONTACT}/${ada.id}`).map((r) => r.token)).toEqual([one.tokens.access_token, two.tokens.access_token]);
	});

	it(`evicts the least recently used answer beyond ${CACHE_LIMITS.bytes / 2 ** 20} MiB, and never stores one over ${CACHE_LIMITS.entryBytes / 2 ** 20} MiB`, async () => {
		// Nine answers just under the per-entry cap do not fit the store together.
		const size = CACHE_LIMITS.entryBytes - 4096;
		const count = Math.floor(CACHE_LIMITS.bytes / size) + 1;
		const big = sb.seed('contacts', Array.from({ length: count }, (_, n) => ({ name: `big ${n}`, blob: 'x'.repeat(size - 200) })));
		const [huge] = sb.seed('contacts', [{ name: 'huge', blob: 'y'.repeat(CACHE_LIMITS.entryBytes) }]);
		const { credentials } = connectedCredential(sb);
		const read = async (id: string) => await runNode({ credentials, items: items({ id }), parameters: getRecord({ cacheSeconds: 60 }) });

		for (const record of big) await read(record.id);
		await read(big[count - 1].id); // the newest is still there
		await read(big[0].id); // the oldest was pushed out
		expect(gets(`${CONTACT}/${big[count - 1].id}`)).toHaveLength(1);
		expect(gets(`${CONTACT}/${big[0].id}`)).toHaveLength(2);

		await read(huge.id);
		await read(huge.id);
		expect(gets(`${CONTACT}/${huge.id}`)).toHaveLength(2);
	});

	it('Full Response always asks Flextell and says fromCache: false', async () => {
		const [ada] = sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb);
		await runNode({ credentials, items: items({ id: ada.id }), parameters: getRecord({ cacheSeconds: 60 }) });
		const full = await runNode({ credentials, items: items({ id: ada.id }), parameters: getRecord({ cacheSeconds: 60, fullResponse: true }) });
		expect(full.items[0].json).toMatchObject({ statusCode: 200, fromCache: false, body: { data: { name: 'Ada' } } });
		expect(gets(`${CONTACT}/${ada.id}`)).toHaveLength(2);
	});

	it('the Flextell Trigger never reads from it: every poll asks Flextell', async () => {
		sb.seed('contacts', [{ name: 'a' }]);
		const { credentials } = connectedCredential(sb);
		// The node stores the answer to the very request the trigger polls with.
		const query = { parameters: [{ name: 'sort', value: '-created_at' }, { name: 'limit', value: '100' }] };
		await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', queryParameters: query, options: { cacheSeconds: 60 } } });
		const poller = makePoller({ credentials, parameters: { path: 'contacts', event: 'newRecord' } });
		expect(await poller.poll()).toBeNull(); // the first poll only sets the watermark
		sb.seed('contacts', [{ name: 'b' }]);
		expect((await poller.poll())?.map((i) => i.json.name)).toEqual(['b']);
		const polls = gets(CONTACT);
		expect(polls).toHaveLength(3);
		expect(polls.map((r) => r.query)).toEqual(Array(3).fill({ sort: '-created_at', limit: '100' }));
	});

	it('Return All always asks Flextell for every page', async () => {
		sb.seed('contacts', 5);
		const { credentials } = connectedCredential(sb);
		const run = async () =>
			await runNode({ credentials, parameters: { method: 'GET', path: 'contacts', returnAll: true, options: { cacheSeconds: 60, pageSize: 2 } } });
		expect((await run()).items).toHaveLength(5);
		expect((await run()).items).toHaveLength(5);
		expect(gets(CONTACT)).toHaveLength(6);
	});
});
