#!/usr/bin/env node
// @ts-check
// `npm run bench`: the Flextell node against n8n's HTTP Request node and a plain axios + axios-retry
// script, side by side, in one run against the same sandbox configuration.
//
//   npm run bench                    the whole of docs/benchmarks.md from one run, every group in turn
//                                    (≈30 min on 2 cores; dated, with the load average and the time it took)
//   npm run bench -- [--quick] [--reps N] [--budget-minutes M] [--only rate,cost,returnall,pacing,cache]
//                    [--modes seconds,none,http-date] [--no-build] [--out FILE] [--cpu-prof DIR]
//   npm run bench -- --only queue   the rate-limited run in n8n's queue mode (main + 2 workers), bench/queue.js
//   npm run bench -- --only agent   what an AI Agent's model receives for a 2,000-record answer, bench/agent.js
//   npm run bench -- --only paging  100 000 records paged and concurrency 1–16 at 100 ms latency, in n8n's
//                                   engine (bench/run.js runs bench/paging.bench.ts; prints BENCH lines only)
//
// Without --only every group runs: rate (Retry-After as an HTTP-date: its seconds and left-out
// cases are the pacing group's ra-fixed and none-fixed rows, same contenders), cost, returnall,
// pacing, cache, then queue and agent; the page is written once, at the end. With --only, the
// groups named are run and their sections written; the sections of groups not run stay as they
// are, each with the date of the run that wrote it.
//   npm run bench -- --render docs/benchmarks.json --out docs/benchmarks.md   (tables again from raw figures;
//                    docs/benchmarks-pacing.json: only the pacing section is drawn again)
//
// --cpu-prof DIR writes a V8 CPU profile of every n8n run into DIR (for finding where the time goes;
// it slows the runs, so the figures of such a run are not the reference ones).
//
// Contenders run in turn, several times; the tables give medians. A benchmark, not a test: it
// never asserts on times and prints what it measured even when a goal is missed. Everything stays
// on 127.0.0.1; every child process is killed on exit; the run stops at the time budget.
// Writes docs/benchmarks.md (not in --quick mode unless --out is given) and prints the same tables.
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { ensureN8n, DEFAULT_VERSION } = require('../scripts/ensure-n8n');
const n8n = require('../scripts/lib/n8n');
const { parseArgs } = require('../scripts/lib/args');
const { apiRequests } = require('../scripts/lib/sandbox');
const wf = require('./lib/workflows');
const { sampleProcess, cpuBetween, rssWindow, now } = require('./lib/proc');
const { executeSampled } = require('./lib/execute');
const report = require('./lib/report');
const cacheWorkload = require('./cache-workload');
const queueBench = require('./queue');
const agentBench = require('./agent');
const pacing = require('./pacing');

const ROOT = n8n.ROOT;
/** The enrichment workload's sizes in a full run: each record named 20 times, as in its own runs, at the rate groups' limit. */
const CACHE_SIZES = { items: 400, distinct: 20, limit: 30, windowSeconds: 3, cacheSeconds: 60 };

// ---------------------------------------------------------------------------------------------
// Arguments and sizes

const args = parseArgs(process.argv.slice(2), { flags: ['quick'] });
const QUICK = args.quick === true;
/** Every group, in the order a full run takes them (queue and agent start n8n set-ups of their own). */
const ALL_GROUPS = ['rate', 'cost', 'returnall', 'pacing', 'cache', 'queue', 'agent'];
const FULL = args.only === undefined;
// One full run of every group fits in about 30 minutes on the 2-core machine of the reference
// figures: one repetition, 120 items under 30 requests per 3 s (4 windows, ideal 12 s) for the
// rate-limited groups. More repetitions or larger sizes: --reps, or a group alone with --only.
const SIZES = QUICK
	? { rateItems: 60, limit: 20, windowSeconds: 2, costItems: 300, returnAll: [2_000, 10_000], reps: 1 }
	: { rateItems: 120, limit: 30, windowSeconds: 3, costItems: 1000, returnAll: [10_000, 50_000], reps: 1 };
