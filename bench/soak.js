#!/usr/bin/env node
// @ts-check
// `npm run soak`: thousands of items through the Flextell node in a real n8n (`n8n execute`)
// against the sandbox injecting random 503s and connection resets under a tight rate limit, then
// checks what the package promises, from n8n's run data and the sandbox's own records:
//   - every item ends with exactly one result (a record, or an error item: continue on fail);
//   - GET items (idempotent) are retried through the faults and all succeed;
//   - no POST creates its record twice (records counted in the sandbox store), and a POST whose
//     answer was lost is reported, not repeated;
//   - no request arrives before the moment a Retry-After named (the sandbox flags such requests);
//   - n8n's resident memory stays bounded (sampled from /proc during the run).
//
//   npm run soak -- [--items 5000] [--concurrency 4] [--limit 40] [--window-seconds 1]
//                   [--p503 0.05] [--preset 0.02] [--seed 8] [--budget-minutes 20] [--no-build]
//                   [--n8n-version 2.40.7] [--json FILE]
//
// A soak, not a test: it prints its figures and a verdict per promise, and exits 1 when a promise
// is broken. Everything stays on 127.0.0.1; n8n is killed at the time budget and on exit.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { ensureN8n, DEFAULT_VERSION } = require('../scripts/ensure-n8n');
const { parseArgs } = require('../scripts/lib/args');
const n8n = require('../scripts/lib/n8n');
const { apiRequests } = require('../scripts/lib/sandbox');
const { fixedUuid } = require('../scripts/lib/workflows');
const { executeSampled } = require('./lib/execute');

const args = parseArgs(process.argv.slice(2), { flags: ['build'] });
const ITEMS = Number(args.items ?? 5000);
const CONCURRENCY = Number(args.concurrency ?? 4);
const LIMIT = Number(args.limit ?? 40);
const WINDOW_SECONDS = Number(args['window-seconds'] ?? 1);
const P503 = Number(args.p503 ?? 0.05);
const PRESET = Number(args.preset ?? 0.02);
const SEED = Number(args.seed ?? 8);
const BUDGET_MS = Number(args['budget-minutes'] ?? 20) * 60_000;
const N8N_VERSION = String(args['n8n-version'] ?? process.env.FLEXTELL_N8N_VERSION ?? DEFAULT_VERSION);
const JSON_OUT = typeof args.json === 'string' ? path.resolve(args.json) : null;

const CREDENTIAL = { id: 'flextellSoak00001', name: 'Flextell sandbox (soak)' };
const WORKFLOW_ID = n8n.fixedId('soak');
const TARGET = 'Target';
const say = (/** @type {string} */ msg) => process.stderr.write(`[soak] ${msg}\n`);

