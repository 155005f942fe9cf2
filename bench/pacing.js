// @ts-check
// The pacing workload group of `npm run bench` (`--only pacing`): the rate-limited run of the
// `rate` group (same items, same limit and window) against each rate-limit header style and each
// limiter of the sandbox, the Flextell node at concurrency 1 and 4 beside today's peers, and a run
// without any limit. Its tables go under their own heading in docs/benchmarks.md, between the
// markers below, so a run of this group alone leaves the other tables as they are.
'use strict';
const report = require('./lib/report');

const START = '<!-- pacing:start -->';
const END = '<!-- pacing:end -->';

/**
 * Workloads: what the sandbox does, and which goal of the issue applies.
 * Peers ignore rate-limit headers, so they run on the header-less rows only (a header row's
 * limiter has such a row: the peers' figures there are theirs for the header rows too).
 */
const WORKLOADS = [
	{ key: 'ietf-fixed', label: 'IETF RateLimit + RateLimit-Policy, fixed window', rateLimit: { headers: 'ietf', limiter: 'fixed' }, goal: 'headers' },
	{ key: 'draft-fixed', label: 'RateLimit-Limit/-Remaining/-Reset (earlier draft), fixed window', rateLimit: { headers: 'draft', limiter: 'fixed' }, goal: 'headers' },
	{ key: 'x-fixed', label: 'X-RateLimit-* (reset in seconds to go), fixed window', rateLimit: { headers: 'x', limiter: 'fixed' }, goal: 'headers' },
	{ key: 'x-epoch-fixed', label: 'X-RateLimit-* (reset as epoch seconds), fixed window', rateLimit: { headers: 'x-epoch', limiter: 'fixed' }, goal: 'headers' },
	{ key: 'ietf-sliding', label: 'IETF RateLimit headers, sliding window', rateLimit: { headers: 'ietf', limiter: 'sliding' }, goal: 'headers' },
	{ key: 'ietf-bucket', label: 'IETF RateLimit headers, token bucket', rateLimit: { headers: 'ietf', limiter: 'token-bucket' }, goal: 'headers' },
	{ key: 'ra-fixed', label: 'Retry-After only, fixed window', rateLimit: { limiter: 'fixed' }, goal: 'retry-after', peers: true },
	{ key: 'ra-sliding', label: 'Retry-After only, sliding window', rateLimit: { limiter: 'sliding' }, goal: 'retry-after', peers: true },
	{ key: 'ra-bucket', label: 'Retry-After only, token bucket', rateLimit: { limiter: 'token-bucket' }, goal: 'retry-after', peers: true },
	{ key: 'none-fixed', label: 'no Retry-After, no headers, fixed window', rateLimit: { limiter: 'fixed', retryAfter: 'none' }, goal: 'none', peers: true },
	{ key: 'unlimited', label: 'no limit at all', rateLimit: null, goal: 'unlimited' },
];

/**
 * Limit and window of the group: those of the `rate` group, except in --quick mode, where n8n's
 * own per-request time (≈0.1 s on a busy 2-core machine) would bound a 20-per-2-s run before the
 * limit does: 10 per 2 s keeps the limit the bound.
 * @param {{ rateItems: number, limit: number, windowSeconds: number }} sizes @param {boolean} quick
 */
function sizesOf(sizes, quick) {
	return quick ? { rateItems: sizes.rateItems, limit: 10, windowSeconds: 2 } : { rateItems: sizes.rateItems, limit: sizes.limit, windowSeconds: sizes.windowSeconds };
}

/**
 * The group's own workflow: HTTP Request with Batching set to its limit and window.
 * @param {any} wf bench/lib/workflows @param {string[]} rateIds @param {string} apiBase @param {any} sizes the group's sizes
 */
function workflows(wf, rateIds, apiBase, sizes) {
	const batching = { batchSize: sizes.limit, batchInterval: sizes.windowSeconds * 1000 };
	return { pacingHttpBatch: wf.workflow('pacing http batching', [...wf.itemSource(rateIds), wf.httpGetNode(apiBase, batching)]) };
}

/**
 * The contenders, from the `rate` group's workflows (bench/side-by-side.js imports them).
 * @param {any} W @param {string[]} urls
 */
function contenders(W, urls) {
	return [
		{ key: 'flextell1', label: 'Flextell node, concurrency 1', c: { kind: 'n8n', workflowId: W.rateFlextell1.id } },
		{ key: 'flextell4', label: 'Flextell node, concurrency 4', c: { kind: 'n8n', workflowId: W.rateFlextell4.id } },
		{ key: 'http', label: 'HTTP Request node, Retry On Fail (5 tries, 1000 ms)', peer: true, c: { kind: 'n8n', workflowId: W.rateHttp.id } },
		{ key: 'httpBatch', label: 'HTTP Request node, Retry On Fail + Batching (limit items / window)', peer: true, c: { kind: 'n8n', workflowId: W.pacingHttpBatch.id } },
		{ key: 'axios', label: 'axios + axios-retry (retries 5, exponentialDelay), sequential', peer: true, c: { kind: 'axios', urls } },
	];
}

