/**
 * Paging 100 000 records (pages of 100) through the Flextell node in n8n's engine, against the
 * sandbox over HTTPS; and concurrency 1 vs 8 with 100 ms of sandbox latency per request.
 * Run with `npm run bench -- --only paging` (bench/run.js). Figures are printed as "BENCH {json}" lines.
 */
import { apiRequests, openSandbox } from '../scripts/lib/sandbox';
// The node runs in n8n's engine through the engine tests' runner: what this bench measures.
import { runNode } from '../test/engine/harness';
import type { Sandbox } from '../test/engine/sandbox-fixture';
import { connectedCredential, freshGates } from '../test/engine/sandbox-fixture';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const gc = (globalThis as { gc?: () => void }).gc;

function report(name: string, figures: Record<string, unknown>) {
	process.stdout.write(`BENCH ${JSON.stringify({ name, ...figures })}\n`);
}

/** Samples RSS every 20 ms while `work` runs. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
	let peak = process.memoryUsage().rss;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().rss);
	}, 20);
	try {
		const value = await work();
		peak = Math.max(peak, process.memoryUsage().rss);
		return { value, peakRss: peak };
	} finally {
		clearInterval(timer);
	}
}

let sb: Sandbox;
beforeAll(async () => {
	sb = (await openSandbox({ maxPageSize: 1000, lifetimeSeconds: 600 })) as unknown as Sandbox;
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.reset();
	freshGates();
});

it(`pages ${RECORDS} records in pages of 100`, async () => {
	for (const scheme of ['cursor', 'page', 'link'] as const) {
		sb.reset();
		sb.configure({ pagination: scheme });
		sb.seed('contacts', RECORDS);
		sb.clearLog();
		const { credentials } = connectedCredential(sb);
		gc?.();
		const rssBefore = process.memoryUsage().rss;
		const started = performance.now();
		const { value: run, peakRss } = await withPeakRss(
			async () =>
				await runNode({
					credentials,
					parameters: { method: 'GET', path: 'contacts', returnAll: true, options: { pagination: scheme, pageSize: 100 } },
				}),
		);
		const ms = performance.now() - started;
		expect(run.error).toBeUndefined();
		expect(run.items).toHaveLength(RECORDS);
		const requests = apiRequests(sb).length;
		report('paging', {
			scheme,
			records: RECORDS,
			requests,
			seconds: Math.round(ms) / 1000,
			recordsPerSecond: Math.round(RECORDS / (ms / 1000)),
			msPerPage: Math.round((ms / requests) * 100) / 100,
			rssBeforeMb: mb(rssBefore),
			peakRssMb: mb(peakRss),
			rssGrowthMb: mb(peakRss - rssBefore),
			maxRssProcessMb: mb(process.resourceUsage().maxRSS * 1024),
		});
	}
});

it('concurrency 1 vs 8 with 100 ms latency per request', async () => {
	const ITEMS = 48;
	const people = sb.seed('contacts', ITEMS);
	const { credentials } = connectedCredential(sb);
	const figures: Record<string, number> = {};
	for (const concurrency of [1, 4, 8, 16]) {
		sb.clearLog();
		sb.injectFaults(people.map(() => ({ kind: 'slow', ms: 100 })));
		const started = performance.now();
		const run = await runNode({
			credentials,
			items: people.map((p) => ({ json: { id: p.id } })),
			parameters: { method: 'GET', path: '={{ "contacts/" + $json.id }}', options: { concurrency } },
		});
		const ms = performance.now() - started;
		expect(run.error).toBeUndefined();
		expect(run.items.map((i) => i.json.id)).toEqual(people.map((p) => p.id));
		figures[`concurrency${concurrency}Seconds`] = Math.round(ms) / 1000;
	}
	report('concurrency', { items: ITEMS, latencyMs: 100, ...figures, speedup8: Math.round((figures.concurrency1Seconds / figures.concurrency8Seconds) * 10) / 10 });
});
