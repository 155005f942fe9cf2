/**
 * options.concurrency in n8n's engine against the sandbox: order, pairing, continue-on-fail, and
 * one 429 gate for every request in flight.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

import { runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

function seedPeople(count: number) {
	return sb.seed('contacts', Array.from({ length: count }, (_, n) => ({ name: `p${n}`, n })));
}

const getEach = (ids: string[]) => ({
	items: ids.map((id) => ({ json: { id } })),
	parameters: (concurrency: number) => ({
		method: 'GET',
		path: '={{ "contacts/" + $json.id }}',
		options: { concurrency },
	}),
});

/**
 * The API requests this process sends and the answers it gets, in the order it sees them (from
 * Node's http client diagnostics channel).
 */
function watchApiRequests() {
	const list: Array<{ kind: 'sent'; id: number } | { kind: 'answered'; id: number; status: number }> = [];
	let next = 0;
	const onStart = (message: unknown) => {
		const request = (message as { request: ClientRequest }).request;
		if (!request.path.startsWith('/api/')) return;
		const id = next++;
		list.push({ kind: 'sent', id });
		request.once('response', (response) => list.push({ kind: 'answered', id, status: response.statusCode ?? 0 }));
	};
	diagnostics.subscribe('http.client.request.start', onStart);
	return { list, stop: () => diagnostics.unsubscribe('http.client.request.start', onStart) };
}

describe('Concurrency', () => {
	it('keeps output order and pairedItem while later items finish first, and runs items side by side (real time)', async () => {
		const people = seedPeople(6);
		// The first items answer slowest (1000 ms … 500 ms), so they finish last.
		sb.injectFaults(people.map((p, i) => ({ kind: 'slow', ms: 1000 - i * 100, match: { path: `/api/v0.0.1/contacts/${p.id}` } })));
		const { credentials } = connectedCredential(sb);
		const run = getEach(people.map((p) => p.id));
		const { items, error } = await runNode({ credentials, items: run.items, parameters: run.parameters(6) });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.n)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(items.map((i) => (i.pairedItem as { item: number }).item)).toEqual([0, 1, 2, 3, 4, 5]);
		// All six arrived before the quickest answer (500 ms) could have come back: side by side.
		const arrivals = apiRequests(sb).map((r) => r.time as number);
		expect(arrivals).toHaveLength(6);
		expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(500);
	});

	it('never has more than the configured number of requests in flight (real time)', async () => {
		const people = seedPeople(6);
		sb.injectFaults(people.map((p) => ({ kind: 'slow', ms: 500, match: { path: `/api/v0.0.1/contacts/${p.id}` } })));
		const { credentials } = connectedCredential(sb);
		const run = getEach(people.map((p) => p.id));
		const { items } = await runNode({ credentials, items: run.items, parameters: run.parameters(2) });
		expect(items).toHaveLength(6);
		const arrivals = apiRequests(sb).map((r) => r.time as number).sort((a, b) => a - b);
		// Two at a time: the second arrives while the first is still being answered…
		expect(arrivals[1] - arrivals[0]).toBeLessThan(500);
		// …and each later one only after an earlier one was answered (500 ms after it arrived).
		for (let k = 2; k < arrivals.length; k++) expect(arrivals[k] - arrivals[k - 2]).toBeGreaterThanOrEqual(500);
	});

	it('continue-on-fail: a failed item gets its error item in its place, the others go on', async () => {
		const people = seedPeople(4);
		const ids = people.map((p) => p.id);
		ids[1] = 'obj_missing';
		const { credentials } = connectedCredential(sb);
		const run = getEach(ids);
		const { items, error } = await runNode({ credentials, items: run.items, parameters: run.parameters(4), continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.n ?? (i.json.error as { statusCode?: number } | undefined)?.statusCode)).toEqual([0, 404, 2, 3]);
		expect(items.map((i) => (i.pairedItem as { item: number }).item)).toEqual([0, 1, 2, 3]);
	});

	it('without continue-on-fail the first failing item stops the node with its error', async () => {
		const people = seedPeople(4);
		const ids = people.map((p) => p.id);
		ids[2] = 'obj_missing';
		const { credentials } = connectedCredential(sb);
		const run = getEach(ids);
		const { error } = await runNode({ credentials, items: run.items, parameters: run.parameters(4) });
		expect(error?.httpCode).toBe('404');
		expect((error?.context as { itemIndex?: number })?.itemIndex).toBe(2);
	});

	it('all requests in flight share the 429 gate: after the 429s none is sent before Retry-After', async () => {
		const people = seedPeople(8);
		// The first four requests (all in flight together) get 429 with Retry-After: 2.
		sb.injectFaults([1, 2, 3, 4].map(() => ({ kind: 'rate_limit', retryAfter: 2 })));
		const { credentials } = connectedCredential(sb);
		const run = getEach(people.map((p) => p.id));
		const { items, error } = await runNode({ credentials, items: run.items, parameters: run.parameters(4) });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

		const requests = apiRequests(sb);
		const limited = requests.filter((r) => r.status === 429);
		expect(limited).toHaveLength(4);
		const after = requests.filter((r) => r.status !== 429);
		expect(after).toHaveLength(8);
		const lastMoment = Math.max(...limited.map((r) => r.time as number)) + 2000;
		for (const request of after) {
			expect(request.early).toBe(false);
			expect(request.time).toBeGreaterThanOrEqual(lastMoment);
		}
	});

	it('concurrency above 16 is refused with a clear error', async () => {
		const people = seedPeople(2);
		const { credentials } = connectedCredential(sb);
		const run = getEach(people.map((p) => p.id));
		const { error } = await runNode({ credentials, items: run.items, parameters: run.parameters(17) });
		expect(error?.message).toBe('The option Concurrency must be a number from 1 to 16');
		expect(apiRequests(sb)).toHaveLength(0);
	});

	it('without Retry-After, concurrent items back off together and one probe tests the limit', async () => {
		const ids = seedPeople(16).map((p) => p.id);
		sb.configure({ rateLimit: { limit: 4, windowSeconds: 1, retryAfter: 'none', suspendAfter: 1000 } });
		const { credentials } = connectedCredential(sb);
		const run = getEach(ids);
		const events = watchApiRequests();
		let outcome;
		try {
			outcome = await runNode({ credentials, items: run.items, parameters: run.parameters(4) });
		} finally {
			events.stop();
		}
		const { items, error } = outcome;
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.id)).toEqual(ids);

		const limited = apiRequests(sb).filter((r) => r.status === 429);
		expect(limited.length).toBeGreaterThan(0);
		// Judged by what the node saw, in the order it saw it (not by gaps in time, which a loaded
		// machine stretches): once a 429 came back, and until a success did, the requests sent are
		// sent one at a time, each after the answer to the one before (a lone probe). Requests
		// already in flight when the 429 came back are not sent after it.
		let limitedSinceSuccess = false;
		const probes = new Set<number>();
		for (const event of events.list) {
			if (event.kind === 'sent') {
				if (!limitedSinceSuccess) continue;
				expect({ probesInFlight: probes.size }).toEqual({ probesInFlight: 0 });
				probes.add(event.id);
			} else {
				probes.delete(event.id);
				if (event.status === 429) limitedSinceSuccess = true;
				if (event.status === 200) {
					limitedSinceSuccess = false;
					probes.clear();
				}
			}
		}
		expect(limited.length).toBeLessThanOrEqual(12);
	}, 30_000);
});