const REPS = Number(args.reps ?? SIZES.reps);
const BUDGET_MS = Number(args['budget-minutes'] ?? (QUICK ? 15 : FULL ? 35 : 75)) * 60_000;
const ONLY = FULL ? ALL_GROUPS : String(args.only).split(',');
// A run of the pacing group alone writes only its own section of docs/benchmarks.md.
const PACING_ONLY = ONLY.length === 1 && ONLY[0] === 'pacing';
// `--only paging` runs alone, before anything else starts: bench/run.js runs bench/paging.bench.ts
// under jest (the node in n8n's engine, the sandbox in the same process): 100 000 records paged in
// each scheme, and concurrency 1–16 with 100 ms of latency per request. It prints its figures as
// BENCH lines and writes no section of docs/benchmarks.md (BENCH_RECORDS=5000 for a short run).
if (!FULL && ONLY.includes('paging')) {
	if (ONLY.length > 1) throw new Error('--only paging runs alone (jest, the node in n8n\'s engine)');
	process.exit(spawnSync(process.execPath, [path.join(__dirname, 'run.js')], { stdio: 'inherit' }).status ?? 1);
}
const MODES = /** @type {('seconds'|'none'|'http-date')[]} */ (String(args.modes ?? (FULL ? 'http-date' : 'seconds,none,http-date')).split(','));
const OUT = typeof args.out === 'string' ? path.resolve(args.out) : QUICK ? null : path.join(ROOT, 'docs', 'benchmarks.md');
const N8N_VERSION = String(args['n8n-version'] ?? process.env.FLEXTELL_N8N_VERSION ?? DEFAULT_VERSION);

const T0 = Date.now();
const DEADLINE = T0 + BUDGET_MS;
const say = (/** @type {string} */ s) => process.stderr.write(`[bench ${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

// ---------------------------------------------------------------------------------------------
// Cleanup: every child is in n8n.children (killed by scripts/lib/n8n.js on exit); temp folders.

/** @type {string[]} */
const tempDirs = [];
process.once('exit', () => {
	for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
	process.once(sig, () => {
		say(`${sig}: stopping, reporting what was measured so far`);
		try {
			finish(true);
		} catch {}
		process.exit(130);
	});
}

/** @type {import('../sandbox').Sandbox | any} */
let sb;

// ---------------------------------------------------------------------------------------------
// Running a contender

/** @type {{ node: string, n8nBin: string, dir: string, version: string }} */
let install;
/** @type {Record<string,string>} */
let env;

/**
 * Runs `n8n execute --id` and samples the n8n process (CPU, RSS) while it runs.
 * @param {string} id @param {number} timeoutMs
 */
function executeWorkflow(id, timeoutMs) {
	const nodeArgs = typeof args['cpu-prof'] === 'string' ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(String(args['cpu-prof']))}`] : [];
	return executeSampled({ install, env, workflowId: id, timeoutMs, nodeArgs });
}

/**
 * The measured window of a run: from the first run of the Target node (or the first API request) to
 * the end of the last measured node's run (or the last API request).
 * @param {any} result @param {any[]} api
 */
function n8nWindow(result, api) {
	const runData = result?.data?.resultData?.runData ?? {};
	let start = Infinity;
	let end = -Infinity;
	for (const name of [wf.TARGET, wf.SPLIT]) {
		for (const r of runData[name] ?? []) {
			if (name === wf.TARGET) start = Math.min(start, r.startTime);
			end = Math.max(end, r.startTime + (r.executionTime ?? 0));
		}
	}
	if (api.length) {
		start = Math.min(start, api[0].time);
		end = Math.max(end, api[api.length - 1].time);
	}
	return { start, end };
}

/** Output items of the last measured node (Split pages if present, else Target). @param {any} result */
function outputCount(result) {
	const runData = result?.data?.resultData?.runData ?? {};
	const runs = runData[wf.SPLIT] ?? runData[wf.TARGET];
	if (!runs?.length) return 0;
	return runs[runs.length - 1]?.data?.main?.[0]?.length ?? 0;
}

function apiLog() {
	return apiRequests(sb).sort((/** @type {any} */ a, /** @type {any} */ b) => a.seq - b.seq);
}

