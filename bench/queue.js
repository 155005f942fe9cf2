// @ts-check
// The queue-mode workload group of `npm run bench` (`--only queue`): the rate-limited run in n8n's
// queue mode — a main instance and two workers on PostgreSQL and Redis (scripts/lib/queue.js, as
// the demo and the e2e suite run it) — for the Flextell node (concurrency 1 and 4, and a skewed
// load) and n8n's HTTP Request node. The items are split over executions started at once by
// webhooks, so both workers work at the same time against one rate limit (one token); each worker
// has its own gate (per process), and knows the other only through Flextell's answers.
//
// Every request of the Flextell node carries its execution's id in a header, so the sandbox's log
// tells which worker sent it: 429s per worker, and per hold the early requests of the worker that
// met the 429 and of the other one. Each worker's own record of every run (time held and why,
// requests, what it learned and when) comes from its log. The load average is taken with each run.
//
// Writes its section into docs/benchmarks.md between the QUEUE markers (the rest of the file
// stays); rows not run this time keep their figures of an earlier run (docs/benchmarks-queue.json),
// each with its own date and load.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureN8n } = require('../scripts/ensure-n8n');
const { parseArgs } = require('../scripts/lib/args');
const n8n = require('../scripts/lib/n8n');
const { startQueueCluster, jsonLines, QUEUE_VERSION } = require('../scripts/lib/queue');
const { EXECUTION_HEADER, afterFirstHold, describeHolds, readRun, workerByExecution } = require('../scripts/lib/rate-limit-log');
const { apiRequests, openSandbox } = require('../scripts/lib/sandbox');
const { fixedId, fixedUuid, webhookWorkflow } = require('../scripts/lib/workflows');
const wf = require('./lib/workflows');
const { markedSection } = require('./lib/sections');

const MARK_START = '<!-- QUEUE MODE: written by npm run bench -- --only queue -->';
const MARK_END = '<!-- /QUEUE MODE -->';
const marked = markedSection({ start: MARK_START, end: MARK_END });
const writeSection = marked.write;
const sectionOf = marked.read;
const EXECUTIONS = 4;
const QUEUE_SIZES = { rateItems: 300, limit: 50, windowSeconds: 5 };

/** Header styles: none (as Flextell's API documentation: Retry-After only), IETF, X-RateLimit. */
const MODES = ['none', 'ietf', 'x'];
const MODE_LABEL = /** @type {Record<string, string>} */ ({
	none: 'none (as Flextell\'s API documentation: Retry-After in seconds on 429)',
	ietf: 'IETF `RateLimit` + `RateLimit-Policy`, and Retry-After in seconds on 429',
	x: '`X-RateLimit-Limit/-Remaining/-Reset` (seconds to go), and Retry-After in seconds on 429',
});

/** The Flextell node, sending its execution's id (to tell the workers apart in the sandbox's log). @param {number} concurrency */
function flextellNode(concurrency) {
	const node = wf.flextellGetNode(concurrency);
	node.parameters.options = { ...node.parameters.options, headers: { header: [{ name: EXECUTION_HEADER, value: '={{ $execution.id }}' }] } };
	return node;
}

/** The measured node (Target) behind a webhook and a Split Out of the posted items. @param {string} key @param {any} target */
function queueWorkflow(key, target) {
	const id = fixedId(`bench:queue:${key}`);
	return webhookWorkflow(id, `bench: queue ${key}`, `flextell-bench-queue-${key}`, [
		{ id: fixedUuid(`${id}:items`), name: 'Items', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'body.items', options: {} } },
		target,
	]);
}

/**
 * The rows. `parts`: the share of the items in each execution (started at once). The skewed load
 * is two executions, three quarters and one quarter of the items: at the limit, the worker with
 * the small one is idle for the second half of the run.
 * @param {string} apiBase
 */