/** @type {string[]} */
const tempDirs = [];
process.once('exit', () => {
	for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => process.exit(130));

/**
 * The work: half GETs of seeded records, a quarter PATCHes of seeded records, a quarter POSTs of
 * new ones, interleaved so every stretch of the run has all three.
 */
function plan() {
	const items = [];
	for (let n = 0; n < ITEMS; n++) {
		const id = `obj_soak${String(n).padStart(6, '0')}`;
		const kind = n % 4;
		if (kind < 2) items.push({ n, method: 'GET', path: `contacts/${id}`, body: null });
		else if (kind === 2) items.push({ n, method: 'PATCH', path: `contacts/${id}`, body: { touched: n } });
		else items.push({ n, method: 'POST', path: 'contacts', body: { name: `Soak ${n}`, soak_post: n } });
	}
	return items;
}

const METHODS = /** @type {const} */ (['GET', 'PATCH', 'POST']);
/** The Flextell node of each method (the node's Method cannot be an expression). */
const targetOf = (/** @type {string} */ method) => `${TARGET} ${method}`;

/**
 * One branch per method behind the Manual Trigger: a Set node with that method's items, Split Out,
 * and a Flextell node at the given concurrency with continue on fail. n8n runs the branches one
 * after the other, all against the same faults and rate limit.
 * @param {ReturnType<typeof plan>} items
 */
function soakWorkflow(items) {
	let seq = 0;
	const node = (/** @type {string} */ name, /** @type {string} */ type, /** @type {number} */ typeVersion, /** @type {object} */ parameters, extra = {}) => ({
		id: fixedUuid(`soak:${name}`),
		name,
		type,
		typeVersion,
		position: [++seq * 220, 0],
		parameters,
		...extra,
	});
	const nodes = [node('Start', 'n8n-nodes-base.manualTrigger', 1, {})];
	/** @type {Record<string, any>} */
	const connections = { Start: { main: [[]] } };
	for (const method of METHODS) {
		const work = items.filter((i) => i.method === method);
		// Items without a Code node (no task runner needed): a Set node with all of them, then Split Out.
		nodes.push(
			node(`Work ${method}`, 'n8n-nodes-base.set', 3.4, { mode: 'raw', jsonOutput: JSON.stringify({ items: work }), options: {} }),
			node(`Items ${method}`, 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'items', options: {} }),
			node(
				targetOf(method),
				n8n.NODE_TYPE,
				1,
				{
					method,
					path: '={{ $json.path }}',
					...(method === 'GET' ? {} : { jsonBody: '={{ JSON.stringify($json.body) }}' }),
					options: { concurrency: CONCURRENCY },
				},
				{ credentials: { [n8n.CREDENTIAL_TYPE]: { ...CREDENTIAL } }, onError: 'continueRegularOutput' },
			),
		);
		connections.Start.main[0].push({ node: `Work ${method}`, type: 'main', index: 0 });
		connections[`Work ${method}`] = { main: [[{ node: `Items ${method}`, type: 'main', index: 0 }]] };
		connections[`Items ${method}`] = { main: [[{ node: targetOf(method), type: 'main', index: 0 }]] };
	}
	return { id: WORKFLOW_ID, name: 'soak', active: false, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/**
 * `n8n execute --id` with stdout into a file (a large print into a pipe can arrive cut short),
 * sampling the n8n process's RSS.
 * @param {{ node: string, n8nBin: string }} install @param {Record<string,string>} env
 */
function execute(install, env) {
	return executeSampled({ install, env, workflowId: WORKFLOW_ID, timeoutMs: BUDGET_MS, sampleMs: 250 });
}

/** The error code of an error item (`{ error: { message, code, … } }`), or undefined for a result. */
const errorCodeOf = (/** @type {any} */ json) =>
	json && typeof json.error === 'object' && json.error !== null && typeof json.error.code === 'string' ? json.error.code : undefined;
const isErrorItem = (/** @type {any} */ json) => errorCodeOf(json) !== undefined;

const MB = 1024 * 1024;
/** How soon after a 429 an early request counts as sent before that 429 was answered. */
const IN_FLIGHT_MS = 250;
const mb = (/** @type {number} */ bytes) => `${(bytes / MB).toFixed(0)} MB`;

async function main() {
	const started = Date.now();
	if (args.build !== false) {
		say('building the package (npm run build)…');
		const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
		if (b.status !== 0) throw new Error('npm run build failed');
	}
	const install = ensureN8n(N8N_VERSION);
	const items = plan();

	const sb = await startSandbox({
		port: 0,
		quiet: true,
		requiredFields: {},
		tokenTtlSeconds: 7 * 86400,
		lifetimeSeconds: Math.ceil(BUDGET_MS / 1000) + 600,
		rateLimit: { limit: LIMIT, windowSeconds: WINDOW_SECONDS, retryAfter: 'seconds', suspendAfter: 1_000_000 },
	});
	try {
		const token = sb.issueToken({ scope: 'read write', ttlSeconds: 7 * 86400 });
		sb.seed('contacts', items.filter((i) => i.method !== 'POST').map((i) => ({ id: i.path.split('/')[1], name: `Contact ${i.n}` })));
		say(`sandbox at ${sb.baseUrl}: rate limit ${LIMIT} per ${WINDOW_SECONDS} s (Retry-After in seconds), ${P503 * 100} % 503s, ${PRESET * 100} % resets`);

		const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-soak-'));
		tempDirs.push(userFolder);
		const env = n8n.n8nEnv({
			userFolder,
			certPath: sb.certPath,
			brokerPort: await n8n.freePort(),
			port: await n8n.freePort(),
			version: N8N_VERSION,
			extra: { N8N_LOG_LEVEL: 'info', N8N_LOG_FORMAT: 'json' },
		});
		const packDir = n8n.packPackage();
		tempDirs.push(path.dirname(packDir));
		n8n.installPackage(userFolder, 'pack', packDir);
		const credFile = path.join(userFolder, 'cred.json');
		fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CREDENTIAL, sandbox: sb, tokens: token })]));
		let r = await n8n.runN8n(install, ['import:credentials', `--input=${credFile}`], { env, timeoutMs: 180_000 });
		if (r.code !== 0) throw new Error(`import:credentials failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
		const wfFile = path.join(userFolder, 'wf.json');
		fs.writeFileSync(wfFile, JSON.stringify(soakWorkflow(items)));
		r = await n8n.runN8n(install, ['import:workflow', `--input=${wfFile}`], { env, timeoutMs: 180_000 });
		if (r.code !== 0) throw new Error(`import:workflow failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);

		// Faults only now: the import above did not talk to the sandbox, but nothing else may draw them.
		sb.clearLog();
		sb.randomFaults({
			seed: SEED,
			faults: [
				{ probability: P503, fault: { kind: 'status', status: 503 } },
				{ probability: PRESET, fault: { kind: 'reset' } },
			],
		});
		say(`n8n ${N8N_VERSION}: ${ITEMS} items at concurrency ${CONCURRENCY} (budget ${BUDGET_MS / 60_000} min)…`);
		const t0 = Date.now();
		const run = /** @type {any} */ (await execute(install, env));
		const seconds = (Date.now() - t0) / 1000;
		sb.randomFaults(null);
		const verdicts = check(run, items, sb, seconds);
		say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
		return verdicts;
	} finally {
		await sb.close();
	}
}

