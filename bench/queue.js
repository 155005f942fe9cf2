// @ts-check
// The queue-mode workload group of `npm run bench` (`--only queue`): the rate-limited run in n8n's
// queue mode — a main instance and two workers on PostgreSQL and Redis (scripts/lib/queue.js, as
// the demo and the e2e suite run it) — in the shape users meet:
//
// - one cluster, started once; the workers keep running across the runs, so what a worker's gate
//   learned in one run paces the next (as in production). Each window has its own credential (its
//   own token, so its own limit and its own gate per worker): a gate only ever meets one limit;
// - the second worker starts later: every execution waits first (a Wait node) for as long as the
//   webhook's body names for the worker running it — 0, 150 or 400 ms for worker-2, 0 for worker-1;
// - fixed windows of 5, 10 and 20 s, no rate-limit headers (Flextell's API documentation names only
//   Retry-After), concurrency 1 and 4; one X-RateLimit row for contrast;
// - each worker runs at most 2 executions at once, so the 4 executions of a run split 2 and 2;
// - the wall time (first API request to last) is divided by the fixed-window least: the fewest whole
//   windows the sandbox's fixed window allows for the run's requests, counted from the first request
//   (scripts/lib/rate-limit-log.js, fixedWindowLeastS).
//
// Every request carries its execution's id, so the sandbox's log tells which worker sent it: 429s
// per worker, and requests before a Retry-After — the worker's own (a 429 it got named a later
// moment) or another worker's (the token's last 429 did, which this worker never saw).
//
// Writes its section into docs/benchmarks.md between the QUEUE markers (the rest of the file
// stays), with the raw figures in docs/benchmarks-queue.json; a run is labelled (--queue-label,
// e.g. "before" / "after"), and a run of a label replaces that label's rows only.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureN8n } = require('../scripts/ensure-n8n');
const { parseArgs } = require('../scripts/lib/args');
const n8n = require('../scripts/lib/n8n');
const { NODE_TYPE, CREDENTIAL_TYPE } = n8n;
const { startQueueCluster, jsonLines, skewNode, QUEUE_VERSION } = require('../scripts/lib/queue');
const rl = require('../scripts/lib/rate-limit-log');
const { apiRequests, openSandbox } = require('../scripts/lib/sandbox');
const { fixedId, fixedUuid, webhookWorkflow } = require('../scripts/lib/workflows');
const { markedSection } = require('./lib/sections');

const MARK_START = '<!-- QUEUE MODE: written by npm run bench -- --only queue -->';
const MARK_END = '<!-- /QUEUE MODE -->';
const marked = markedSection({ start: MARK_START, end: MARK_END });
const writeSection = marked.write;
const sectionOf = marked.read;

/** The workload: 4 executions of 30 GETs (one record each), started at once by webhooks. */
const ITEMS = 120;
const EXECUTIONS = 4;
/** Executions at once per worker: 4 executions split 2 and 2. */
const WORKER_CONCURRENCY = 2;
/** The fixed windows: 4, 3 and 2 windows' worth of requests. */
const WINDOWS = [
	{ windowSeconds: 5, limit: 30 },
	{ windowSeconds: 10, limit: 40 },
	{ windowSeconds: 20, limit: 60 },
];
const SKEWS_MS = [0, 150, 400];
const CONCURRENCY = [1, 4];
/** The contrast: X-RateLimit headers at the 10 s window, worker-2 150 ms later. */
const CONTRAST = { headers: 'x', windowSeconds: 10, limit: 40, skews: [150], concurrency: [1, 4] };
/** The issue's goal without headers: wall ≤ this × the fixed-window least. */
const GOAL = 1.2;
/** …and with rate-limit headers: wall ≤ this × the least. */
const HEADERS_GOAL = 1.1;
const LAYOUT = 3;