/**
 * What the shared gate costs a request that meets no limit: `requests` passes (and answers)
 * through a fresh gate of the built package, in this process, in µs each (the better of two rounds).
 * @param {number} [requests]
 */
async function gateCost(requests = 100_000) {
	const { RateGate } = require('../dist/nodes/shared/transport/rate-gate.js');
	let best = Infinity;
	for (let round = 0; round < 2; round++) {
		const gate = new RateGate();
		const t0 = performance.now();
		for (let i = 0; i < requests; i++) {
			const passed = await gate.pass(300_000);
			gate.answered(passed.ticket, { rateLimited: false, succeeded: true });
		}
		best = Math.min(best, ((performance.now() - t0) * 1000) / requests);
	}
	return { requests, usEach: best };
}

/**
 * Runs the group; fills `results.pacing`.
 * @param {{ sb: any, W: any, apiBase: string, rateIds: string[], sizes: any, reps: number, results: any, skipped: string[],
 *   runContender: Function, seedIds: Function, fits: (ms: number) => boolean, remaining: () => number, say: (s: string) => void }} ctx
 */
async function runPacing(ctx) {
	const { sb, W, apiBase, rateIds, sizes, say } = ctx;
	const idealS = sizes.rateItems / (sizes.limit / sizes.windowSeconds);
	const all = contenders(W, rateIds.map((id) => `${apiBase}/contacts/${id}`));
	const group = {
		idealS,
		items: sizes.rateItems,
		limit: sizes.limit,
		windowSeconds: sizes.windowSeconds,
		workloads: /** @type {any[]} */ ([]),
		/** @type {{ requests: number, usEach: number } | undefined} */ gateCost: undefined,
	};
	ctx.results.pacing = group;
	group.gateCost = await gateCost();
	say(`pacing: the gate costs ${f(group.gateCost.usEach)} µs per request that meets no limit`);
	for (const wl of WORKLOADS) {
		const rows = all.filter((x) => !x.peer || wl.peers).map((x) => ({ key: x.key, label: x.label, runs: /** @type {any[]} */ ([]) }));
		group.workloads.push({ key: wl.key, label: wl.label, goal: wl.goal, rows });
	}
	for (let rep = 0; rep < ctx.reps; rep++) {
		for (const [w, wl] of WORKLOADS.entries()) {
			for (const row of group.workloads[w].rows) {
				const x = /** @type {any} */ (all.find((c) => c.key === row.key));
				if (!ctx.fits(idealS * 1500 + 20_000)) {
					ctx.skipped.push(`pacing/${wl.key}/${x.key}/run ${rep + 1}`);
					continue;
				}
				sb.reset();
				ctx.seedIds(rateIds);
				sb.configure({
					pagination: 'cursor',
					rateLimit: wl.rateLimit && { limit: sizes.limit, windowSeconds: sizes.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9, ...wl.rateLimit },
				});
				const m = await ctx.runContender(x.c, sizes.rateItems, Math.min(ctx.remaining(), idealS * 6000 + 60_000));
				row.runs.push(m);
				say(`pacing ${wl.key} ${x.key} run ${rep + 1}: ${report.brief(m, idealS)}`);
			}
		}
	}
}