/**
 * The soak's figures and whether each promise was kept, from the run, the plan and the sandbox.
 * @param {any} run @param {ReturnType<typeof plan>} items
 * @param {any} sb the sandbox @param {number} seconds
 */
function check(run, items, sb, seconds) {
	if (run.timedOut) throw new Error(`n8n did not finish within the budget:\n${run.tail}`);
	const { perItem, outputs, window } = resultsPerItem(run, items);
	const resultCounts = perItem.map((r) => r.length);
	const byMethod = resultsByMethod(perItem, items);
	const api = apiRequests(sb);
	const requests = requestFigures(api);
	const posts = creations(sb, items, perItem);
	const memory = memoryWhileRunning(run, window);
	const firstError = perItem.flat().find(isErrorItem);
	const figures = {
		n8n: N8N_VERSION,
		items: ITEMS,
		concurrency: CONCURRENCY,
		rateLimit: `${LIMIT} per ${WINDOW_SECONDS} s, Retry-After in seconds`,
		injected: { p503: P503, pReset: PRESET, seed: SEED },
		seconds: Number(seconds.toFixed(1)),
		requests: api.length,
		requestsByMethod: requests.byMethod,
		injected503: requests.injected503,
		injectedResets: requests.injectedResets,
		rateLimited429: requests.rateLimited,
		earlyRequests: requests.early,
		earlyRequestsMaxMsAfterTheir429: requests.earlyGaps.length ? Number(Math.max(...requests.earlyGaps).toFixed(1)) : null,
		earlyRequestsSentAfterThe429: requests.earlyAfterKnown,
		results: byMethod,
		firstError: firstError ? `${firstError.error.code}: ${firstError.error.message}` : null,
		itemsWithoutResult: resultCounts.filter((c) => c === 0).length,
		itemsWithSeveralResults: resultCounts.filter((c) => c > 1).length,
		getsRetriedAfterAFault: getsRetriedAfterAFault(api, items, perItem),
		postsCreated: posts.notes.length,
		postsCreatedTwice: posts.createdTwice,
		postsOkWithoutRecord: posts.okWithoutRecord,
		postsFailedButCreated: posts.failedButCreated,
		rssMB: memory.rssMB,
	};
	const promises = [
		['every item ends with exactly one result', figures.itemsWithoutResult === 0 && figures.itemsWithSeveralResults === 0 && outputs === ITEMS],
		['every GET succeeded (retried through 503s and resets)', (byMethod.GET?.failed ?? 0) === 0 && (byMethod.GET?.ok ?? 0) === ITEMS / 2],
		['no POST created its record twice', posts.createdTwice === 0 && posts.notes.length > 0],
		['a POST reported as created has its record; one reported as failed has none, or its answer was lost (network_error)', posts.okWithoutRecord === 0 && posts.failedCreatedNotLost === 0],
		[`no request sent before a Retry-After moment (early arrivals within ${IN_FLIGHT_MS} ms of their 429 were already in flight)`, requests.earlyAfterKnown === 0],
		['n8n memory bounded (second half grows < 100 MB, peak < 1 GB)', memory.secondHalfGrowth < 100 * MB && memory.peak < 1024 * MB],
	];
	return { figures, promises };
}

