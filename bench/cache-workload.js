// @ts-check
// The enrichment workload of `npm run bench -- --only cache`: 1 000 items that name 50 distinct
// records (each 20 times, in a fixed shuffled order), one GET per item, against the sandbox's rate
// limit (50 requests per 5 s, Retry-After in seconds). Requests sent, wall time and 429s for the
// Flextell node with coalescing only (concurrency 4), with Cache GET Responses 60 s (concurrency 1
// and 4), n8n's HTTP Request node and axios + axios-retry. Run by bench/side-by-side.js, which owns
// n8n, the sandbox and the measuring; this file holds the workflows, the runs and the table.
'use strict';

const report = require('./lib/report');

const SIZES = { items: 1000, distinct: 50, limit: 50, windowSeconds: 5, cacheSeconds: 60 };
const QUICK_SIZES = { items: 200, distinct: 10, limit: 20, windowSeconds: 2, cacheSeconds: 60 };

/** Stable ids, so that every run finds the same records after the sandbox is reset. @param {number} n */
const recordIds = (n) => Array.from({ length: n }, (_, i) => `obj_enrich${String(i).padStart(5, '0')}`);

/**
 * Each record `items / distinct` times, shuffled with a fixed seed (the same order in every run).
 * @param {string[]} ids @param {number} items
 */