/** What bounds the figures: written from the measured runs (the tables above it in the page). */
const BOUNDS = [
	'- **This round\'s final rules ("this round", 1e2b84c): 18 of 18 no-header runs within 1.20 × the least** (medians',
	'  1.08 / 1.06 / 1.07 at 5 / 10 / 20 s, worst 1.12; load 0–2.3). The round before ("round 2, final", ad5751e): 17 of',
	'  18, medians 1.11 / 1.07 / 1.08, the miss 1.28 — worker-2\'s probe in a two-window run\'s last window came up to a',
	'  quarter window (5 s) after its own requests, and the room worker-1 left was used only then. A probe now waits at most',
	'  four answers\' time after the worker\'s own last answer (docs/pacing.md, rule 7). The rules before issue 23 ("before"):',
	'  0 of 18, medians 2.24 / 1.61 / 3.17. The queue suite asserts wall ≤ 1.20 × the least at 40 per 10 s, worker-2 150 ms',
	'  later, a cold and a warm run.',
	'- **Runs vary.** Which worker takes which share of the first window, and so whose probes find room, changes from run to',
	'  run; two other runs of this round\'s candidates on the same day had one run each over 1.20 (5 s, worker-2 400 ms',
	'  later, concurrency 4: 1.44 — worker-2 had met four probes in a row without room in the runs before, so its next',
	'  probes went a window apart when worker-1 finished; and 1.41 / 1.46 / 1.77 with a rule that kept the probes\' series',
	'  across a later 429, since reverted). A probe that finds room raises the budget at once; one that finds none spaces',
	'  the next out, which is what bounds such a run.',
	'- **Probing\'s price:** up to 4 × 429 per worker per run (the learning round and one probe per paced window that found',
	'  no room; 3 at most before issue 23). Requests of one worker inside another\'s hold: at most 10 per other worker per',
	'  hold (a whole burst at concurrency 4 arriving after the window reopened, in the second by which the probe\'s',
	'  Retry-After outlasts it), 1 or 2 in the other runs. Requests before a worker\'s own Retry-After: 0 in all runs.',
	'- **With X-RateLimit headers (contrast rows, 1.51 and 1.52; the goal is 1.10 ×).** Each gate keeps places of every window',
	'  for the other worker\'s requests that may be on their way (docs/pacing.md, rule 3); 120 requests at exactly 40 per',
	'  window fill 3 windows only if no place is left, so a place kept is a window more. At concurrency 4, 5 × 429 at the',
	'  run\'s start: between runs the other worker had been quiet for a window, so each forgot it, and both took the',
	'  window\'s first places at once.',
	'- **The machine.** Three n8n processes, their task runners, PostgreSQL, Redis and the sandbox on 2 cores shared with',
	'  other engineers\' benches and suites (load average in each row\'s last column). The cluster start-up took 50 s.',
];

/**
 * @typedef {{ key: string, headers: 'none' | 'x', windowSeconds: number, limit: number, skewMs: number, concurrency: number, cred: { id: string, name: string } }} Shape
 */

/** The credential of one (headers, window): its own token, so its own limit and gate. @param {string} headers @param {number} windowSeconds */
function credOf(headers, windowSeconds) {
	const key = `${headers}${windowSeconds}`;
	return { id: fixedId(`bench:queue:cred:${key}`), name: `Flextell (queue bench, ${headers === 'none' ? 'no headers' : headers}, ${windowSeconds} s)` };
}

/**
 * The runs, in order: per window all its runs one after another (its first run meets workers that
 * never met that limit; the later ones, workers that learned from the earlier runs), then the contrast.
 * @param {{ windows?: number[], skews?: number[], concurrency?: number[], contrast?: boolean }} pick
 * @returns {Shape[]}
 */
