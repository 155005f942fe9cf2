/**
 * The Flextell Trigger when polls overlap or run long, through n8n-core against the sandbox:
 * n8n starts a poll on every tick even while the previous one of the same trigger still runs, so
 * a slow, rate-limited or failing list must never make a record come out twice, and a poll must
 * end within a budget tied to its schedule, keeping the watermark.
 */
import { sleep } from 'n8n-workflow';

import { n8nLogger } from './harness';
import { makePoller } from './poll-harness';
import type { PollerOptions } from './poll-harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';
import { engineClock } from './virtual-time';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());
const clock = engineClock();

const sb = useSandbox();

const LIST = { method: 'GET', path: '/api/v0.0.1/contacts' };
const STATE = 'node:Flextell Trigger';
/** Poll Times: one entry per fixed second (0, 10, … 50): a poll every 10 s. */
const EVERY_10_SECONDS = { item: [0, 10, 20, 30, 40, 50].map((s) => ({ mode: 'custom', cronExpression: `${s} * * * * *` })) };

type Items = Array<{ json: Record<string, unknown> }> | null;
const names = (items: Items) => (items ?? []).map((i) => String(i.json.name));

function watch(parameters: Record<string, unknown> = {}, options: Partial<PollerOptions> = {}) {
	const { credentials } = connectedCredential(sb);
	return makePoller({ credentials, parameters: { path: 'contacts', event: 'newRecord', ...parameters }, ...options });
}

/** Waits until the sandbox has received `count` list requests (bounded). */
async function listRequestsArrived(count: number): Promise<void> {
	for (let waited = 0; apiRequests(sb).length < count; waited += 20) {
		if (waited > 10_000) throw new Error(`only ${apiRequests(sb).length} of ${count} list requests arrived`);
		await clock.sleep(20);
	}
}

/** Everything n8n's logger receives while `run` runs. */
async function capturingLog<T>(run: () => Promise<T>): Promise<{ result: T; logged: string[] }> {
	const logged: string[] = [];
	const logger = n8nLogger();
	const spies = (['error', 'warn', 'info', 'debug'] as const).map((level) =>
		jest.spyOn(logger, level).mockImplementation((message: string) => {
			logged.push(`${level}: ${message}`);
		}),
	);
	try {
		return { result: await run(), logged };
	} finally {
		for (const spy of spies) spy.mockRestore();
	}
}

/** Counts how often each name was emitted over all polls. */
function tally(...polls: Items[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const name of polls.flatMap(names)) counts[name] = (counts[name] ?? 0) + 1;
	return counts;
}

const once = (...list: string[]) => Object.fromEntries(list.map((name) => [name, 1]));

describe('Flextell Trigger: overlapping polls', () => {
	it('a poll that finds another poll of its trigger running ends at once, emits nothing, and says so in the log (real time)', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		const poller = watch();
		expect(await poller.poll()).toBeNull();
		sb.seed('contacts', [{ name: 'a1' }, { name: 'a2' }]);
		sb.clearLog();

		sb.injectFaults([{ kind: 'slow', ms: 1500, match: LIST }]);
		const { result, logged } = await capturingLog(async () => {
			const first = poller.poll();
			await listRequestsArrived(1);
			const startedAt = clock.now();
			const second = await poller.poll();
			const secondTookMs = clock.now() - startedAt;
			return { first: await first, second, secondTookMs };
		});

		expect(result.second).toBeNull();
		expect(names(result.first)).toEqual(['a1', 'a2']);
		// The second poll sent nothing: the one list request is the first poll's.
		expect(apiRequests(sb)).toHaveLength(1);
		// It did not wait for the first (which was held for 1.5 s by the sandbox).
		expect(result.secondTookMs).toBeLessThan(1500);
		expect(logged.some((line) => /^info: .*"Flextell Trigger".*previous poll of this trigger is still running/.test(line))).toBe(true);
		expect(await poller.poll()).toBeNull();
	});

	it('polls that keep starting while one retries through 500s and a 429: every record exactly once', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		const poller = watch();
		expect(await poller.poll()).toBeNull();

		sb.seed('contacts', [{ name: 'b1' }, { name: 'b2' }]);
		sb.injectFaults([
			{ kind: 'status', status: 500, match: LIST },
			{ kind: 'status', status: 500, match: LIST },
			{ kind: 'rate_limit', retryAfter: 1, match: LIST },
		]);
		sb.clearLog();
		const long = poller.poll();
		const during: Array<Promise<Items>> = [];
		for (let tick = 0; tick < 6; tick++) {
			await clock.sleep(250);
			if (tick === 2) sb.seed('contacts', [{ name: 'b3' }]);
			during.push(poller.poll());
		}
		const results = [await long, ...(await Promise.all(during))];
		// Only the long poll fetched; every other one ended at once.
		expect(results.slice(1).every((items) => items === null)).toBe(true);
		const after = [await poller.poll(), await poller.poll()];

		expect(tally(...results, ...after)).toEqual(once('b1', 'b2', 'b3'));
		const statuses = apiRequests(sb).map((entry) => entry.status);
		expect(statuses.slice(0, 4)).toEqual([500, 500, 429, 200]);
		expect(apiRequests(sb).some((entry) => entry.early)).toBe(false);
	});

	it('a restart while a poll is in flight (after its fetch, before n8n emits): nothing lost, nothing twice (real time)', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		const poller = watch();
		expect(await poller.poll()).toBeNull();
		const saved = poller.savedStaticData();
		expect((saved[STATE] as Record<string, unknown>).watermark).toBeDefined();

		sb.seed('contacts', [{ name: 'c1' }, { name: 'c2' }]);
		sb.injectFaults([{ kind: 'slow', ms: 500, match: LIST }]);
		const inFlight = poller.poll();
		await listRequestsArrived(2);
		// The process dies: what the in-flight poll fetched never reaches n8n.
		poller.restart();
		await inFlight;
		expect(poller.savedStaticData()).toEqual(saved);
		expect(poller.staticData()).toEqual(saved);

		expect(names(await poller.poll())).toEqual(['c1', 'c2']);
		expect(await poller.poll()).toBeNull();
		poller.restart();
		expect(await poller.poll()).toBeNull();
	});
});