/**
 * Early requests that were already in flight when the 429 that started the hold was sent: they
 * arrived within 50 ms of the first 429 after the last request that went through on time.
 * @param {any[]} api
 */
function earlyInFlight(api) {
	let holdStart = -Infinity;
	let inHold = false;
	let n = 0;
	for (const r of api) {
		if (!r.early && r.status >= 200 && r.status < 300) inHold = false;
		else if (r.status === 429 && !inHold) {
			inHold = true;
			holdStart = r.time;
		}
		if (r.early && r.time - holdStart <= 50) n++;
	}
	return n;
}

/** @param {any[]} api */
function logFigures(api) {
	return {
		requests: api.length,
		r429: api.filter((r) => r.status === 429).length,
		early: api.filter((r) => r.early).length,
		// Early requests that arrived within 50 ms after a 429 was sent: already in flight when it was.
		earlyInFlight: earlyInFlight(api),
		other: api.filter((r) => r.status !== 429 && !(r.status >= 200 && r.status < 300)).length,
	};
}

/**
 * Runs one contender once; returns what was measured.
 * @param {{ kind: 'n8n', workflowId: string } | { kind: 'axios', urls: string[], freshAgent?: boolean }} c
 * @param {number} expectedItems @param {number} timeoutMs
 */
async function runContender(c, expectedItems, timeoutMs) {
	sb.clearLog();
	if (c.kind === 'n8n') {
		const r = /** @type {any} */ (await executeWorkflow(c.workflowId, timeoutMs));
		const api = apiLog();
		const { start, end } = n8nWindow(r.result, api);
		const ok = outputCount(r.result);
		const error = r.timedOut ? 'timed out' : r.result?.data?.resultData?.error?.message ?? (r.result ? undefined : `no result (exit ${r.code})`);
		if (!r.result) say(`  no result from n8n (exit ${r.code}):\n${r.tail}`);
		const rss = rssWindow(r.samples, start, end);
		return {
			wallS: (end - start) / 1000,
			cpuS: cpuBetween(r.samples, start, end),
			ok,
			failed: Math.max(0, expectedItems - ok),
			error,
			peakRss: rss.peak,
			rssGrowth: rss.peak - rss.baseline,
			...logFigures(api),
		};
	}
	// axios + axios-retry, in a child on the same Node binary as n8n.
	const payload = JSON.stringify({ urls: c.urls, token: TOKEN.access_token, freshAgent: Boolean(c.freshAgent) });
	const child = spawn(install.node, [path.join(__dirname, 'lib', 'axios-client.js'), payload], {
		env: { ...process.env, NODE_EXTRA_CA_CERTS: sb.certPath, NODE_OPTIONS: '' },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	n8n.children.add(child);
	const sampler = sampleProcess(/** @type {number} */ (child.pid));
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (d) => (stdout += d));
	child.stderr.on('data', (d) => (stderr += d));
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		n8n.killTree(child, 'SIGKILL');
	}, timeoutMs);
	await new Promise((r) => child.on('close', r));
	clearTimeout(timer);
	n8n.children.delete(child);
	const samples = sampler.stop();
	const api = apiLog();
	let res;
	try {
		res = JSON.parse(stdout.trim().split('\n').pop() ?? '');
	} catch {
		say(`  axios script gave no result: ${stderr.slice(-2000)}`);
	}
	const start = res?.start ?? api[0]?.time ?? 0;
	const end = res?.end ?? api[api.length - 1]?.time ?? 0;
	const rss = rssWindow(samples, start, end);
	return {
		wallS: (end - start) / 1000,
		cpuS: cpuBetween(samples, start, end),
		ok: res?.ok ?? 0,
		failed: res ? res.failed : expectedItems,
		error: timedOut ? 'timed out' : res?.failed ? `first error: ${res.firstError}` : res ? undefined : 'no result',
		peakRss: rss.peak,
		rssGrowth: rss.peak - rss.baseline,
		...logFigures(api),
	};
}

// ---------------------------------------------------------------------------------------------
// Setup

/** @type {any} */
let TOKEN;