function shuffledItems(ids, items) {
	const out = Array.from({ length: items }, (_, i) => ids[i % ids.length]);
	let seed = 20261129;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

/** Round-robin: no two identical GETs among any 50 neighbours, so none are in flight together. @param {string[]} ids @param {number} items */
const roundRobinItems = (ids, items) => Array.from({ length: items }, (_, i) => ids[i % ids.length]);

/**
 * @param {typeof import('./lib/workflows')} wf @param {string} apiBase @param {boolean} quick
 * @param {typeof SIZES} [sizesGiven]  other sizes (a full `npm run bench` uses smaller ones, to fit its time)
 */
function setup(wf, apiBase, quick, sizesGiven = undefined) {
	const sizes = sizesGiven ?? (quick ? QUICK_SIZES : SIZES);
	const ids = recordIds(sizes.distinct);
	const order = shuffledItems(ids, sizes.items);
	const batching = { batchSize: sizes.limit, batchInterval: sizes.windowSeconds * 1000 };
	const flextell = (/** @type {number} */ concurrency, /** @type {number} */ cacheSeconds) => {
		const node = wf.flextellGetNode(concurrency);
		if (cacheSeconds) node.parameters.options = { ...node.parameters.options, cacheSeconds };
		return node;
	};
	const workflows = {
		cacheCoalesce4: wf.workflow('enrich flextell c4', [...wf.itemSource(order), flextell(4, 0)]),
		cacheRoundRobin4: wf.workflow('enrich flextell c4 round robin', [...wf.itemSource(roundRobinItems(ids, sizes.items)), flextell(4, 0)]),
		cacheCached1: wf.workflow('enrich flextell cache c1', [...wf.itemSource(order), flextell(1, sizes.cacheSeconds)]),
		cacheCached4: wf.workflow('enrich flextell cache c4', [...wf.itemSource(order), flextell(4, sizes.cacheSeconds)]),
		cacheHttp: wf.workflow('enrich http retry', [...wf.itemSource(order), wf.httpGetNode(apiBase, null)]),
		cacheHttpBatch: wf.workflow('enrich http batching', [...wf.itemSource(order), wf.httpGetNode(apiBase, batching)]),
	};
	const contenders = [
		{ key: 'coalesce4', label: 'Flextell node, concurrency 4, coalescing only (Cache off)', c: { kind: 'n8n', workflowId: workflows.cacheCoalesce4.id } },
		{
			key: 'roundRobin4',
			label: 'Flextell node, concurrency 4, the same items in round-robin order (no identical GETs in flight: the node without coalescing)',
			c: { kind: 'n8n', workflowId: workflows.cacheRoundRobin4.id },
		},
		{ key: 'cached1', label: `Flextell node, concurrency 1, Cache GET Responses ${sizes.cacheSeconds} s`, c: { kind: 'n8n', workflowId: workflows.cacheCached1.id } },
		{ key: 'cached4', label: `Flextell node, concurrency 4, Cache GET Responses ${sizes.cacheSeconds} s`, c: { kind: 'n8n', workflowId: workflows.cacheCached4.id } },
		{ key: 'http', label: 'HTTP Request node, Retry On Fail (5 tries, 1000 ms)', c: { kind: 'n8n', workflowId: workflows.cacheHttp.id } },
		{
			key: 'httpBatch',
			label: `HTTP Request node, Retry On Fail + Batching (${batching.batchSize} items / ${batching.batchInterval} ms)`,
			c: { kind: 'n8n', workflowId: workflows.cacheHttpBatch.id },
		},
		{ key: 'axios', label: 'axios + axios-retry (retries 5, exponentialDelay), sequential', c: { kind: 'axios', urls: order.map((id) => `${apiBase}/contacts/${id}`) } },
	];
	return { sizes, ids, workflows, contenders };
}

/**
 * One repetition: every contender once, each on a reset sandbox with the rate limit.
 * @param {{ sb: any, plan: ReturnType<typeof setup>, results: any, rep: number,
 *   runContender: (c: any, expectedItems: number, timeoutMs: number) => Promise<any>,
 *   fits: (ms: number) => boolean, remaining: () => number, skipped: string[], say: (s: string) => void }} o
 */
async function runRep(o) {
	const { sb, plan, results } = o;
	const { sizes } = plan;
	const idealUncachedS = sizes.items / (sizes.limit / sizes.windowSeconds);
	if (!results.rows) Object.assign(results, { sizes, rows: plan.contenders.map((x) => ({ key: x.key, label: x.label, runs: [] })) });
	for (const [i, x] of plan.contenders.entries()) {
		if (!o.fits(idealUncachedS * 1500 + 20_000)) {
			o.skipped.push(`cache/${x.key}/run ${o.rep + 1}`);
			continue;
		}
		sb.reset();
		sb.seed('contacts', plan.ids.map((id, n) => ({ id, name: `Contact ${n}`, company: { name: `Company ${n % 7}` } })));
		sb.configure({ pagination: 'cursor', rateLimit: { limit: sizes.limit, windowSeconds: sizes.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9 } });
		const m = await o.runContender(x.c, sizes.items, Math.min(o.remaining(), idealUncachedS * 6000 + 60_000));
		results.rows[i].runs.push(m);
		o.say(`cache ${x.key} run ${o.rep + 1}: ${report.brief(m)}`);
	}
}

const START = '<!-- cache workload: start (npm run bench -- --only cache rewrites this section) -->';
const END = '<!-- cache workload: end -->';

/**
 * `section` in place of the one between the markers in `text`, or appended when there is none.
 * @param {string} text @param {string} section
 */
function spliceSection(text, section) {
	const start = text.indexOf(START);
	const end = text.indexOf(END);
	if (start < 0 || end < start) return `${text.trimEnd()}\n\n${section}\n`;
	return text.slice(0, start) + section + text.slice(end + END.length);
}

/**
 * The Markdown section, between its markers.
 * @param {any} results @param {{ machine?: any, command?: string, quick?: boolean, reps?: number }} [data]
 */
function render(results, data = {}) {
	if (!results?.rows) return [];
	const { sizes, rows } = results;
	const { med, f, median, errorsOf } = report;
	const byKey = (/** @type {string} */ key) => rows.find((/** @type {any} */ r) => r.key === key)?.runs ?? [];
	const medOf = (/** @type {string} */ key, /** @type {string} */ field) => median(byKey(key).map((/** @type {any} */ r) => r[field]));
	const L = [START];
	L.push(`## Enrichment with the cache: ${sizes.items} GET items naming ${sizes.distinct} distinct records, limit ${sizes.limit} requests per ${sizes.windowSeconds}-second window`);
	L.push('');
	if (data.machine) {
		L.push(
			`Produced by \`${data.command}\` on ${data.machine.date}${data.quick ? ' (**quick mode: small sizes**)' : ''}, ${data.reps} repetition(s) (medians, range in brackets); ` +
				`n8n ${data.machine.n8n}; ${data.machine.pkg}; ${data.machine.axios}; load average at start ${data.machine.loadStart}.`,
		);
		L.push('');
	}
	L.push(`Each record is named ${sizes.items / sizes.distinct} times, in a fixed shuffled order; every item GETs \`contacts/<id>\`. Retry-After in seconds;`);
	L.push('token suspension off. One n8n process per run, so the cache starts empty each time. Wall time as above (the node\'s run);');
	L.push('failed = items without a result (an n8n execution that fails counts all its items). The round-robin row is the');
	L.push('same node and items in an order where no two identical GETs are ever in flight together: what the node sends');
	L.push('without coalescing (coalescing is always on and has no switch).');
	L.push('');
	L.push('Goals: with the cache, ≥ 10× fewer requests and ≥ 5× shorter wall time than the HTTP Request node (the Batching');
	L.push('row, the one that completes; the row without Batching fails its items); coalescing alone never slower than without it.');
	L.push('');
	L.push('| Contender | wall s | requests | 429s | failed items | errors |');
	L.push('|---|---|---|---|---|---|');
	for (const row of rows) {
		if (!row.runs.length) {
			L.push(`| ${row.label} | not run | | | | |`);
			continue;
		}
		L.push(`| ${row.label} | ${med(row.runs, 'wallS')} | ${med(row.runs, 'requests', 0)} | ${med(row.runs, 'r429', 0)} | ${med(row.runs, 'failed', 0)} | ${errorsOf(row.runs)} |`);
	}
	L.push('');
	const http = { requests: medOf('httpBatch', 'requests'), wallS: medOf('httpBatch', 'wallS') };
	for (const key of ['cached1', 'cached4']) {
		const requests = medOf(key, 'requests');
		const wallS = medOf(key, 'wallS');
		if (!Number.isFinite(requests)) continue;
		const fewer = http.requests / requests;
		const shorter = http.wallS / wallS;
		L.push(
			`- ${rows.find((/** @type {any} */ r) => r.key === key).label}: ${f(fewer, 1)}× fewer requests (${fewer >= 10 ? 'met' : '**missed**'}), ` +
				`${f(shorter, 1)}× shorter wall time (${shorter >= 5 ? 'met' : '**missed**'}) than the HTTP Request node with Batching.`,
		);
	}
	const with4 = medOf('coalesce4', 'wallS');
	const without4 = medOf('roundRobin4', 'wallS');
	if (Number.isFinite(with4) && Number.isFinite(without4)) {
		L.push(
			`- Coalescing only, concurrency 4: ${f(with4)} s and ${f(medOf('coalesce4', 'requests'), 0)} requests, against ${f(without4)} s and ` +
				`${f(medOf('roundRobin4', 'requests'), 0)} requests without identical GETs in flight: ${with4 <= without4 ? 'not slower (met)' : '**slower (missed)**'}.`,
		);
	}
	L.push(END);
	return L;
}

module.exports = { setup, runRep, render, spliceSection, SIZES, QUICK_SIZES, shuffledItems };