describe('Flextell Trigger: the poll budget', () => {
	it('a Retry-After longer than the budget from the Poll Times fails the poll at once, naming the budget; the watermark stays', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		// Polls every 10 s: the budget is 10 s minus a 2 s margin.
		const poller = watch({ pollTimes: EVERY_10_SECONDS });
		expect(await poller.poll()).toBeNull();
		const before = poller.staticData();
		sb.seed('contacts', [{ name: 'd1' }]);
		sb.clearLog();
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 9, match: LIST }]);

		const failure = await poller.poll().catch((error: unknown) => error as Error & { description?: string });
		expect(failure).toBeInstanceOf(Error);
		expect((failure as Error).message).toBe('The poll of contacts did not finish within its time budget of 8 s');
		expect((failure as { description: string }).description).toMatch(/^Stopped at: GET \/api\/v0\.0\.1\/contacts: waiting 9000 ms before retry 1\. Field: Poll Times\. .*here 10 s/);
		// It did not wait: one request, and the Retry-After moment has not come.
		expect(apiRequests(sb)).toHaveLength(1);
		expect(poller.staticData()).toEqual(before);
	});

	it('a list failing for longer than the budget: a clear error, nothing sent after the budget, the watermark kept; after recovery each record once', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		const poller = watch({ options: { maxRetries: 10 } }, { engineBudgetMs: 2500 });
		expect(await poller.poll()).toBeNull();
		const before = poller.staticData();
		const records = sb.seed('contacts', [{ name: 'e1' }, { name: 'e2' }]);
		sb.clearLog();
		sb.injectFaults(Array.from({ length: 12 }, () => ({ kind: 'status', status: 500, match: LIST })));

		await expect(poller.poll()).rejects.toThrow('The poll of contacts did not finish within its time budget of 2.5 s');
		const sent = apiRequests(sb);
		expect(sent.length).toBeGreaterThanOrEqual(2);
		expect(sent.every((entry) => entry.status === 500)).toBe(true);
		// Each retry waited its backoff, and none went out after the budget (slack for a loaded machine).
		expect(sent[sent.length - 1].time - sent[0].time).toBeLessThan(2500 + 1000);
		expect(poller.staticData()).toEqual(before);

		// Flextell recovers (the sandbox forgets the remaining faults; the same records are back).
		sb.reset();
		sb.seed('contacts', records);
		const recovered = [await poller.poll(), await poller.poll()];
		expect(tally(...recovered)).toEqual(once('e1', 'e2'));
	});

	it('a slow answer is cut at the budget: the poll fails naming the budget instead of waiting out the request timeout (real time)', async () => {
		sb.seed('contacts', [{ name: 'seed' }]);
		const poller = watch({ options: { timeout: 60_000 } }, { engineBudgetMs: 1500 });
		expect(await poller.poll()).toBeNull();
		const before = poller.staticData();
		sb.seed('contacts', [{ name: 'f1' }]);
		sb.injectFaults([{ kind: 'slow', ms: 4000, match: LIST }]);

		const startedAt = Date.now();
		await expect(poller.poll()).rejects.toThrow('The poll of contacts did not finish within its time budget of 1.5 s');
		expect(Date.now() - startedAt).toBeLessThan(4000);
		expect(poller.staticData()).toEqual(before);
		await sleep(2600);
		expect(names(await poller.poll())).toEqual(['f1']);
	});
});