function shapesOf(pick = {}) {
	/** @type {Shape[]} */
	const out = [];
	for (const w of WINDOWS.filter((x) => !pick.windows || pick.windows.includes(x.windowSeconds))) {
		for (const skewMs of SKEWS_MS.filter((x) => !pick.skews || pick.skews.includes(x))) {
			for (const concurrency of CONCURRENCY.filter((x) => !pick.concurrency || pick.concurrency.includes(x))) {
				out.push({ key: `none-${w.windowSeconds}s-c${concurrency}-skew${skewMs}`, headers: 'none', ...w, skewMs, concurrency, cred: credOf('none', w.windowSeconds) });
			}
		}
	}
	if (pick.contrast !== false) {
		for (const skewMs of CONTRAST.skews) {
			for (const concurrency of CONTRAST.concurrency.filter((x) => !pick.concurrency || pick.concurrency.includes(x))) {
				out.push({
					key: `x-${CONTRAST.windowSeconds}s-c${concurrency}-skew${skewMs}`,
					headers: 'x',
					windowSeconds: CONTRAST.windowSeconds,
					limit: CONTRAST.limit,
					skewMs,
					concurrency,
					cred: credOf('x', CONTRAST.windowSeconds),
				});
			}
		}
	}
	return out;
}

/** The workflow of one (credential, concurrency): Webhook → Skew → Split Out → the Flextell node's GET per item. @param {{ id: string, name: string }} cred @param {number} concurrency */
function queueWorkflow(cred, concurrency) {
	const key = `${cred.id}-c${concurrency}`;
	const id = fixedId(`bench:queue:wf:${key}`);
	const headers = { header: [{ name: rl.EXECUTION_HEADER, value: '={{ $execution.id }}' }] };
	return {
		hook: `flextell-bench-queue-${key}`,
		w: webhookWorkflow(id, `bench: queue ${cred.name}, concurrency ${concurrency}`, `flextell-bench-queue-${key}`, [
			skewNode(fixedUuid(`${id}:skew`)),
			{ id: fixedUuid(`${id}:items`), name: 'Items', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'body.items', options: {} } },
			{
				id: fixedUuid(`${id}:get`),
				name: 'Get each',
				type: NODE_TYPE,
				typeVersion: 1,
				parameters: { method: 'GET', path: '=contacts/{{ $json.id }}', options: { concurrency, headers } },
				credentials: { [CREDENTIAL_TYPE]: { ...cred } },
			},
		]),
	};
}

const load = () =>
	os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ');

/**
 * Runs the group and returns its figures.
 * @param {{ shapes: Shape[], say: (s: string) => void, packDir?: string, fits: (ms: number) => boolean }} o
 */