/** Stable ids, so that every run finds the same records after the sandbox is reset. @param {number} n */
const benchIds = (n) => Array.from({ length: n }, (_, i) => `obj_bench${String(i).padStart(6, '0')}`);
/** @param {string[]} ids */
const seedIds = (ids) => sb.seed('contacts', ids.map((id, i) => ({ id, name: `Contact ${i}`, index: i })));

async function setup() {
	if (args.build !== false) {
		say('building the package (npm run build)…');
		const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	install = ensureN8n(N8N_VERSION);

	sb = await startSandbox({
		port: 0,
		quiet: true,
		requiredFields: {},
		maxPageSize: 1000,
		tokenTtlSeconds: 7 * 86400,
		lifetimeSeconds: Math.ceil(BUDGET_MS / 1000) + 600,
	});
	TOKEN = sb.issueToken({ scope: 'read write', ttlSeconds: 7 * 86400 });
	say(`sandbox at ${sb.baseUrl}`);

	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-bench-'));
	tempDirs.push(userFolder);
	env = n8n.n8nEnv({
		userFolder,
		certPath: sb.certPath,
		brokerPort: await n8n.freePort(),
		port: await n8n.freePort(),
		extra: { N8N_LOG_LEVEL: 'info', N8N_LOG_FORMAT: 'json' },
	});
	// The package as users get it (npm pack), not a symlink to the working tree.
	const packDir = n8n.packPackage();
	tempDirs.push(path.dirname(packDir));
	n8n.installPackage(userFolder, 'pack', packDir);

	const credFile = path.join(userFolder, 'cred.json');
	fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...wf.CREDENTIAL, sandbox: sb, tokens: TOKEN })]));
	say('importing the credential and the workflows into a fresh n8n user folder…');
	let r = await n8n.runN8n(install, ['import:credentials', `--input=${credFile}`], { env, timeoutMs: 180_000 });
	fs.rmSync(credFile, { force: true });
	if (r.code !== 0) throw new Error(`import:credentials failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);

	const apiBase = `${sb.baseUrl}/v0.0.1`;
	const rateIds = benchIds(SIZES.rateItems);
	const costIds = benchIds(SIZES.costItems);
	const batching = { batchSize: SIZES.limit, batchInterval: SIZES.windowSeconds * 1000 };
	const W = {
		rateFlextell1: wf.workflow('rate flextell c1', [...wf.itemSource(rateIds), wf.flextellGetNode(1)]),
		rateFlextell4: wf.workflow('rate flextell c4', [...wf.itemSource(rateIds), wf.flextellGetNode(4)]),
		rateHttp: wf.workflow('rate http retry', [...wf.itemSource(rateIds), wf.httpGetNode(apiBase, null)]),
		rateHttpBatch: wf.workflow('rate http batching', [...wf.itemSource(rateIds), wf.httpGetNode(apiBase, batching)]),
		costFlextell1: wf.workflow('cost flextell c1', [...wf.itemSource(costIds), wf.flextellGetNode(1)]),
		costFlextell4: wf.workflow('cost flextell c4', [...wf.itemSource(costIds), wf.flextellGetNode(4)]),
		costHttp: wf.workflow('cost http', [...wf.itemSource(costIds), wf.httpGetNode(apiBase, null)]),
		listFlextell: wf.workflow('list flextell', [wf.flextellListNode()]),
		listHttp: wf.workflow('list http', wf.httpListNodes(apiBase)),
		...pacing.workflows(wf, rateIds, apiBase, pacing.sizesOf(SIZES, QUICK)),
	};
	// The enrichment workload (bench/cache-workload.js) only when asked for: --only cache.
	const cachePlan = ONLY.includes('cache') ? cacheWorkload.setup(wf, apiBase, QUICK, QUICK ? undefined : CACHE_SIZES) : null;
	if (cachePlan) Object.assign(W, cachePlan.workflows);
	const wfDir = path.join(userFolder, 'workflows');
	fs.mkdirSync(wfDir);
	for (const [k, w] of Object.entries(W)) fs.writeFileSync(path.join(wfDir, `${k}.json`), JSON.stringify(w));
	r = await n8n.runN8n(install, ['import:workflow', '--separate', `--input=${wfDir}`], { env, timeoutMs: 180_000 });
	if (r.code !== 0) throw new Error(`import:workflow failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return { W, apiBase, rateIds, costIds, batching, cachePlan };
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** @type {Record<string, any>} */
const results = { rate: {}, cost: {}, returnAll: {}, cache: {} };
/** @type {string[]} */
const skipped = [];

/** @param {number} estimateMs */
const fits = (estimateMs) => Date.now() + estimateMs < DEADLINE;
const remaining = () => Math.max(10_000, DEADLINE - Date.now() + 30_000);

/** @param {any} s */
async function runAll(s) {
	const idealS = SIZES.rateItems / (SIZES.limit / SIZES.windowSeconds);
	const c = contenders(s);
	const rows = (/** @type {any[]} */ cs) => cs.map((x) => ({ key: x.key, label: x.label, runs: [] }));
	if (ONLY.includes('rate')) for (const mode of MODES) results.rate[mode] = { idealS, rows: rows(c.rate) };
	if (ONLY.includes('cost')) results.cost = { items: SIZES.costItems, rows: rows(c.cost) };
	if (ONLY.includes('returnall')) {
		results.returnAll = { sizes: SIZES.returnAll, bySize: {} };
		for (const size of SIZES.returnAll) results.returnAll.bySize[size] = rows(c.list);
	}

	// Repetitions are the outer loop, so that a budget cut drops later repetitions, not whole workloads.
	for (let rep = 0; rep < REPS; rep++) {
		say(`repetition ${rep + 1} of ${REPS}`);
		let t = Date.now();
		const took = (/** @type {string} */ group) => {
			groupSeconds[group] = (groupSeconds[group] ?? 0) + (Date.now() - t) / 1000;
			t = Date.now();
		};
		if (ONLY.includes('cost')) {
			await costRep(s, c.cost, rep);
			took('cost');
		}
		if (ONLY.includes('returnall')) {
			await returnAllRep(c.list, rep);
			took('returnall');
		}
		if (s.cachePlan) {
			await cacheWorkload.runRep({ sb, plan: s.cachePlan, results: results.cache, rep, runContender, fits, remaining, skipped, say });
			took('cache');
		}
		if (ONLY.includes('rate')) {
			await rateRep(s, c.rate, idealS, rep);
			took('rate');
		}
	}
	if (ONLY.includes('pacing')) {
		const { W, apiBase, rateIds } = s;
		const t = Date.now();
		await pacing.runPacing({ sb, W, apiBase, rateIds, sizes: pacing.sizesOf(SIZES, QUICK), reps: REPS, results, skipped, runContender, seedIds, fits, remaining, say });
		groupSeconds.pacing = (Date.now() - t) / 1000;
	}
}

/**
 * The contenders of the rate-limited run, the per-request cost and Return All: the workflows
 * imported by setup() and the axios loops.
 * @param {Awaited<ReturnType<typeof setup>>} s
 */
function contenders(s) {
	const { W, apiBase, rateIds, costIds, batching } = s;
	const rate = [
		{ key: 'flextell1', label: 'Flextell node, concurrency 1', c: { kind: 'n8n', workflowId: W.rateFlextell1.id } },
		{ key: 'flextell4', label: 'Flextell node, concurrency 4', c: { kind: 'n8n', workflowId: W.rateFlextell4.id } },
		{ key: 'http', label: 'HTTP Request node, Retry On Fail (5 tries, 1000 ms)', c: { kind: 'n8n', workflowId: W.rateHttp.id } },
		{
			key: 'httpBatch',
			label: `HTTP Request node, Retry On Fail + Batching (${batching.batchSize} items / ${batching.batchInterval} ms)`,
			c: { kind: 'n8n', workflowId: W.rateHttpBatch.id },
		},
		{ key: 'axios', label: 'axios + axios-retry (retries 5, exponentialDelay), sequential', c: { kind: 'axios', urls: rateIds.map((id) => `${apiBase}/contacts/${id}`) } },
	];
	const cost = [
		{ key: 'flextell1', label: 'Flextell node, concurrency 1', c: { kind: 'n8n', workflowId: W.costFlextell1.id } },
		{ key: 'flextell4', label: 'Flextell node, concurrency 4', c: { kind: 'n8n', workflowId: W.costFlextell4.id } },
		{ key: 'http', label: 'HTTP Request node (no batching: all items at once)', c: { kind: 'n8n', workflowId: W.costHttp.id } },
		{ key: 'axios', label: 'axios + axios-retry, sequential', c: { kind: 'axios', urls: costIds.map((id) => `${apiBase}/contacts/${id}`) } },
		{
			key: 'axiosFresh',
			label: 'for reference: the same axios loop with a new https.Agent per request (a TLS handshake each time, as n8n\'s request helper does)',
			c: { kind: 'axios', freshAgent: true, urls: costIds.map((id) => `${apiBase}/contacts/${id}`) },
		},
	];
	const list = [
		{ key: 'flextell', label: 'Flextell node, Return All (cursor, pages of 100)', c: { kind: 'n8n', workflowId: W.listFlextell.id } },
		{ key: 'http', label: 'HTTP Request node pagination (cursor, limit=100) + Split Out', c: { kind: 'n8n', workflowId: W.listHttp.id } },
	];
	return { rate, cost, list };
}

/**
 * One repetition of the per-request cost: every contender in turn, no rate limit.
 * @param {Awaited<ReturnType<typeof setup>>} s @param {any[]} list @param {number} rep
 */
async function costRep(s, list, rep) {
	sb.reset();
	seedIds(s.costIds);
	sb.configure({ rateLimit: null, pagination: 'cursor' });
	for (const [i, x] of list.entries()) {
		if (!fits(60_000)) {
			skipped.push(`cost/${x.key}/run ${rep + 1}`);
			continue;
		}
		const m = await runContender(/** @type {any} */ (x.c), SIZES.costItems, Math.min(remaining(), 300_000));
		results.cost.rows[i].runs.push(m);
		say(`cost ${x.key} run ${rep + 1}: ${report.brief(m)}`);
	}
}

/**
 * One repetition of Return All: each size, every contender in turn, no rate limit.
 * @param {any[]} list @param {number} rep
 */
async function returnAllRep(list, rep) {
	for (const size of SIZES.returnAll) {
		sb.reset();
		sb.configure({ rateLimit: null, pagination: 'cursor' });
		sb.seed('contacts', size);
		for (const [i, x] of list.entries()) {
			if (!fits(size / 500 + 60_000)) {
				skipped.push(`returnall/${size}/${x.key}/run ${rep + 1}`);
				continue;
			}
			const m = await runContender(/** @type {any} */ (x.c), size, Math.min(remaining(), 900_000));
			results.returnAll.bySize[size][i].runs.push(m);
			say(`return all ${size} ${x.key} run ${rep + 1}: ${report.brief(m)}`);
		}
	}
}

/**
 * One repetition of the rate-limited run: each Retry-After mode, every contender in turn, each on a
 * fresh sandbox state.
 * @param {Awaited<ReturnType<typeof setup>>} s @param {any[]} list @param {number} idealS @param {number} rep
 */
async function rateRep(s, list, idealS, rep) {
	for (const mode of MODES) {
		for (const [i, x] of list.entries()) {
			if (!fits(idealS * 1500 + 15_000)) {
				skipped.push(`rate/${mode}/${x.key}/run ${rep + 1}`);
				continue;
			}
			sb.reset();
			seedIds(s.rateIds);
			sb.configure({
				pagination: 'cursor',
				rateLimit: { limit: SIZES.limit, windowSeconds: SIZES.windowSeconds, retryAfter: mode, suspendAfter: 1e9 },
			});
			const m = await runContender(/** @type {any} */ (x.c), SIZES.rateItems, Math.min(remaining(), idealS * 6000 + 60_000));
			results.rate[mode].rows[i].runs.push(m);
			say(`rate Retry-After=${mode} ${x.key} run ${rep + 1}: ${report.brief(m, idealS)}`);
		}
	}
}

// ---------------------------------------------------------------------------------------------

function machine() {
	const sh = (/** @type {string} */ cmd, /** @type {string[]} */ a) => {
		try {
			return execFileSync(cmd, a, { encoding: 'utf8', cwd: ROOT }).trim();
		} catch {
			return '?';
		}
	};
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const dep = (/** @type {string} */ name) => {
		try {
			return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
		} catch {
			return '?';
		}
	};
	return {
		date: new Date().toISOString(),
		cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
		memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
		os: `${os.type()} ${os.release()}`,
		n8n: install ? `${N8N_VERSION} on Node ${sh(install.node, ['--version'])}` : N8N_VERSION,
		pkg: `${pkg.name} ${pkg.version} (git ${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'nodes', 'credentials']) ? ', with uncommitted node changes' : ''})`,
		axios: `axios ${dep('axios')}, axios-retry ${dep('axios-retry')}`,
		loadStart: LOAD_START,
		loadEnd: os.loadavg().map((l) => l.toFixed(2)).join(' '),
	};
}
const LOAD_START = os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main() {
	if (typeof args.render === 'string') {
		// Re-render the tables from a raw-figures file written by an earlier run.
		const data = JSON.parse(fs.readFileSync(path.resolve(args.render), 'utf8'));
		const text = renderAll(data);
		process.stdout.write(text + '\n');
		if (typeof args.out === 'string') {
			const out = path.resolve(args.out);
			const before = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
			// A pacing-only run's figures redraw only the pacing section; other figures redraw theirs and
			// keep the sections they do not hold.
			const spliced = text.startsWith('<!-- pacing:start -->') && before ? pacing.spliceSection(before, text) : assemble(text, data, before, out) + '\n';
			fs.writeFileSync(out, spliced);
		}
		return;
	}
	say(`${QUICK ? 'quick' : 'full'} run: ${REPS} repetition(s), budget ${BUDGET_MS / 60_000} min, workloads ${ONLY.join(', ')}`);
	const hardStop = setTimeout(() => {
		say('time budget exceeded: stopping and reporting what was measured');
		finish(true);
		process.exit(2);
	}, BUDGET_MS + 120_000);
	hardStop.unref();
	if (!FULL && ONLY.includes('agent')) {
		if (ONLY.length > 1) throw new Error('--only agent runs alone (an AI Agent in an n8n of its own)');
		return await agentBench.runAlone({ say, out: OUT, build: args.build !== false, version: N8N_VERSION });
	}
	if (!FULL && ONLY.includes('queue')) {
		if (ONLY.length > 1) throw new Error('--only queue runs alone (it starts a cluster of its own)');
		const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
		return await queueBench.runAlone({ sizes: SIZES, reps: REPS, say, fits, out: OUT, command, build: args.build !== false });
	}
	const tSetup = Date.now();
	const s = await setup();
	groupSeconds.setup = (Date.now() - tSetup) / 1000;
	await runAll(s);
	await sb.close();
	if (FULL) {
		// The groups with set-ups of their own; each puts its section into OUT, which finish() keeps.
		const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
		for (const [group, run] of /** @type {[string, () => Promise<unknown>][]} */ ([
			['queue', () => queueBench.runAlone({ sizes: SIZES, reps: REPS, say, fits, out: OUT, command, build: false })],
			['agent', () => agentBench.runAlone({ say, out: OUT, build: false, version: N8N_VERSION })],
		])) {
			if (!fits(group === 'queue' ? 6 * 60_000 : 90_000)) {
				skipped.push(`${group} (the whole group)`);
				continue;
			}
			const t = Date.now();
			try {
				await run();
				groupSeconds[group] = (Date.now() - t) / 1000;
			} catch (e) {
				skipped.push(`${group} (failed: ${e instanceof Error ? e.message.split('\n')[0] : e})`);
				say(`${group} failed: ${e instanceof Error ? e.stack : e}`);
			}
		}
	}
	finish(false);
}

/** Seconds each group took in this run (for the page: where a full run's time goes). @type {Record<string, number>} */
const groupSeconds = {};

/** The tables of every workload that ran (the pacing group alone: only its section). @param {any} data */
function renderAll(data) {
	const section = pacing.renderPacing(data);
	const onlyPacing = data.results && Object.keys(data.results).every((k) => k === 'pacing' || !Object.keys(data.results[k] ?? {}).length);
	if (onlyPacing && section) return section;
	const cache = cacheWorkload.render(data.results?.cache, data);
	let text = cache.length ? `${report.render(data)}\n${cache.join('\n')}` : report.render(data);
	if (section) text += `\n\n${section}`;
	return text;
}

/**
 * The page: the tables of `data`, then the sections of the groups `data` does not hold, as they
 * stand in the page before (each names the run that wrote it). The queue-mode and agent sections
 * always come from the page: their runs put them there, also in a full run.
 * @param {string} main @param {any} data @param {string} before @param {string|null} out
 */
function assemble(main, data, before, out) {
	const ran = (/** @type {string} */ k) => Object.keys(data.results?.[k] ?? {}).length > 0;
	const kept = [
		ran('cache') ? '' : sectionBetween(before, '<!-- cache workload: start', '<!-- cache workload: end -->'),
		ran('pacing') ? '' : sectionBetween(before, '<!-- pacing:start -->', '<!-- pacing:end -->'),
		// The pacing grid: written by `npm run simulate -- --write` (bench/simulate.js), carried over here.
		sectionBetween(before, '## Simulator: the pacing grid', '<!-- simulate:end -->'),
	];
	return [main, ...kept, out ? queueBench.sectionOf(out) : '', out ? agentBench.sectionOf(out) : ''].filter(Boolean).join('\n\n');
}

/** The text from the line holding `start` to the end of `end` ('' when absent). @param {string} text @param {string} start @param {string} end */
function sectionBetween(text, start, end) {
	const a = text.indexOf(start);
	const b = text.indexOf(end, a);
	return a >= 0 && b > a ? text.slice(a, b + end.length) : '';
}

let finished = false;
/** @param {boolean} aborted */
function finish(aborted) {
	if (finished) return;
	finished = true;
	const data = {
		quick: QUICK,
		reps: REPS,
		sizes: SIZES,
		machine: machine(),
		results,
		skipped,
		aborted,
		totalS: (Date.now() - T0) / 1000,
		command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
		full: FULL,
		groupSeconds,
	};
	const before = OUT && fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
	const text = assemble(renderAll(data), data, before, OUT);
	process.stdout.write(text + '\n');
	if (OUT && ONLY.every((w) => w === 'cache') && fs.existsSync(OUT)) {
		// Only the enrichment workload ran: its section replaces the one in the existing file.
		fs.writeFileSync(OUT, cacheWorkload.spliceSection(fs.readFileSync(OUT, 'utf8'), cacheWorkload.render(results.cache, data).join('\n')));
		fs.writeFileSync(OUT.replace(/\.md$/, '') + '-cache.json', JSON.stringify(data, null, 1) + '\n');
		say(`cache section written to ${path.relative(process.cwd(), OUT)} (raw figures: ${path.relative(process.cwd(), OUT.replace(/\.md$/, '') + '-cache.json')})`);
	} else if (OUT && PACING_ONLY) {
		// Only the pacing section changes; its raw figures go beside the others'.
		// The pacing section alone: `text` also carries the queue-mode section, which stays where it is.
		const before = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
		fs.writeFileSync(OUT, pacing.spliceSection(before, pacing.renderPacing(data)));
		fs.writeFileSync(OUT.replace(/\.md$/, '') + '-pacing.json', JSON.stringify(data, null, 1) + '\n');
		say(`pacing section written to ${path.relative(process.cwd(), OUT)}`);
	} else if (OUT) {
		fs.mkdirSync(path.dirname(OUT), { recursive: true });
		fs.writeFileSync(OUT, text + '\n');
		// Every run's raw figures, so the tables can be rendered again (--render FILE) without re-running.
		fs.writeFileSync(OUT.replace(/\.md$/, '') + '.json', JSON.stringify(data, null, 1) + '\n');
		say(`written to ${path.relative(process.cwd(), OUT)} (raw figures: ${path.relative(process.cwd(), OUT.replace(/\.md$/, '') + '.json')})`);
	} else say('(--quick: docs/benchmarks.md left as it is; pass --out FILE to write the tables)');
}

main().catch((e) => {
	say(`failed: ${e instanceof Error ? e.stack : e}`);
	process.exit(1);
});
