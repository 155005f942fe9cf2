/**
 * The Flextell Trigger polled through n8n-core (PollContext + TriggersAndPollers) against the
 * sandbox, with the node's static data kept between polls as in an active workflow.
 */
import { runNode } from './harness';
import { makePoller } from './poll-harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const ids = (items: Array<{ json: Record<string, unknown> }> | null) => (items ?? []).map((i) => i.json.name);

function watch(parameters: Record<string, unknown> = {}) {
	const { credentials } = connectedCredential(sb);
	return { credentials, poller: makePoller({ credentials, parameters: { path: 'contacts', event: 'newRecord', ...parameters } }) };
}

describe('Flextell Trigger', () => {
	it('the first active poll emits nothing and remembers the newest date and the ids at it', async () => {
		const seeded = sb.seed('contacts', [
			{ name: 'a', created_at: at(1) },
			{ name: 'b', created_at: at(2) },
			{ name: 'c', created_at: at(2) },
		]);
		const { poller } = watch();
		expect(await poller.poll()).toBeNull();
		const state = poller.staticData()['node:Flextell Trigger'] as Record<string, unknown>;
		expect(state.watermark).toBe(at(2));
		expect([...(state.idsAtWatermark as string[])].sort()).toEqual([seeded[1].id, seeded[2].id].sort());
		const [request] = apiRequests(sb);
		expect(request.query).toMatchObject({ sort: '-created_at', limit: '100' });
	});

	it('emits each new record once, oldest first, reading back only as far as the watermark', async () => {
		sb.seed('contacts', Array.from({ length: 250 }, (_, n) => ({ name: `old${n}`, created_at: at(n % 50) })));
		const { poller } = watch({ options: { pageSize: 100 } });
		expect(await poller.poll()).toBeNull();

		sb.seed('contacts', [
			{ name: 'new2', created_at: at(102) },
			{ name: 'new1', created_at: at(101) },
			{ name: 'new3', created_at: at(103) },
		]);
		sb.clearLog();
		const items = await poller.poll();
		expect(ids(items)).toEqual(['new1', 'new2', 'new3']);
		// One page of 100 reached records older than the watermark: no further pages.
		expect(apiRequests(sb)).toHaveLength(1);

		expect(await poller.poll()).toBeNull();
	});

	it('records sharing the watermark timestamp are each emitted exactly once', async () => {
		sb.seed('contacts', [{ name: 'a', created_at: at(5) }]);
		const { poller } = watch();
		expect(await poller.poll()).toBeNull();

		// b arrives later with the very same timestamp as a.
		sb.seed('contacts', [{ name: 'b', created_at: at(5) }]);
		expect(ids(await poller.poll())).toEqual(['b']);

		// c too; and d one second later.
		sb.seed('contacts', [
			{ name: 'c', created_at: at(5) },
			{ name: 'd', created_at: at(6) },
		]);
		expect(ids(await poller.poll())).toEqual(['c', 'd']);
		expect(await poller.poll()).toBeNull();

		// e at d's time.
		sb.seed('contacts', [{ name: 'e', created_at: at(6) }]);
		expect(ids(await poller.poll())).toEqual(['e']);
		expect(await poller.poll()).toBeNull();
	});

	it('a new backlog spanning several pages is emitted whole, oldest first', async () => {
		sb.seed('contacts', [{ name: 'seed', created_at: at(0) }]);
		const { poller } = watch({ options: { pageSize: 10 } });
		expect(await poller.poll()).toBeNull();
		sb.seed('contacts', Array.from({ length: 35 }, (_, n) => ({ name: `n${n}`, created_at: at(10 + n) })));
		sb.clearLog();
		const items = await poller.poll();
		expect(ids(items)).toEqual(Array.from({ length: 35 }, (_, n) => `n${n}`));
		expect(apiRequests(sb)).toHaveLength(4);
	});

	it('an empty list at activation: everything created afterwards is new', async () => {
		const { poller } = watch();
		expect(await poller.poll()).toBeNull();
		sb.seed('contacts', [{ name: 'first', created_at: at(1) }]);
		expect(ids(await poller.poll())).toEqual(['first']);
		expect(await poller.poll()).toBeNull();
	});

	it('a failed poll loses nothing: the watermark stays until a poll succeeds', async () => {
		sb.seed('contacts', [{ name: 'seed', created_at: at(0) }]);
		const { poller } = watch({ options: { pageSize: 10, maxRetries: 0 } });
		expect(await poller.poll()).toBeNull();
		const before = poller.staticData();

		sb.seed('contacts', Array.from({ length: 15 }, (_, n) => ({ name: `n${n}`, created_at: at(10 + n) })));
		// The first page comes back, the second fails.
		sb.injectFaults([{ kind: 'slow', ms: 0 }, { kind: 'status', status: 503 }]);
		await expect(poller.poll()).rejects.toMatchObject({ httpCode: '503' });
		expect(poller.staticData()).toEqual(before);

		const items = await poller.poll();
		expect(ids(items)).toEqual(Array.from({ length: 15 }, (_, n) => `n${n}`));
	});

	it('rate limits behave as in the node: a 429 waits for Retry-After, then the poll goes on', async () => {
		sb.seed('contacts', [{ name: 'seed', created_at: at(0) }]);
		const { poller } = watch();
		expect(await poller.poll()).toBeNull();
		sb.seed('contacts', [{ name: 'x', created_at: at(1) }]);
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 1 }]);
		sb.clearLog();
		expect(ids(await poller.poll())).toEqual(['x']);
		const [limited, retried] = apiRequests(sb);
		expect(limited.status).toBe(429);
		expect(retried.time - limited.time).toBeGreaterThanOrEqual(1000);
		expect(retried.early).toBe(false);
	});

	it('manual mode ("Fetch test event") returns the newest record and remembers nothing', async () => {
		sb.seed('contacts', [
			{ name: 'older', created_at: at(1) },
			{ name: 'newest', created_at: at(9) },
			{ name: 'middle', created_at: at(5) },
		]);
		const { poller } = watch();
		expect(ids(await poller.pollManually())).toEqual(['newest']);
		expect(apiRequests(sb)[0].query).toMatchObject({ sort: '-created_at', limit: '1' });
		expect(poller.staticData()['node:Flextell Trigger'] ?? {}).toEqual({});
		// Activating afterwards still starts with a silent first poll.
		expect(await poller.poll()).toBeNull();
	});

	it('manual mode on an empty list returns nothing', async () => {
		const { poller } = watch();
		expect(await poller.pollManually()).toBeNull();
	});

	it('new-or-updated: an updated record is emitted again, by updated_at', async () => {
		const [a] = sb.seed('contacts', [
			{ name: 'a', created_at: at(1), updated_at: at(1) },
			{ name: 'b', created_at: at(2), updated_at: at(2) },
		]);
		const { credentials, poller } = watch({ event: 'newOrUpdatedRecord', dateField: 'updated_at' });
		expect(await poller.poll()).toBeNull();
		expect(apiRequests(sb)[0].query.sort).toBe('-updated_at');

		const patched = await runNode({ credentials, parameters: { method: 'PATCH', path: `contacts/${a.id}`, jsonBody: '{"name":"a2"}' } });
		expect(patched.error).toBeUndefined();
		expect(ids(await poller.poll())).toEqual(['a2']);
		expect(await poller.poll()).toBeNull();
	});

	it('works with page-number and next-link pagination too', async () => {
		for (const scheme of ['page', 'link'] as const) {
			sb.reset();
			sb.configure({ pagination: scheme });
			sb.seed('contacts', [{ name: 'seed', created_at: at(0) }]);
			const { poller } = watch({ options: { pagination: scheme, pageSize: 5 } });
			expect(await poller.poll()).toBeNull();
			sb.seed('contacts', Array.from({ length: 12 }, (_, n) => ({ name: `${scheme}${n}`, created_at: at(10 + n) })));
			expect(ids(await poller.poll())).toEqual(Array.from({ length: 12 }, (_, n) => `${scheme}${n}`));
			expect(await poller.poll()).toBeNull();
		}
	});

	it('a list that does not come newest first is an error, not a silent miss', async () => {
		sb.seed('contacts', [
			{ name: 'a', created_at: at(1) },
			{ name: 'b', created_at: at(2) },
		]);
		// sortValue "created_at" asks for oldest first.
		const { poller } = watch({ options: { sortValue: 'created_at' } });
		await expect(poller.poll()).rejects.toThrow('Flextell did not return contacts newest first');
	});

	it('a record without a readable date field is a clear error', async () => {
		sb.seed('contacts', [{ name: 'a', created_at: at(1) }]);
		const { poller } = watch({ dateField: 'born', options: { sortValue: '-created_at' } });
		await expect(poller.poll()).rejects.toThrow(/has no readable "born"/);
	});
});