/**
 * Each plan item's results (the branch's items are that method's plan items in plan order:
 * pairedItem = index among them), how many items came out, and the Flextell nodes' run window.
 * @param {any} run @param {ReturnType<typeof plan>} items
 */
function resultsPerItem(run, items) {
	const allRunData = run.result?.data?.resultData?.runData ?? {};
	/** @type {any[][]} results per plan item */
	const perItem = items.map(() => []);
	let outputs = 0;
	let window = { start: Infinity, end: -Infinity };
	for (const method of METHODS) {
		const runData = allRunData[targetOf(method)];
		if (!runData) throw new Error(`no run data for ${targetOf(method)} (exit ${run.code}):\n${run.tail}`);
		window = { start: Math.min(window.start, runData[0].startTime), end: Math.max(window.end, runData[0].startTime + runData[0].executionTime) };
		const planned = items.filter((i) => i.method === method);
		for (const entry of runData[0]?.data?.main?.[0] ?? []) {
			outputs++;
			const paired = Array.isArray(entry.pairedItem) ? entry.pairedItem[0] : entry.pairedItem;
			const index = typeof paired === 'number' ? paired : paired?.item;
			if (Number.isInteger(index) && planned[index]) perItem[planned[index].n].push(entry.json);
		}
	}
	return { perItem, outputs, window };
}

/**
 * Results ok and failed per method, with the failures' codes.
 * @param {any[][]} perItem @param {ReturnType<typeof plan>} items
 */
function resultsByMethod(perItem, items) {
	/** @type {Record<string, { ok: number, failed: number, codes: Record<string, number> }>} */
	const byMethod = {};
	for (const [index, results] of perItem.entries()) {
		const method = items[index].method;
		const m = (byMethod[method] ??= { ok: 0, failed: 0, codes: {} });
		for (const json of results) {
			if (isErrorItem(json)) {
				m.failed++;
				m.codes[errorCodeOf(json)] = (m.codes[errorCodeOf(json)] ?? 0) + 1;
			} else m.ok++;
		}
	}
	return byMethod;
}

/**
 * What the sandbox's log says of the requests: faults injected, 429s, early requests. An early
 * request that arrived right after the 429 that set the moment was already on its way when that 429
 * was answered (concurrency > 1): no client can recall it. One that arrives later was sent after
 * n8n knew, and breaks the promise.
 * @param {any[]} api the sandbox's API requests
 */