function contenders(apiBase) {
	const even = Array(EXECUTIONS).fill(1 / EXECUTIONS);
	const f1 = queueWorkflow('flextell', flextellNode(1));
	return [
		{ key: 'flextell1', label: `Flextell node, concurrency 1 — ${EXECUTIONS} executions over 2 workers`, parts: even, w: f1, hook: 'flextell', goals: true },
		{ key: 'flextell4', label: `Flextell node, concurrency 4 — ${EXECUTIONS} executions over 2 workers`, parts: even, w: queueWorkflow('flextell4', flextellNode(4)), hook: 'flextell4', goals: true },
		{ key: 'skewed', label: 'Flextell node, concurrency 1 — skewed: 2 executions of ¾ and ¼ of the items', parts: [0.75, 0.25], w: f1, hook: 'flextell', goals: true },
		{ key: 'http', label: `HTTP Request node, Retry On Fail (5 tries, 1000 ms) — ${EXECUTIONS} executions over 2 workers`, parts: even, w: queueWorkflow('http', wf.httpGetNode(apiBase, null)), hook: 'http', modes: ['none'] },
	];
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * Runs the group and returns its figures.
 * @param {{ sizes: { rateItems: number, limit: number, windowSeconds: number }, reps: number, modes: string[], rows: string[] | undefined,
 *   say: (s: string) => void, packDir?: string, fits: (ms: number) => boolean }} o
 */
async function runQueue(o) {
	const install = ensureN8n(QUEUE_VERSION);
	const sb = await openSandbox({ lifetimeSeconds: 7200, certDir: undefined, requiredFields: {}, maxPageSize: 1000, tokenTtlSeconds: 7 * 86400 });
	const token = sb.issueToken({ scope: 'read write', ttlSeconds: 7 * 86400 });
	const ids = Array.from({ length: o.sizes.rateItems }, (_, i) => `obj_queue${String(i).padStart(6, '0')}`);
	const apiBase = `${sb.baseUrl}/v0.0.1`;
	const all = contenders(apiBase).filter((c) => !o.rows || o.rows.includes(c.key));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-queue-'));
	const workflows = [...new Map(all.map((c) => [c.w.id, c.w])).values()];
	for (const w of workflows) fs.writeFileSync(path.join(dir, `${w.id}.json`), JSON.stringify(w));
	const t0 = Date.now();
	o.say(`queue mode: starting PostgreSQL, Redis, n8n main and 2 workers… (load ${load()})`);
	const cluster = await startQueueCluster({
		install,
		certPath: sb.certPath,
		packDir: o.packDir,
		workers: 2,
		credentials: [n8n.credentialRecord({ ...wf.CREDENTIAL, sandbox: sb, tokens: token })],
		workflowsDir: dir,
		activate: workflows.map((w) => w.id),
	});
	const startupS = (Date.now() - t0) / 1000;
	/** @type {Record<string, { idealS: number, rows: { key: string, label: string, goals: boolean, runs: any[] }[] }>} */
	const results = {};
	const idealS = o.sizes.rateItems / (o.sizes.limit / o.sizes.windowSeconds);
	try {
		for (const mode of o.modes) {
			const rows = all.filter((c) => !c.modes || c.modes.includes(mode));
			results[mode] = { idealS, rows: rows.map((c) => ({ key: c.key, label: c.label, goals: Boolean(c.goals), runs: [] })) };
		}
		for (let rep = 0; rep < o.reps; rep++) {
			for (const mode of o.modes) {
				for (const row of results[mode].rows) {
					const c = /** @type {any} */ (all.find((x) => x.key === row.key));
					if (!o.fits(idealS * 3000 + 30_000)) continue;
					// Fresh worker processes: what a gate learned in one run would pace the next.
					await Promise.all(cluster.workers.map((/** @type {any} */ w) => w.restart()));
					sb.reset();
					sb.seed('contacts', ids.map((id, n) => ({ id, name: `Contact ${n}` })));
					sb.configure({ pagination: 'cursor', rateLimit: { limit: o.sizes.limit, windowSeconds: o.sizes.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9, headers: mode } });
					const m = await oneRun(cluster, sb, `flextell-bench-queue-${c.hook}`, ids, c.parts);
					row.runs.push(m);
					o.say(`queue ${mode} headers ${c.key} run ${rep + 1}: ${brief(m, idealS)}`);
					for (const [w, rec] of Object.entries(m.workerRecords)) o.say(`  ${w}: ${recordLine(rec)}${rec.notes.length ? `; learned: ${rec.notes.join('; ')}` : ''}`);
					if (m.holdLines.length) o.say(`  holds: ${m.holdLines.join(' | ')}`);
				}
			}
		}
	} finally {
		await cluster.stop();
		await sb.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
	return { startupS, executions: EXECUTIONS, results, timings: cluster.timings };
}

/** @param {any} m @param {number} idealS */
function brief(m, idealS) {
	return (
		`wall ${m.wallS.toFixed(2)} s (÷ideal ${(m.wallS / idealS).toFixed(2)}), req ${m.requests}, 429 ${m.r429} (most per worker ${m.max429PerWorker}), ` +
		`early ${m.early} (most per other worker per hold ${m.maxOtherEarlyPerHold}); after the first hold: 429 ${m.laterR429} (most per worker ${m.laterMax429PerWorker}), ` +
		`most early per other worker per hold ${m.laterMaxOtherEarlyPerHold}; ok ${m.ok}, failed ${m.failed}${m.error ? ` (${m.error})` : ''}, items per worker ${m.itemsPerWorker}, load ${m.loadStart} → ${m.loadEnd}`
	);
}

/**
 * Posts the items in parts at once (one execution each); measures from the first API request to
 * the last, and reads who sent what and each worker's own record of the run.
 * @param {any} cluster @param {any} sb @param {string} hook @param {string[]} ids @param {number[]} parts
 */
async function oneRun(cluster, sb, hook, ids, parts) {
	const loadStart = load();
	const logFrom = Object.fromEntries(cluster.workers.map((/** @type {any} */ w) => [w.name, w.log().length]));
	const before = new Set(Object.keys(cluster.whoRan()));
	let from = 0;
	const slices = parts.map((p, i) => {
		const to = i === parts.length - 1 ? ids.length : from + Math.round(p * ids.length);
		const part = ids.slice(from, to);
		from = to;
		return part;
	});
	const answers = await Promise.all(
		slices.map(async (part) => {
			const res = await fetch(`${cluster.base}/webhook/${hook}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ items: part.map((id) => ({ id })) }),
				signal: AbortSignal.timeout(600_000),
			}).catch((e) => ({ ok: false, status: 0, json: async () => String(e) }));
			const body = await res.json().catch(() => null);
			const ok = res.ok && Array.isArray(body) ? body.filter((x) => x && typeof x === 'object' && x.id).length : 0;
			return { ok, failed: part.length - ok, error: res.ok ? undefined : `webhook ${res.status}` };
		}),
	);
	const loadEnd = load();
	const api = apiRequests(sb).filter((r) => r.path.startsWith('/api/')).sort((a, b) => a.seq - b.seq);
	const who = cluster.whoRan();
	const fresh = Object.entries(who).filter(([id]) => !before.has(id));
	const workers = [...new Set(fresh.flatMap(([, v]) => v.worker))].sort().join('+');
	const workerOf = workerByExecution(who);
	const read = readRun(api, workerOf);
	const later = afterFirstHold(api, workerOf);
	const itemsPerWorker = Object.entries(read.byWorker)
		.sort()
		.map(([w, x]) => `${w} ${x.requests}`)
		.join(', ');
	/** @type {Record<string, any>} */
	const workerRecords = {};
	for (const w of cluster.workers) workerRecords[w.name] = workerRecord(w.log().slice(logFrom[w.name]));
	return {
		...read,
		holds: undefined,
		byWorker: read.byWorker,
		laterR429: later.r429,
		laterMax429PerWorker: later.max429PerWorker,
		laterMaxOtherEarlyPerHold: later.maxOtherEarlyPerHold,
		holdLines: describeHolds(read.holds, api[0]?.time ?? 0),
		ok: answers.reduce((s, a) => s + a.ok, 0),
		failed: answers.reduce((s, a) => s + a.failed, 0),
		error: answers.map((a) => a.error).filter(Boolean)[0],
		workers,
		itemsPerWorker,
		workerRecords,
		loadStart,
		loadEnd,
		date: new Date().toISOString(),
	};
}

/**
 * A worker's own record of the run: the node's log lines (one per node run, see
 * describeRateLimitDetails), summed over its executions.
 * @param {string} logText
 */
function workerRecord(logText) {
	const rec = { runs: 0, heldS: 0, heldByS: { allowance: 0, 'learned-limit': 0, 'rate-limited': 0 }, rateLimits: 0, requests: 0, peakPerWindow: 0, windowS: 0, notes: /** @type {string[]} */ ([]) };
	for (const line of jsonLines(logText)) {
		const d = line.flextellRateLimit ?? line.metadata?.flextellRateLimit;
		if (!d) continue;
		rec.runs++;
		rec.heldS += d.heldS;
		for (const k of Object.keys(rec.heldByS)) rec.heldByS[/** @type {'allowance'} */ (k)] += d.heldByS?.[k] ?? 0;
		rec.rateLimits += d.rateLimits;
		rec.requests += d.requests;
		rec.peakPerWindow = Math.max(rec.peakPerWindow, d.peakPerWindow);
		rec.windowS = Math.max(rec.windowS, d.windowS);
		for (const n of d.notes ?? []) if (!rec.notes.includes(n)) rec.notes.push(n);
	}
	rec.notes.sort();
	return rec;
}

/** @param {any} rec */
function recordLine(rec) {
	if (!rec.runs) return 'no record (nothing held, no 429)';
	const h = rec.heldByS;
	return (
		`${rec.runs} node runs, held ${rec.heldS.toFixed(1)} s (allowance ${h.allowance.toFixed(1)}, learned limit ${h['learned-limit'].toFixed(1)}, 429 ${h['rate-limited'].toFixed(1)}; summed over its executions), ` +
		`${rec.rateLimits} × 429, ${rec.requests} requests, at most ${rec.peakPerWindow} per ${rec.windowS} s (one execution)`
	);
}

/** @param {number[]} xs */
const median = (xs) => {
	const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
	return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
};
const f = (/** @type {number} */ x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mark = (/** @type {boolean} */ ok) => (ok ? 'met' : '**missed**');

/**
 * The issue's goals for a Flextell row. With headers: 0 × 429 across workers, wall ≤ 1.10 × ideal.
 * Without: ≤ 1 × 429 per worker per run, ≤ 1 early per other worker per hold, wall ≤ 1.15 × ideal.
 * @param {string} mode @param {any} m medians @param {number} idealS
 */
function goalsOf(mode, m, idealS) {
	const ratio = m.wallS / idealS;
	if (mode !== 'none') return [`0 × 429 ${mark(m.r429 === 0)}`, `÷ ideal ≤ 1.10 ${mark(ratio <= 1.1)}`];
	return [
		`≤ 1 × 429 per worker ${mark(m.max429PerWorker <= 1)} (after the first hold ${mark(m.laterMax429PerWorker <= 1)})`,
		`≤ 1 early per other worker per hold ${mark(m.maxOtherEarlyPerHold <= 1)} (after the first hold ${mark(m.laterMaxOtherEarlyPerHold <= 1)})`,
		`÷ ideal ≤ 1.15 ${mark(ratio <= 1.15)}`,
	];
}

/**
 * The group's Markdown section.
 * @param {any} q figures (merged with earlier ones) @param {{ rateItems: number, limit: number, windowSeconds: number }} sizes @param {string} command
 */
function renderQueue(q, sizes, command) {
	const L = [MARK_START, ''];
	const idealS = sizes.rateItems / (sizes.limit / sizes.windowSeconds);
	L.push(`## Queue mode: n8n main + 2 workers, ${sizes.rateItems} GET items under a limit of ${sizes.limit} requests per ${sizes.windowSeconds} s`);
	L.push('');
	L.push(`Produced by \`${command}\` with n8n ${QUEUE_VERSION} in queue mode (PostgreSQL 15, Redis 7; main: \`n8n start\`,`);
	L.push('workers: `n8n worker --concurrency=10`), the package as `npm pack` ships it on every instance, one credential (one token, so one');
	L.push(`limit for all). The items go out as executions started at once by webhooks (${EXECUTIONS} of a quarter each, or the skewed two);`);
	L.push('n8n spread them over both workers. Each worker process has its own gate and knows the other only through the sandbox\'s');
	L.push('answers. The workers are restarted before each run, so no run starts with what a gate learned in an earlier one.');
	L.push('Every request carries its execution\'s id, so the sandbox\'s log tells the workers apart.');
	L.push(`Wall time: first API request to last (the ideal is ${f(idealS, 0)} s at the limit). Cluster start-up: ${f(q.startupS, 0)} s. Each row`);
	L.push('gives the date and the load average (1 min, at its start → end) of its run: 2 cores, shared with other work.');
	L.push('The same workload before the gate knew of other workers (2026-11-29, this page, concurrency 1): 2.39 × the ideal without');
	L.push('headers, 2.19 × with IETF headers.');
	L.push('"429s, most per worker" and "early, most per other worker per hold": per worker, from the execution id each request');
	L.push('carried; a hold lasts from a 429 to the first request through on time, and the worker that met its 429 is not "other".');
	L.push('');
	for (const mode of MODES) {
		const r = q.results[mode];
		if (!r) continue;
		L.push(`### Rate-limit headers: ${MODE_LABEL[mode]}`);
		L.push('');
		L.push('| Contender | wall s | ÷ ideal | requests | 429s (most per worker) | early (most per other worker per hold) | after the first hold: 429s (most per worker), most early per other worker per hold | failed items | requests per worker | goals | run: date, load |');
		L.push('|---|---|---|---|---|---|---|---|---|---|---|');
		for (const row of r.rows) {
			if (!row.runs.length) continue;
			const med = (/** @type {string} */ k) => median(row.runs.map((/** @type {any} */ x) => x[k]));
			const m = Object.fromEntries(
				['wallS', 'requests', 'r429', 'max429PerWorker', 'early', 'maxOtherEarlyPerHold', 'laterR429', 'laterMax429PerWorker', 'laterMaxOtherEarlyPerHold', 'failed'].map((k) => [k, med(k)]),
			);
			const errors = [...new Set(row.runs.map((/** @type {any} */ x) => x.error).filter(Boolean))].join('; ');
			const last = row.runs[row.runs.length - 1];
			const goals = row.goals ? goalsOf(mode, m, r.idealS).join('; ') : '';
			const when = row.runs.map((/** @type {any} */ x) => `${(x.date ?? '?').slice(0, 16).replace('T', ' ')} UTC, ${x.loadStart ?? '?'} → ${x.loadEnd ?? '?'}`).join('; ');
			L.push(
				`| ${row.label} | ${f(m.wallS)} | ${f(m.wallS / r.idealS)}${m.failed > 0 ? ' †' : ''} | ${f(m.requests, 0)} | ${f(m.r429, 0)} (${f(m.max429PerWorker, 0)}) | ` +
					`${f(m.early, 0)} (${f(m.maxOtherEarlyPerHold, 0)}) | ${row.goals ? `${f(m.laterR429, 0)} (${f(m.laterMax429PerWorker, 0)}), ${f(m.laterMaxOtherEarlyPerHold, 0)}` : ''} | ${f(m.failed, 0)}${errors ? ` (${errors})` : ''} | ${row.goals ? last.itemsPerWorker ?? last.workers : '–'} | ${goals} | ${when} |`,
			);
		}
		L.push('');
		const recorded = r.rows.filter((/** @type {any} */ row) => row.goals && row.runs.length && row.runs[row.runs.length - 1].workerRecords);
		if (recorded.length) {
			L.push('What each worker recorded (its own log; last run of each row): time held and why, what it learned and when.');
			L.push('');
			for (const row of recorded) {
				const last = row.runs[row.runs.length - 1];
				for (const [w, rec] of Object.entries(last.workerRecords)) {
					L.push(`- ${row.key}, ${w}: ${recordLine(rec)}${rec.notes?.length ? `. Learned: ${rec.notes.slice(0, 5).join("; ")}${rec.notes.length > 5 ? ` (+${rec.notes.length - 5} more in the raw figures)` : ""}` : ''}`);
				}
				if (last.holdLines?.length) L.push(`- ${row.key}, holds (seconds into the run, worker that met the 429, early requests by worker): ${last.holdLines.join('; ')}`);
			}
			L.push('');
		}
	}
	L.push('† items failed: the wall time runs until the node gave up, so the ratio says nothing about throughput.');
	L.push('', ...boundsOf(q, idealS, sizes));
	L.push('');
	L.push(MARK_END);
	return L.join('\n');
}

/**
 * What bounds the queue-mode figures, with the figures of the rows that show it.
 * @param {any} q @param {number} idealS @param {{ rateItems: number, limit: number, windowSeconds: number }} sizes
 */
function boundsOf(q, idealS, sizes) {
	/** @param {string} mode @param {string} key */
	const last = (mode, key) => {
		const runs = q.results[mode]?.rows.find((/** @type {any} */ r) => r.key === key)?.runs ?? [];
		return runs[runs.length - 1];
	};
	/** @param {string} mode @param {string} key */
	const firstHold = (mode, key) => {
		const m = last(mode, key);
		return m ? `${m.r429 - m.laterR429} of ${m.r429}` : '–';
	};
	/** What each worker learned in a row's run, and how it ended. @param {string} key */
	const learnedOf = (key) => {
		const m = last('none', key);
		if (!m) return '–';
		return Object.entries(m.workerRecords ?? {})
			.map(([w, rec]) => {
				const r = /** @type {any} */ (rec);
				const note = (r.notes ?? []).find((/** @type {string} */ n) => /learned \d+ per/.test(n));
				const what = note ? /learned (\d+ per [\d.]+ s)/.exec(note)?.[1] : undefined;
				return `${w} ${what ?? '–'} (${m.byWorker?.[w]?.requests ?? '?'} requests, held by its learned limit ${r.heldByS?.['learned-limit']?.toFixed(0) ?? '?'} s over its executions)`;
			})
			.join(', ');
	};
	return [
		'### What bounds the queue-mode figures',
		'',
		'- **The first round.** Before any answer nobody knows the limit: every request already on its way when the first 429 (or',
		'  the first "none left") comes meets it, from both workers. 429s of the first hold, of all: without headers',
		`  ${firstHold('none', 'flextell1')} at concurrency 1 and ${firstHold('none', 'flextell4')} at concurrency 4 (two executions per worker: 2 and 8 requests`,
		`  on their way per worker); with IETF headers ${firstHold('ietf', 'flextell4')} at concurrency 4. The goals "≤ 1 × 429 per worker" and`,
		'  "≤ 1 early per other worker per hold" are therefore also given after the first hold, where the gate decides them.',
		'- **Without headers a worker knows only its share.** Its first 429 tells it how many of its own requests got through in',
		'  the window, not how many the other worker sent. Both workers learn from the same first window, and how it was split',
		`  decides their pace: concurrency 1 here ${learnedOf('flextell1')}; skewed ${learnedOf('skewed')}.`,
		'  A worker knows the other is there only when a 429 comes that its own',
		'  requests did not cause (fewer of them in the window than its estimate, or no more through in its first round than it had',
		'  on their way): then it climbs back by half per window while no 429 comes. A worker whose first round gave no such sign',
		'  cannot tell its share from the limit without a request over it, which a single process would pay with a 429 every',
		'  time; it keeps its share (rising by a tenth after a quiet minute) — the skewed and concurrency-1 rows show what that costs.',
		`- **Whole seconds.** Retry-After and the reset of the headers name whole seconds, rounded up: a window of ${sizes.windowSeconds} s costs up to`,
		`  ${sizes.windowSeconds + 1} s (the one-process "Pacing" rows carry the same), and ${sizes.rateItems} items at ${sizes.limit} per window are exactly ${sizes.rateItems / sizes.limit} windows:`,
		'  a place left unused in any window (the places each worker keeps for the other) costs a seventh.',
		'- **The machine.** Three n8n processes, their task runners, PostgreSQL, Redis and the sandbox share 2 cores with other',
		'  work (the load column); the workers start executions from Redis at their own moments, so no two runs split alike.',
	];
}



/**
 * This run's rows in place of the same rows of an earlier run; the others stay (each run keeps
 * its own date and load). Rows of the earlier layout (without per-worker figures) are dropped.
 * @param {any} earlier @param {any} now
 */
function merge(earlier, now) {
	if (!earlier?.results || earlier.layout !== 2) return { ...now, layout: 2 };
	const results = { ...earlier.results };
	for (const [mode, r] of Object.entries(now.results)) {
		const old = results[mode]?.rows ?? [];
		const rows = [...old];
		for (const row of /** @type {any[]} */ (r.rows)) {
			if (!row.runs.length) continue;
			const at = rows.findIndex((x) => x.key === row.key);
			if (at >= 0) rows[at] = row;
			else rows.push(row);
		}
		const order = ['flextell1', 'flextell4', 'skewed', 'http'];
		rows.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
		results[mode] = { idealS: r.idealS, rows };
	}
	return { ...earlier, ...now, results, layout: 2 };
}

/**
 * `npm run bench -- --only queue [--queue-modes none,ietf,x] [--queue-rows flextell1,flextell4,skewed,http]`:
 * builds and packs the package, runs the group, prints its section and puts it into `out`
 * (docs/benchmarks.md) in place of the earlier one; raw figures next to it (docs/benchmarks-queue.json).
 * @param {{ sizes: any, reps: number, say: (s: string) => void, fits: (ms: number) => boolean, out: string|null, command: string, build: boolean }} o
 */
async function runAlone(o) {
	const args = parseArgs(process.argv.slice(2), { flags: ['quick'] });
	// The workload of the earlier queue-mode table and of issue 17's figures (300 items, 50 per 5 s),
	// whatever the other groups use, so that its rows compare with those; --quick keeps the small one.
	o = { ...o, sizes: args.quick === true ? o.sizes : QUEUE_SIZES };
	const modes = String(args['queue-modes'] ?? MODES.join(',')).split(',');
	const rows = typeof args['queue-rows'] === 'string' ? args['queue-rows'].split(',') : undefined;
	if (o.build) {
		o.say('building the package (npm run build)…');
		const b = require('node:child_process').spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	const packDir = n8n.packPackage();
	try {
		const q = await runQueue({ sizes: o.sizes, reps: o.reps, modes, rows, say: o.say, packDir, fits: o.fits });
		const json = o.out ? o.out.replace(/\.md$/, '') + '-queue.json' : null;
		const earlier = json && fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : undefined;
		const merged = merge(earlier, { sizes: o.sizes, reps: o.reps, ...q });
		const section = renderQueue(merged, o.sizes, o.command);
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

module.exports = { runQueue, renderQueue, writeSection, sectionOf, runAlone, MODES };