async function runQueue(o) {
	const install = ensureN8n(QUEUE_VERSION);
	const sb = await openSandbox({ lifetimeSeconds: 7200, certDir: undefined, requiredFields: {}, maxPageSize: 1000, tokenTtlSeconds: 7 * 86400 });
	const creds = [...new Map(o.shapes.map((s) => [s.cred.id, s.cred])).values()];
	const tokens = Object.fromEntries(creds.map((c) => [c.id, sb.issueToken({ scope: 'read write', ttlSeconds: 7 * 86400 })]));
	const ids = Array.from({ length: ITEMS }, (_, i) => `obj_queue${String(i).padStart(6, '0')}`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-queue-'));
	/** @type {Map<string, { hook: string, w: any }>} */
	const flows = new Map();
	for (const s of o.shapes) {
		const k = `${s.cred.id}-c${s.concurrency}`;
		if (!flows.has(k)) flows.set(k, queueWorkflow(s.cred, s.concurrency));
	}
	for (const { w } of flows.values()) fs.writeFileSync(path.join(dir, `${w.id}.json`), JSON.stringify(w));
	const t0 = Date.now();
	o.say(`queue mode: starting PostgreSQL, Redis, n8n main and 2 workers… (load ${load()})`);
	const cluster = await startQueueCluster({
		install,
		certPath: sb.certPath,
		packDir: o.packDir,
		workers: 2,
		concurrency: WORKER_CONCURRENCY,
		extraEnv: { N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false' },
		credentials: creds.map((c) => n8n.credentialRecord({ ...c, sandbox: sb, tokens: tokens[c.id] })),
		workflowsDir: dir,
		activate: [...flows.values()].map(({ w }) => w.id),
	}).catch(async (e) => {
		await sb.close();
		fs.rmSync(dir, { recursive: true, force: true });
		throw e;
	});
	const startupS = (Date.now() - t0) / 1000;
	/** @type {any[]} */
	const runs = [];
	/** @type {Record<string, number>} runs so far per credential */
	const seen = {};
	try {
		for (const s of o.shapes) {
			const leastS = rl.fixedWindowLeastS(ITEMS, s.limit, s.windowSeconds);
			if (!o.fits(leastS * 4000 + 30_000)) {
				o.say(`queue ${s.key}: left out (time budget)`);
				continue;
			}
			sb.reset();
			sb.seed('contacts', ids.map((id, n) => ({ id, name: `Contact ${n}` })));
			sb.configure({ rateLimit: { limit: s.limit, windowSeconds: s.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9, headers: s.headers } });
			const flow = /** @type {{ hook: string }} */ (flows.get(`${s.cred.id}-c${s.concurrency}`));
			const m = await oneRun(cluster, sb, flow.hook, ids, s);
			const nth = (seen[s.cred.id] = (seen[s.cred.id] ?? 0) + 1);
			const run = { ...m, key: s.key, headers: s.headers, windowSeconds: s.windowSeconds, limit: s.limit, skewMs: s.skewMs, concurrency: s.concurrency, nth, leastS };
			runs.push(run);
			o.say(`queue ${s.key} (run ${nth} of this credential): ${brief(run)}`);
			for (const [w, rec] of Object.entries(m.workerRecords)) o.say(`  ${w}: ${recordLine(rec)}${rec.notes.length ? `; noted: ${rec.notes.join('; ')}` : ''}`);
			if (m.holdLines.length) o.say(`  holds: ${m.holdLines.join(' | ')}`);
			// the next run starts with a fresh window (sb.configure) and every gate's hold over
			await new Promise((r) => setTimeout(r, 1500));
		}
	} finally {
		await cluster.stop();
		await sb.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
	return { startupS, runs, timings: cluster.timings };
}

/** @param {any} m */
function brief(m) {
	return (
		`wall ${f(m.wallS)} s, least ${m.leastS} s, ÷ least ${f(m.wallS / m.leastS)}; ${m.requests} requests (${m.requestsPerWorker}), ` +
		`429s ${m.r429PerWorker}; before a Retry-After: own ${m.ownEarly} (in flight ${m.inFlight}), another worker's ${m.othersEarly} (most per other worker per hold ${m.maxOtherEarlyPerHold}); ` +
		`worker-2 started ${f(m.skewMeasuredMs, 0)} ms later; executions ${m.executionsPerWorker}; ok ${m.ok}, failed ${m.failed}${m.error ? ` (${m.error})` : ''}` +
		`${m.replayMismatches ? `; replay mismatches ${m.replayMismatches}` : ''}; load ${m.loadStart} → ${m.loadEnd}`
	);
}

/**
 * Posts the items in equal parts at once (one execution each), worker-2's executions starting
 * `s.skewMs` later; measures from the first API request to the last, and reads who sent what and
 * each worker's own record of the run.
 * @param {any} cluster @param {any} sb @param {string} hook @param {string[]} ids @param {Shape} s
 */
async function oneRun(cluster, sb, hook, ids, s) {
	const loadStart = load();
	const logFrom = Object.fromEntries(cluster.workers.map((/** @type {any} */ w) => [w.name, w.log().length]));
	const before = new Set(Object.keys(cluster.whoRan()));
	const per = Math.ceil(ids.length / EXECUTIONS);
	const slices = Array.from({ length: EXECUTIONS }, (_, i) => ids.slice(i * per, (i + 1) * per));
	const answers = await Promise.all(
		slices.map(async (part) => {
			const res = await fetch(`${cluster.base}/webhook/${hook}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ items: part.map((id) => ({ id })), skewMs: { 'worker-2': s.skewMs } }),
				signal: AbortSignal.timeout(300_000),
			}).catch((e) => ({ ok: false, status: 0, json: async () => String(e) }));
			const body = await res.json().catch(() => null);
			const ok = res.ok && Array.isArray(body) ? body.filter((x) => x && typeof x === 'object' && x.id).length : 0;
			return { ok, failed: part.length - ok, error: res.ok ? undefined : `webhook ${res.status}` };
		}),
	);
	const loadEnd = load();
	const api = apiRequests(sb)
		.filter((r) => r.path.startsWith('/api/'))
		.sort((a, b) => a.seq - b.seq);
	const who = cluster.whoRan();
	const fresh = Object.entries(who).filter(([id]) => !before.has(id));
	const workerOf = rl.workerByExecution(who);
	const read = rl.readRun(api, workerOf);
	const { moments, mismatches } = rl.fixedWindowMoments(api, s);
	const early = rl.earlyByWhose(api, workerOf, moments);
	const names = cluster.workers.map((/** @type {any} */ w) => w.name);
	const firstOf = (/** @type {string} */ w) => api.find((r) => workerOf(r) === w)?.time ?? NaN;
	/** @type {Record<string, any>} */
	const workerRecords = {};
	for (const w of cluster.workers) workerRecords[w.name] = workerRecord(w.log().slice(logFrom[w.name]));
	const per_ = (/** @type {(w: string) => number} */ fn) => names.map((w) => `${w} ${fn(w)}`).join(', ');
	return {
		wallS: read.wallS,
		requests: read.requests,
		r429: read.r429,
		byWorker: read.byWorker,
		requestsPerWorker: per_((w) => read.byWorker[w]?.requests ?? 0),
		r429PerWorker: per_((w) => read.byWorker[w]?.r429 ?? 0),
		max429PerWorker: read.max429PerWorker,
		unknownWorker: read.byWorker['?']?.requests ?? 0,
		ownEarly: early.own,
		inFlight: early.inFlight,
		othersEarly: early.others,
		earlyByWorker: early.byWorker,
		maxOtherEarlyPerHold: read.maxOtherEarlyPerHold,
		holds: read.holds.length,
		holdLines: rl.describeHolds(read.holds, api[0]?.time ?? 0),
		replayMismatches: mismatches,
		skewMeasuredMs: firstOf('worker-2') - firstOf('worker-1'),
		executionsPerWorker: per_((w) => fresh.filter(([, v]) => v.worker.includes(w)).length),
		ok: answers.reduce((x, a) => x + a.ok, 0),
		failed: answers.reduce((x, a) => x + a.failed, 0),
		error: answers.map((a) => a.error).filter(Boolean)[0],
		workerRecords,
		loadStart,
		loadEnd,
		date: new Date().toISOString(),
	};
}

/**
 * A worker's own record of the run: the node's log lines (one per node run, see
 * describeRateLimitDetails), summed over its executions. Fields the record does not carry stay 0.
 * @param {string} logText
 */
function workerRecord(logText) {
	const rec = { runs: 0, heldS: 0, heldByS: /** @type {Record<string, number>} */ ({}), rateLimits: 0, requests: 0, peakPerWindow: 0, windowS: 0, notes: /** @type {string[]} */ ([]) };
	for (const line of jsonLines(logText)) {
		const d = line.flextellRateLimit ?? line.metadata?.flextellRateLimit;
		if (!d) continue;
		rec.runs++;
		rec.heldS += d.heldS ?? 0;
		for (const [k, v] of Object.entries(d.heldByS ?? {})) rec.heldByS[k] = (rec.heldByS[k] ?? 0) + Number(v);
		rec.rateLimits += d.rateLimits ?? 0;
		rec.requests += d.requests ?? 0;
		rec.peakPerWindow = Math.max(rec.peakPerWindow, d.peakPerWindow ?? 0);
		rec.windowS = Math.max(rec.windowS, d.windowS ?? 0);
		for (const n of d.notes ?? []) if (!rec.notes.includes(n)) rec.notes.push(n);
	}
	rec.notes.sort();
	return rec;
}

/** @param {any} rec */
function recordLine(rec) {
	if (!rec.runs) return 'no record (nothing held, no 429)';
	const why = Object.entries(rec.heldByS)
		.map(([k, v]) => `${k} ${Number(v).toFixed(1)}`)
		.join(', ');
	return `${rec.runs} node runs, held ${rec.heldS.toFixed(1)} s${why ? ` (${why})` : ''} summed over its executions, ${rec.rateLimits} × 429, ${rec.requests} requests`;
}

/** @param {number[]} xs */
const median = (xs) => {
	const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
	return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
};
const f = (/** @type {number} */ x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/**
 * One label's table (runs in the order they ran).
 * @param {any} set { label, code, command, startupS, runs }
 */
function renderSet(set) {
	const L = [];
	const first = set.runs[0];
	const last = set.runs[set.runs.length - 1];
	L.push(`### ${set.label}: ${set.code}`);
	L.push('');
	L.push(
		`\`${set.command}\`, ${(first?.date ?? '?').slice(0, 16).replace('T', ' ')} → ${(last?.date ?? '?').slice(11, 16)} UTC; cluster start-up ${f(set.startupS, 0)} s; ` +
			`load average (1 min) ${first?.loadStart?.split(' ')[0] ?? '?'} at the first run's start, ${last?.loadEnd?.split(' ')[0] ?? '?'} at the last run's end (2 cores, shared with other work).`,
	);
	L.push('');
	L.push(
		'| # | headers | window | concurrency | worker-2 later: asked (its first request after worker-1\'s) | wall s | least s | ÷ least | 429s per worker | before a Retry-After: own (in flight) / another worker\'s (most per other worker per hold) | requests per worker | failed | load start → end |',
	);
	L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
	for (const r of set.runs) {
		const ratio = r.wallS / r.leastS;
		const goal = r.headers === 'none' ? GOAL : HEADERS_GOAL;
		const over = ratio > goal ? ` **>${goal.toFixed(2)}**` : '';
		L.push(
			`| ${r.nth} | ${r.headers === 'none' ? 'none' : 'X-RateLimit'} | ${r.limit} per ${r.windowSeconds} s | ${r.concurrency} | ${r.skewMs} ms (${f(r.skewMeasuredMs, 0)} ms) | ${f(r.wallS, 1)} | ${r.leastS} | ${f(ratio)}${over} | ` +
				`${r.r429PerWorker.replace(/worker-/g, 'w')} | ${r.ownEarly} (${r.inFlight}) / ${r.othersEarly} (${r.maxOtherEarlyPerHold}) | ${r.requestsPerWorker.replace(/worker-/g, 'w')} | ${r.failed}${r.error ? ` (${r.error})` : ''} | ${r.loadStart.split(' ')[0]} → ${r.loadEnd.split(' ')[0]} |`,
		);
	}
	L.push('');
	const none = set.runs.filter((/** @type {any} */ r) => r.headers === 'none');
	const ratios = none.map((/** @type {any} */ r) => r.wallS / r.leastS);
	if (none.length) {
		const byWindow = WINDOWS.map((w) => {
			const rs = none.filter((/** @type {any} */ r) => r.windowSeconds === w.windowSeconds).map((/** @type {any} */ r) => r.wallS / r.leastS);
			return rs.length ? `${w.windowSeconds} s: median ${f(median(rs))}, worst ${f(Math.max(...rs))}` : '';
		}).filter(Boolean);
		L.push(
			`No headers: ${ratios.filter((x) => x <= GOAL).length} of ${ratios.length} runs within ${GOAL.toFixed(2)} × the least (${byWindow.join('; ')}); ` +
				`429s per worker per run at most ${Math.max(...none.map((/** @type {any} */ r) => r.max429PerWorker))}; ` +
				`requests before the worker's own Retry-After: ${none.reduce((s, /** @type {any} */ r) => s + r.ownEarly, 0)} in all (${none.reduce((s, /** @type {any} */ r) => s + r.inFlight, 0)} more were on their way when the 429 came); ` +
				`before another worker's: at most ${Math.max(...none.map((/** @type {any} */ r) => r.maxOtherEarlyPerHold))} per other worker per hold.`,
		);
		L.push('');
	}
	return L;
}

/**
 * The group's Markdown section.
 * @param {any} q { sets: [...] } @param {string[]} bounds what bounds the figures (written by hand into the JSON, or the default)
 */
function renderQueue(q, bounds = BOUNDS) {
	const L = [MARK_START, ''];
	L.push(`## Queue mode: n8n main + 2 workers, ${EXECUTIONS} executions × ${ITEMS / EXECUTIONS} GETs, fixed windows, workers kept running`);
	L.push('');
	L.push(`n8n ${QUEUE_VERSION} in queue mode (PostgreSQL 15, Redis 7; main: \`n8n start\`, workers: \`n8n worker --concurrency=${WORKER_CONCURRENCY}\`), the package as`);
	L.push('`npm pack` ships it on every instance. One cluster is started once; **the workers keep running across the runs**, so');
	L.push('what a worker\'s gate learned in one run paces the next, as in production. Each window has its own credential (its own');
	L.push('token, its own limit), so a gate only ever meets one limit; "#" is the run\'s place among its credential\'s runs (1: the');
	L.push('workers never met that limit before). The items go out as 4 executions of 30 GETs, started at once by webhooks; each');
	L.push(`worker runs 2 of them. **Worker-2 starts later**: every execution first waits (a Wait node) for what the webhook's body`);
	L.push('names for the worker running it — 0, 150 or 400 ms for worker-2, nothing for worker-1; the table gives the delay asked');
	L.push('for and when worker-2\'s first request came after worker-1\'s (longer when worker-2\'s gate held it: what it learned before).');
	L.push('');
	L.push('The sandbox\'s **fixed window** starts at the first request and opens anew at the first request after it ends; a 429');
	L.push('carries Retry-After in whole seconds (up to the window\'s end), and no rate-limit headers unless the row says so (Flextell\'s');
	L.push('API documentation names only Retry-After). **The fixed-window least** is the shortest wall time (first API request to');
	L.push('last) the limit allows: N requests at L per window of W s fill ceil(N ÷ L) windows; all of a window\'s places can go at');
	L.push('its start, so the last window opens (ceil(N ÷ L) − 1) × W after the first request. Here: 30 per 5 s → 15 s, 40 per');
	L.push(`10 s → 20 s, 60 per 20 s → 20 s. The goals (issue 23): wall ≤ ${GOAL.toFixed(2)} × the least without headers, ≤ ${HEADERS_GOAL.toFixed(2)} × with them.`);
	L.push('');
	L.push('Every request carries its execution\'s id, so the sandbox\'s log tells the workers apart. "Before a Retry-After":');
	L.push('**own** — a request of a worker before the moment a 429 this worker got had named (the 429s\' moments replayed from');
	L.push(`the log by the fixed window's rule); one arriving within ${rl.IN_FLIGHT_MS} ms of that 429 was on its way before the 429 was answered and is`);
	L.push('counted "in flight" instead. **Another worker\'s** — any other request the sandbox flagged early (before the moment the');
	L.push('token\'s last 429 named, a 429 this worker never saw); per hold (a 429 to the next request through on time), the most');
	L.push('one other worker sent.');
	L.push('');
	L.push('The table this section held until 2026-12-03 flattered: it restarted both workers before each run (nothing learned');
	L.push('carried over), they started within milliseconds of each other (the first window split evenly), and it divided by');
	L.push('items ÷ rate (300 items at 50 per 5 s: 30 s) where the fixed-window least is 25 s — its 1.05 at concurrency 1 was');
	L.push('1.26 × the least. "Before" below is the same code in this shape.');
	L.push('');
	for (const set of q.sets) L.push(...renderSet(set));
	if (bounds.length) L.push('### What bounds the queue-mode figures', '', ...bounds, '');
	L.push(MARK_END);
	return L.join('\n');
}

/** This run's set in place of the set with its label; the others stay. @param {any} earlier @param {any} set */
function merge(earlier, set) {
	if (!earlier || earlier.layout !== LAYOUT) return { layout: LAYOUT, sets: [set] };
	const sets = earlier.sets.filter((/** @type {any} */ s) => s.label !== set.label);
	return { ...earlier, layout: LAYOUT, sets: [...sets, set] };
}

/**
 * `npm run bench -- --only queue [--queue-label before] [--queue-code "main 9b9e1e9"] [--queue-windows 5,10,20]
 * [--queue-skews 0,150,400] [--queue-concurrency 1,4] [--queue-contrast false]`: builds and packs the package, runs the
 * group, prints its section and puts it into `out` (docs/benchmarks.md); raw figures next to it (docs/benchmarks-queue.json).
 * @param {{ sizes?: any, reps?: number, say: (s: string) => void, fits: (ms: number) => boolean, out: string|null, command: string, build: boolean }} o
 */
async function runAlone(o) {
	const args = parseArgs(process.argv.slice(2), { flags: ['quick'] });
	const json = o.out ? o.out.replace(/\.md$/, '') + '-queue.json' : null;
	if (args['queue-render'] === true || args['queue-render'] === 'true') {
		// the section again from the raw figures of earlier runs (after the bounds' text changed)
		if (!o.out || !json) throw new Error('--queue-render needs the page (--out)');
		const section = renderQueue(JSON.parse(fs.readFileSync(json, 'utf8')));
		writeSection(o.out, section);
		process.stdout.write(`${section}\n`);
		return;
	}
	const nums = (/** @type {string} */ k) => (typeof args[k] === 'string' ? String(args[k]).split(',').map(Number) : undefined);
	const shapes = shapesOf({
		windows: nums('queue-windows') ?? (args.quick === true ? [5] : undefined),
		skews: nums('queue-skews') ?? (args.quick === true ? [150] : undefined),
		concurrency: nums('queue-concurrency'),
		contrast: args['queue-contrast'] !== 'false' && args.quick !== true,
	});
	if (o.build) {
		o.say('building the package (npm run build)…');
		const b = require('node:child_process').spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	// The packed package in a folder of this checkout's own (node_modules/.cache), not the system
	// temp folder, where another process's clean-up removed it once while the cluster started.
	const packed = n8n.packPackage();
	const packDir = path.join(n8n.ROOT, 'node_modules', '.cache', `flextell-bench-queue-pack-${process.pid}`, 'package');
	fs.cpSync(packed, packDir, { recursive: true });
	fs.rmSync(path.dirname(packed), { recursive: true, force: true });
	try {
		const q = await runQueue({ shapes, say: o.say, packDir, fits: o.fits });
		const git = (/** @type {string[]} */ a) => require('node:child_process').spawnSync('git', a, { cwd: n8n.ROOT, encoding: 'utf8' }).stdout.trim();
		const label = String(args['queue-label'] ?? 'latest');
		const code = String(args['queue-code'] ?? `${git(['rev-parse', '--abbrev-ref', 'HEAD'])} ${git(['rev-parse', '--short', 'HEAD'])}`);
		const command = `npm run bench -- ${process.argv.slice(2).map((a) => (/[\s()]/.test(a) ? `"${a}"` : a)).join(' ')}`;
		const set = { label, code, command, startupS: q.startupS, runs: q.runs };
		const earlier = json && fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : undefined;
		const merged = merge(earlier, set);
		const section = renderQueue(merged);
		process.stdout.write(`${section}\n`);
		if (o.out && json) {
			writeSection(o.out, section);
			fs.writeFileSync(json, JSON.stringify(merged, null, 1) + '\n');
			o.say(`queue-mode section written to ${path.relative(process.cwd(), o.out)}`);
		}
	} finally {
		fs.rmSync(path.dirname(packDir), { recursive: true, force: true });
	}
}

module.exports = { runQueue, renderQueue, writeSection, sectionOf, runAlone, shapesOf };