function requestFigures(api) {
	const countBy = (/** @type {(e: any) => boolean} */ f) => api.filter(f).length;
	const earlyGaps = api
		.filter((e) => e.early)
		.map((e) => {
			const limited = api.filter((r) => r.status === 429 && r.time <= e.time && r.seq !== e.seq);
			return limited.length ? e.time - limited[limited.length - 1].time : Infinity;
		});
	/** @type {Record<string, number>} */
	const byMethod = {};
	for (const e of api) byMethod[e.method] = (byMethod[e.method] ?? 0) + 1;
	return {
		injected503: countBy((e) => e.fault === 'status'),
		injectedResets: countBy((e) => e.fault === 'reset'),
		rateLimited: countBy((e) => e.status === 429 && !e.fault),
		early: countBy((e) => e.early),
		earlyGaps,
		earlyAfterKnown: earlyGaps.filter((gap) => gap > IN_FLIGHT_MS).length,
		byMethod,
	};
}

/**
 * Creations, counted in the store: one record per POST item at most; each created record is the
 * one its item reports (or the item reports that its answer was lost).
 * @param {any} sb @param {ReturnType<typeof plan>} items @param {any[][]} perItem
 */
function creations(sb, items, perItem) {
	const notes = sb.store.collection('contacts').records.filter((/** @type {any} */ r) => typeof r.soak_post === 'number');
	/** @type {Map<number, number>} */
	const created = new Map();
	for (const note of notes) created.set(note.soak_post, (created.get(note.soak_post) ?? 0) + 1);
	const postItems = items.filter((i) => i.method === 'POST');
	const failedButCreated = postItems.filter((i) => perItem[i.n].every(isErrorItem) && created.has(i.n));
	return {
		notes,
		createdTwice: [...created.values()].filter((c) => c > 1).length,
		okWithoutRecord: postItems.filter((i) => perItem[i.n].some((j) => !isErrorItem(j)) && !created.has(i.n)).length,
		failedButCreated: failedButCreated.length,
		failedCreatedNotLost: failedButCreated.filter((i) => !perItem[i.n].some((j) => errorCodeOf(j) === 'network_error')).length,
	};
}

/**
 * A GET that met a fault and still succeeded was retried.
 * @param {any[]} api @param {ReturnType<typeof plan>} items @param {any[][]} perItem
 */
function getsRetriedAfterAFault(api, items, perItem) {
	const faultedPaths = new Set(api.filter((e) => e.method === 'GET' && e.fault).map((e) => e.path));
	return items.filter((i) => i.method === 'GET' && faultedPaths.has(`/api/v0.0.1/${i.path}`) && perItem[i.n].some((j) => !isErrorItem(j))).length;
}

/**
 * n8n's memory while the Flextell nodes ran (its start-up before that is not what the soak is about).
 * @param {any} run @param {{ start: number, end: number }} window
 */
function memoryWhileRunning(run, window) {
	const samples = (run.samples ?? []).filter((/** @type {any} */ s) => s.t >= window.start && s.t <= window.end);
	const rss = samples.map((/** @type {any} */ s) => s.rss).filter((/** @type {number} */ v) => v > 0);
	const quarter = (/** @type {number} */ q) => rss[Math.min(rss.length - 1, Math.floor((rss.length - 1) * q))] ?? 0;
	const peak = Math.max(0, ...rss);
	return {
		peak,
		secondHalfGrowth: quarter(1) - quarter(0.5),
		rssMB: { samples: rss.length, start: Math.round(quarter(0) / MB), q25: Math.round(quarter(0.25) / MB), q50: Math.round(quarter(0.5) / MB), q75: Math.round(quarter(0.75) / MB), end: Math.round(quarter(1) / MB), peak: Math.round(peak / MB) },
	};
}

main()
	.then(({ figures, promises }) => {
		console.log(JSON.stringify(figures, null, 2));
		for (const [what, ok] of promises) console.log(`${ok ? 'kept  ' : 'BROKEN'}  ${what}`);
		if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify({ figures, promises }, null, 2)}\n`);
		process.exitCode = promises.every(([, ok]) => ok) ? 0 : 1;
	})
	.catch((error) => {
		console.error(error instanceof Error ? error.stack : error);
		process.exitCode = 1;
	});