const f = (/** @type {number} */ x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
/** @param {any[]} runs @param {string} k */
const med = (runs, k) => report.median(runs.map((r) => r[k]).filter((x) => Number.isFinite(x)));

/**
 * The goal of the issue for one Flextell row: [wall ÷ ideal limit, 429 limit, early limit] and whether each is met.
 * @param {string} goal @param {any} m medians @param {number} idealS @param {any} axios429 axios-retry's median 429s on this workload
 */
function goalOf(goal, m, idealS, axios429) {
	const ratio = m.wallS / idealS;
	switch (goal) {
		case 'headers':
			return [`ratio ≤ 1.05 ${mark(ratio <= 1.05)}`, `0 × 429 ${mark(m.r429 === 0)}`, `0 early ${mark(m.early === 0)}`];
		case 'retry-after':
			return [`ratio ≤ 1.05 ${mark(ratio <= 1.05)}`, `≤ 1 × 429 ${mark(m.r429 <= 1)}`, `0 started early ${mark(m.early - m.earlyInFlight === 0)}`];
		case 'none':
			return [`ratio ≤ 1.10 ${mark(ratio <= 1.1)}`, `fewer 429s than axios-retry (${f(axios429, 0)}) ${mark(Number.isFinite(axios429) && m.r429 < axios429)}`];
		default:
			return [`0 × 429 ${mark(m.r429 === 0)}`, 'wall ≤ 1.02 × the figure before pacing: see "What pacing costs" below'];
	}
}
const mark = (/** @type {boolean} */ ok) => (ok ? 'met' : '**missed**');

/** The group's section of docs/benchmarks.md. @param {any} data the bench's data (data.results.pacing) */
function renderPacing(data) {
	const g = data.results?.pacing;
	if (!g) return '';
	const out = [
		START,
		'## Pacing: rate-limit headers, limiters, and learning the limit',
		'',
		`Produced by \`${data.full ? data.command : `npm run bench -- ${data.quick ? '--quick ' : ''}--only pacing`}\` on ${data.machine?.date ?? '?'} (${data.reps} repetition(s); medians, ranges in brackets),`,
		`load average at start ${data.machine?.loadStart ?? '?'}, at end ${data.machine?.loadEnd ?? '?'} (2 cores shared with other work).`,
		`${g.items} GET items, limit ${g.limit} requests per ${g.windowSeconds} s, Retry-After in seconds on every 429 unless the row says otherwise;`,
		`ideal wall time = ${g.items} / (${g.limit} / ${g.windowSeconds} s) = ${f(g.idealS, 1)} s. Each n8n run is a fresh process, so each run learns the limit anew.`,
		'"early" = requests the sandbox received before the moment its last 429 allowed; "in flight" = those that arrived',
		'within 50 ms of the first 429 of their hold (already on their way: the only early requests allowed).',
		'Peers ignore rate-limit headers and run on the header-less rows; for a header row, the peers\' figures are those of',
		'the "Retry-After only" row of the same limiter.',
		'',
		'| Workload | Contender | wall s | wall ÷ ideal | requests | 429s | early | in flight | failed items | goals (Flextell rows) |',
		'|---|---|---|---|---|---|---|---|---|---|',
	];
	for (const wl of g.workloads) {
		const axiosRow = wl.rows.find((/** @type {any} */ r) => r.key === 'axios');
		const axios429 = axiosRow?.runs.length ? med(axiosRow.runs, 'r429') : NaN;
		for (const row of wl.rows) {
			if (!row.runs.length) {
				out.push(`| ${wl.label} | ${row.label} | not run (time budget) | | | | | | | |`);
				continue;
			}
			const m = Object.fromEntries(['wallS', 'requests', 'r429', 'early', 'earlyInFlight', 'failed'].map((k) => [k, med(row.runs, k)]));
			const range = row.runs.length > 1 ? ` (${f(Math.min(...row.runs.map((/** @type {any} */ r) => r.wallS)))}–${f(Math.max(...row.runs.map((/** @type {any} */ r) => r.wallS)))})` : '';
			const ratio = wl.goal === 'unlimited' ? '–' : f(m.wallS / g.idealS);
			const goals = row.key.startsWith('flextell') ? goalOf(wl.goal, m, g.idealS, axios429).join('; ') : '';
			out.push(
				`| ${wl.label} | ${row.label} | ${f(m.wallS)}${range} | ${ratio}${m.failed > 0 ? ' †' : ''} | ${f(m.requests, 0)} | ${f(m.r429, 0)} | ${f(m.early, 0)} | ${f(m.earlyInFlight, 0)} | ${f(m.failed, 0)} | ${goals} |`,
			);
		}
	}
	out.push('', '† items failed: the wall time runs until the node gave up, so the ratio says nothing about throughput.');
	out.push('', ...boundsOf(g));
	if (data.skipped?.length) out.push('', `Skipped for the time budget: ${data.skipped.join(', ')}.`);
	out.push('', END);
	return out.join('\n');
}

/**
 * What bounds the figures, with this run's own numbers where they say it.
 * @param {any} g results.pacing
 */
function boundsOf(g) {
	const wall = (/** @type {string} */ wl, /** @type {string} */ key) => {
		const row = g.workloads.find((/** @type {any} */ w) => w.key === wl)?.rows.find((/** @type {any} */ r) => r.key === key);
		return row?.runs.length ? med(row.runs, 'wallS') : NaN;
	};
	const free1 = wall('unlimited', 'flextell1');
	const free4 = wall('unlimited', 'flextell4');
	return [
		'### What bounds the pacing figures',
		'',
		`- **The ideal is ${f(g.items / g.limit, 0)} full windows.** A window that starts with the first request (the sandbox's fixed`,
		'  window, and a sliding window) lets the last window\'s requests go at once, so a client that loses nothing ends one',
		'  window early, less its own time for those requests: ratios below 1 are the limiter\'s shape, not a faster client.',
		`- **n8n's own time per request.** Without any limit the Flextell node needed ${f(free1)} s (concurrency 1) and ${f(free4)} s`,
		`  (concurrency 4) for the ${g.items} requests, ${f(free1 / g.idealS)} and ${f(free4 / g.idealS)} of the ideal time of the limited runs: a ratio`,
		'  close to that is the node being as fast as n8n lets it, not the pacing.',
		...(g.gateCost
			? [
					`- **What pacing costs a run that meets no limit** (goal: ≤ 1.02 × the figure before pacing): ${f(g.gateCost.usEach)} µs per request,`,
					`  measured in the bench's own process through a fresh gate of the built package (${g.gateCost.requests} requests), against n8n's`,
					`  ${f((free1 * 1000) / g.items, 1)} ms per request in the unlimited run above: ${f((g.gateCost.usEach / ((free1 * 1e6) / g.items)) * 100, 3)} % of it. Nothing is paced before the first 429.`,
				]
			: []),
		'- **Retry-After and the rate-limit headers count whole seconds, rounded up.** A hold on a spent allowance lasts until the',
		'  named reset, up to a second after the window really ends; the learned window is taken as the whole seconds that fit,',
		'  so pacing itself loses little, but the one hold of the first rate-limited round carries that rounding.',
		`- **A reset given as epoch seconds** (\`X-RateLimit-Reset\` as a moment) names the next whole second of the clock after`,
		'  the real reset, and the node holds until then (earlier would risk the 429 the header is there to avoid). The',
		"  sandbox's fixed window starts with the first request after the last one ended, that is just after a whole second, so",
		`  every hold but the first loses almost a whole second: ${f(g.windowSeconds + 1, 0)} s per ${f(g.windowSeconds, 0)}-s window. Seconds to go, read on`,
		"  each answer, lose only the rounding of the last answer of each window. A clock-aligned window (the usual one with",
		'  epoch resets) ends on the whole second and loses nothing.',
		'- **The first rate-limited round.** Without headers nobody can know the limit before the first 429; at concurrency 4 the',
		'  requests already on their way when it came back meet the limit too (the "in flight" column): up to 4 × 429 in that',
		'  round, none started after it. A token bucket teaches its capacity in that round and its refill rate in a second one',
		'  (a burst and a steady rate look alike in the first).',
		'- **Probes (issue 23).** What a 429 teaches is a budget, not the limit (another n8n worker may have spent the rest), so a',
		'  run held back by its budget sends one request past it in each paced window (after four in a row that find no room,',
		'  2, 4 and 8 windows apart); alone, none finds room: 2 more 429s in these 4-window runs (3 at concurrency 1 with the',
		'  learning one; 1 before probes). Until a probe finds room, each goes at the moment whose Retry-After (whole seconds)',
		'  ends just before the budget\'s next place, so alone they cost no wall (Retry-After only, fixed window, concurrency 1:',
		'  9.99 s before probes, 10.74 s with probes that did not wait for that moment, on 2026-12-07). The goal "≤ 1 × 429 per',
		'  run" of the one-process rows is therefore missed by the probes\' 2, the price of finding the room another worker',
		'  leaves (docs/pacing.md); no probe goes while the server names no Retry-After.',
		'- **Without Retry-After** the end of the window is only known to lie between the last request limited and the first',
		'  one through again after the backoff; the learned window is the whole seconds in that range (the time to that',
		'  success when there are none), and the exponential backoff of the probes makes the range wide.',
		'- **"Started early" is read from arrivals.** The sandbox sees when a request arrives, not when n8n started it: an',
		'  early request that arrived more than 50 ms after the 429 is counted as started early here, though on a busy machine',
		'  n8n\'s request path (credential, new TLS connection) alone can take longer than that. The gate never lets a request',
		'  start once it has seen a 429 or a spent allowance before the allowed moment (it decides and records each start with',
		'  no await between); the engine tests check it per limiter.',
		'- Times are medians of few runs on a 2-core machine shared with other work (the load averages above); the ranges',
		'  show how much they moved, and a single run moves more than the differences between the rows.',
	];
}

/**
 * Puts the section into `text` (an existing docs/benchmarks.md): between the markers when they
 * are there, else at the end.
 * @param {string} text @param {string} section
 */
function spliceSection(text, section) {
	const a = text.indexOf(START);
	const b = text.indexOf(END);
	if (a >= 0 && b > a) return text.slice(0, a) + section + text.slice(b + END.length);
	return `${text.replace(/\s*$/, '')}\n\n${section}\n`;
}

module.exports = { WORKLOADS, sizesOf, workflows, runPacing, renderPacing, spliceSection, gateCost };
