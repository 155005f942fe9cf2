// @ts-check
// End-to-end in n8n's queue mode: a main instance (editor, triggers, webhooks) and two workers
// (the executions) on PostgreSQL and Redis, the packed package loaded on each, against the Flextell
// sandbox over HTTPS. The cluster comes from scripts/lib/queue.js (as the demo's and the bench's).
// Run with `npm run test:e2e:queue` (test/e2e/run.js --queue).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { n8nPaths, isInstalled } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { startQueueCluster, QUEUE_VERSION } = require('../../scripts/lib/queue');
const { apiRequests, openSandbox } = require('../../scripts/lib/sandbox');
const { waitFor } = require('../../scripts/lib/processes');
const { afterFirstHold, describeHolds, earlyByWhose, fixedWindowLeastS, fixedWindowMoments, readRun, workerByExecution } = require('../../scripts/lib/rate-limit-log');
const { CRED, WF } = require('./queue-workflows');

const VERSION = process.env.FLEXTELL_N8N_VERSION || QUEUE_VERSION;
const install = n8nPaths(VERSION);
const LIST_PATH = '/api/v0.0.1/contacts';
const timings = /** @type {Record<string, number>} */ ({});
const figures = /** @type {string[]} */ ([]);
const time = (/** @type {string} */ label, /** @type {number} */ t0) => (timings[label] = Date.now() - t0);

/** @type {any} */ let sb;
/** @type {Awaited<ReturnType<typeof startQueueCluster>>} */ let cluster;
/** @type {string} */ let work;
/** @type {Record<string, any>} */ const tokens = {};

/** POST a JSON body to a production webhook of the main instance. @param {string} hook @param {unknown} body */
async function callWebhook(hook, body) {
	const res = await fetch(`${cluster.base}/webhook/${hook}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(120_000),
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {}
	return { status: res.status, text, json };
}

/** The executions of a workflow that have ended, with the worker that ran each (from n8n's logs). @param {string} workflowId */
function ended(workflowId) {
	const who = cluster.whoRan();
	return cluster
		.executions({ workflowId })
		.filter((e) => e.finished || e.status === 'success' || e.status === 'error')
		.map((e) => ({ ...e, workers: who[e.id]?.worker ?? [] }));
}

/** Stops or starts workers so that only `name` runs (jobs then go to it). @param {string} name */
async function onlyWorker(name) {
	for (const w of cluster.workers) if (w.name !== name && w.running) await w.stop();
	const w = cluster.workers.find((x) => x.name === name);
	if (!w?.running) await w?.start();
}
const allWorkers = () => Promise.all(cluster.workers.filter((w) => !w.running).map((w) => w.start()));

beforeAll(async () => {
	if (!isInstalled(VERSION)) throw new Error(`n8n ${VERSION} is not installed: run \`node scripts/ensure-n8n.js ${VERSION}\``);
	const t0 = Date.now();
	sb = await openSandbox({ lifetimeSeconds: 1800, certDir: undefined, requiredFields: { contacts: ['name'] } });
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-e2e-queue-'));
	for (const k of Object.keys(CRED)) tokens[k] = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	const wfDir = path.join(work, 'workflows');
	fs.mkdirSync(wfDir);
	for (const w of Object.values(WF)) fs.writeFileSync(path.join(wfDir, `${w.id}.json`), JSON.stringify(w));
	// records that exist before the trigger is active: never emitted
	sb.seed('contacts', [{ name: 'Old 1' }, { name: 'Old 2' }]);
	cluster = await startQueueCluster({
		install,
		certPath: sb.certPath,
		packDir: process.env.FLEXTELL_E2E_PACK_DIR || undefined,
		workers: 2,
		// two executions at once per worker: four started at once split two and two
		concurrency: 2,
		// the Skew node reads which worker runs it ($env)
		extraEnv: { N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false' },
		credentials: Object.entries(CRED).map(([k, c]) => n8n.credentialRecord({ ...c, sandbox: sb, tokens: tokens[k] })),
		workflowsDir: wfDir,
		activate: Object.values(WF).map((w) => w.id),
		say: (s) => process.stderr.write(`[queue] ${s}\n`),
	});
	time('cluster up (PostgreSQL, Redis, imports, main + 2 workers)', t0);
	for (const [k, v] of Object.entries(cluster.timings)) timings[`  of which: ${k}`] = v * 1000;
}, 600_000);

afterAll(async () => {
	const t0 = Date.now();
	await cluster?.stop();
	await sb?.close();
	if (work) fs.rmSync(work, { recursive: true, force: true });
	time('cluster stopped, folders removed', t0);
	const lines = Object.entries(timings).map(([k, v]) => `  ${(v / 1000).toFixed(1).padStart(6)} s  ${k}`);
	process.stderr.write(`\n[e2e queue mode, n8n ${VERSION}] timings\n${lines.join('\n')}\n[e2e queue mode] figures\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
}, 120_000);

describe(`n8n ${VERSION} in queue mode (main + 2 workers, PostgreSQL, Redis) + Flextell sandbox`, () => {
	/** @type {{ status: number, json: any, text: string }[]} */
	let created = [];

	test('the package loads on the main instance and on both workers; executions run on the workers', async () => {
		const t0 = Date.now();
		// main: the node and credential types are known to the editor
		const { headers } = await n8n.ownerSession(cluster.base);
		const types = /** @type {any[]} */ (await (await fetch(`${cluster.base}/types/nodes.json`, { headers })).json());
		expect(types.map((t) => t.name)).toEqual(expect.arrayContaining([n8n.NODE_TYPE, `${n8n.PACKAGE_NAME}.flextellTrigger`]));
		// workers: four webhook runs at once; an execution with Flextell nodes succeeds only where the package loaded
		created = await Promise.all([1, 2, 3, 4].map((i) => callWebhook('flextell-queue-create', { name: `Queue ${i}` })));
		for (const r of created) if (r.status !== 200) throw new Error(`webhook answered ${r.status}: ${r.text.slice(0, 2000)}`);
		const runs = ended(WF.createAndGet.id);
		expect(runs).toHaveLength(4);
		expect(runs.every((e) => e.status === 'success' && e.mode === 'webhook')).toBe(true);
		expect(runs.every((e) => e.workers.length === 1)).toBe(true);
		expect(new Set(runs.flatMap((e) => e.workers))).toEqual(new Set(['worker-1', 'worker-2']));
		// the main instance ran none of them itself
		expect(cluster.main.log()).not.toMatch(/Worker started execution/);
		for (const w of cluster.workers) {
			expect(w.log()).not.toMatch(/Unrecognized node type|Error loading package|n8n-nodes-flextell[^\n]*error/i);
		}
		const who = cluster.whoRan();
		figures.push(`webhook runs: ${runs.map((e) => `execution ${e.id} on ${e.workers.join('+')} (main's log: workerId ${who[e.id]?.hostId ?? '?'})`).join('; ')}`);
		time('package loads on main + both workers (4 webhook runs)', t0);
	}, 300_000);

	test('webhook-started workflows with Flextell nodes complete on the workers with the right output', async () => {
		expect(created).toHaveLength(4);
		for (const [i, r] of created.entries()) {
			expect(Array.isArray(r.json)).toBe(true);
			expect(r.json).toHaveLength(1);
			const [contact] = r.json;
			expect(contact).toMatchObject({ name: `Queue ${i + 1}` });
			expect(contact.id).toMatch(/^obj_/);
			// the Get node read back what the Create node wrote
			const gets = apiRequests(sb).filter((x) => x.method === 'GET' && x.path === `${LIST_PATH}/${contact.id}`);
			expect(gets.map((x) => x.status)).toEqual([200]);
			expect(gets[0].headers.authorization).toBe(`Bearer ${tokens.main.access_token}`);
		}
		expect(apiRequests(sb).filter((r) => r.method === 'POST' && r.path === LIST_PATH).map((r) => r.status)).toEqual([201, 201, 201, 201]);
		// n8n saved each run with both nodes' output
		for (const e of ended(WF.createAndGet.id)) {
			const got = n8n.savedNodeItems(e.data, 'Get');
			expect(got).toHaveLength(1);
			expect(n8n.savedNodeItems(e.data, 'Create')).toEqual(got);
		}
	});

	test('the Flextell Trigger on the main instance starts executions on the workers: each new record once, across a restart of main and of the workers', async () => {
		const t0 = Date.now();
		const listRequests = () => apiRequests(sb).filter((r) => r.method === 'GET' && r.path === LIST_PATH && r.headers.authorization === `Bearer ${tokens.main.access_token}`);
		const answered = () => listRequests().filter((r) => typeof r.status === 'number' && performance.timeOrigin + performance.now() - r.time > 1500);
		const runs = () => ended(WF.trigger.id);
		const emitted = () => runs().flatMap((e) => n8n.savedNodeItems(e.data, 'New contact').map((/** @type {any} */ i) => i.name));
		try {
			// The first poll (at activation) only sets the watermark: older records are never emitted.
			await waitFor('the first poll', () => answered().length >= 1, { timeoutMs: 60_000, intervalMs: 500 });

			// 1. two new records: emitted together, oldest first, by an execution on a worker
			const base = Date.now();
			sb.seed('contacts', [
				{ name: 'New A', created_at: new Date(base).toISOString() },
				{ name: 'New B', created_at: new Date(base + 5).toISOString() },
			]);
			const withAB = () => runs().find((e) => n8n.savedNodeItems(e.data, 'Got it').some((/** @type {any} */ i) => i.name === 'New A'));
			const first = await waitFor('an execution with A and B', withAB, { timeoutMs: 60_000, intervalMs: 500 });
			expect(first.mode).toBe('trigger');
			expect(first.status).toBe('success');
			expect(n8n.savedNodeItems(first.data, 'Got it').map((/** @type {any} */ i) => i.name).filter((/** @type {string} */ n) => n.startsWith('New'))).toEqual(['New A', 'New B']);
			await waitFor('the worker log of that execution', () => withAB()?.workers.length === 1, { timeoutMs: 10_000 });

			// 2. main restarts; a record added while it is down is emitted once after the restart
			let t = Date.now();
			await cluster.main.stop();
			sb.seed('contacts', [{ name: 'New C (main down)' }]);
			await cluster.main.start();
			timings['  main restart'] = Date.now() - t;
			await waitFor('an execution with C', () => emitted().includes('New C (main down)'), { timeoutMs: 90_000, intervalMs: 500 });

			// 3. no worker up: the poll on main still queues the execution in Redis; a worker that
			//    starts later runs it, once
			t = Date.now();
			await Promise.all(cluster.workers.map((w) => w.stop()));
			const pollsBefore = listRequests().length;
			sb.seed('contacts', [{ name: 'New D (no worker up)' }]);
			await waitFor('a poll while no worker is up', () => answered().length > pollsBefore, { timeoutMs: 60_000, intervalMs: 500 });
			expect(emitted()).not.toContain('New D (no worker up)');
			await allWorkers();
			timings['  both workers restarted'] = Date.now() - t;
			await waitFor('an execution with D', () => emitted().includes('New D (no worker up)'), { timeoutMs: 90_000, intervalMs: 500 });

			// 4. one more poll with nothing new: no more executions; every record exactly once
			const pollsNow = listRequests().length;
			await waitFor('one more poll', () => answered().length > pollsNow, { timeoutMs: 60_000, intervalMs: 500 });
			// each record at most once; the new ones all; the ones from before activation none (the
			// webhook test's contacts came after activation, but maybe before the first poll ended)
			const names = emitted();
			expect(new Set(names).size).toBe(names.length);
			expect(names.filter((n) => n.startsWith('New'))).toEqual(['New A', 'New B', 'New C (main down)', 'New D (no worker up)']);
			expect(names.filter((n) => !/^(New|Queue) /.test(n))).toEqual([]);
			const all = ended(WF.trigger.id);
			expect(all.every((e) => e.status === 'success' && e.mode === 'trigger' && e.workers.length === 1)).toBe(true);
			figures.push(`trigger: ${all.length} executions, on ${all.map((e) => e.workers[0]).join(', ')}; ${listRequests().length} polls`);
		} catch (e) {
			throw new Error(`${e instanceof Error ? e.stack : e}\n--- main (tail)\n${cluster.main.log().slice(-4000)}`);
		} finally {
			await allWorkers();
			if (!cluster.main.running) await cluster.main.start();
		}
		time('Flextell Trigger on main, executions on workers (main restart, workers down and up)', t0);
	}, 600_000);

	test('an OAuth2 token refreshed on one worker is written back; the other worker uses the new token without refreshing', async () => {
		const t0 = Date.now();
		const old = tokens.refresh;
		sb.seed('contacts', [{ name: 'Token check' }]);
		sb.expireAccessToken(old.access_token);
		const refreshes = () => sb.log.filter((/** @type {any} */ r) => r.path === '/oauth/token' && r.method === 'POST');
		// the refresh credential's list requests (the trigger's polls use the main credential's token)
		const refreshList = () =>
			apiRequests(sb).filter((r) => r.method === 'GET' && r.path === LIST_PATH && r.time >= t0 && r.headers.authorization !== `Bearer ${tokens.main.access_token}`);
		try {
			// worker 1 alone: 401 → refresh → retried with the new token
			await onlyWorker('worker-1');
			const before = refreshes().length;
			const r1 = await callWebhook('flextell-queue-refresh', {});
			expect(r1.status).toBe(200);
			const [run1] = ended(WF.refresh.id);
			expect(run1.workers).toEqual(['worker-1']);
			expect(refreshes()).toHaveLength(before + 1);
			const afterFirst = refreshList();
			expect(afterFirst.map((r) => r.status)).toEqual([401, 200]);
			expect(afterFirst[0].headers.authorization).toBe(`Bearer ${old.access_token}`);
			const fresh = String(afterFirst[1].headers.authorization).replace(/^Bearer /, '');
			expect(fresh).not.toBe(old.access_token);

			// written back to the database (n8n's own export, decrypted)
			const out = path.join(work, 'credentials-export.json');
			await cluster.cli(['export:credentials', '--all', '--decrypted', `--output=${out}`]);
			const stored = JSON.parse(fs.readFileSync(out, 'utf8')).find((/** @type {any} */ c) => c.id === CRED.refresh.id);
			fs.rmSync(out, { force: true });
			expect(stored.data.oauthTokenData.access_token).toBe(fresh);

			// worker 2 alone: the stored token at once, no refresh
			await onlyWorker('worker-2');
			const r2 = await callWebhook('flextell-queue-refresh', {});
			expect(r2.status).toBe(200);
			const runs = ended(WF.refresh.id);
			expect(runs).toHaveLength(2);
			expect(runs[1].workers).toEqual(['worker-2']);
			const second = refreshList().slice(afterFirst.length);
			expect(second.map((r) => r.status)).toEqual([200]);
			expect(second[0].headers.authorization).toBe(`Bearer ${fresh}`);
			expect(refreshes()).toHaveLength(before + 1);
			figures.push(`token refresh: 1 refresh on worker-1 (execution ${run1.id}), worker-2 used the stored token (execution ${runs[1].id})`);
		} finally {
			await allWorkers();
		}
		time('token refreshed on worker-1, used by worker-2 (2 worker stops/starts, export)', t0);
	}, 300_000);

	/**
	 * Bulk runs over both workers against one limit (one token): each worker has its own gate and
	 * knows the other only through the sandbox's answers. Every request names its execution, so the
	 * sandbox's log tells the workers apart. `parts`: items per execution, started at once.
	 */
	const BULK = /** @type {const} */ ([
		{ headers: 'ietf', concurrency: 4, parts: [30, 30, 30, 30] },
		{ headers: 'x', concurrency: 1, parts: [30, 30, 30, 30] },
		{ headers: 'none', concurrency: 1, parts: [30, 30, 30, 30] },
		{ headers: 'none', concurrency: 4, parts: [30, 30, 30, 30] },
		// skewed: one execution three times the other's, so one worker is idle for the second half
		{ headers: 'none', concurrency: 1, parts: [90, 30] },
	]);
	/** The limit: 30 per 2 s (the ideal for 120 items is 8 s), above the 16 requests two workers at concurrency 4 have on their way. */
	const LIMIT = 30;
	for (const run of BULK) {
		const label = `${run.headers === 'none' ? 'no rate-limit headers' : `${run.headers === 'x' ? 'X-RateLimit' : 'IETF RateLimit'} headers`}, concurrency ${run.concurrency}${run.parts.length === 2 ? ', skewed load' : ''}`;
		test(`a rate-limited bulk run over both workers (${label}): 0 failed items${run.concurrency === 1 ? '; after the first hold at most two early requests per other worker per hold and a probe\'s 429 per worker per paced window' : ' (early requests per hold printed)'}`, async () => {
			const t0 = Date.now();
			// Fresh worker processes: what a gate learned in an earlier test would pace this one.
			await Promise.all(cluster.workers.map((w) => w.restart()));
			const total = run.parts.reduce((s, n) => s + n, 0);
			const ids = sb.seed('contacts', total).map((/** @type {any} */ r) => r.id);
			sb.configure({ rateLimit: { limit: LIMIT, windowSeconds: 2, retryAfter: 'seconds', suspendAfter: 1e9, headers: run.headers } });
			const from = performance.timeOrigin + performance.now();
			const wf = run.concurrency === 4 ? WF.bulk4 : WF.bulk;
			const known = new Set(ended(wf.id).map((e) => e.id));
			try {
				let at = 0;
				const slices = run.parts.map((n) => ids.slice(at, (at += n)));
				const hook = run.concurrency === 4 ? 'flextell-queue-bulk4' : 'flextell-queue-bulk';
				const answers = await Promise.all(slices.map((part) => callWebhook(hook, { items: part.map((/** @type {string} */ id) => ({ id })) })));
				for (const a of answers) if (a.status !== 200) throw new Error(`bulk webhook answered ${a.status}: ${a.text.slice(0, 2000)}`);
				const items = answers.flatMap((a) => a.json);
				expect(items.map((i) => i.id).sort()).toEqual([...ids].sort()); // 0 failed items
				const runs = ended(wf.id).filter((e) => !known.has(e.id));
				expect(runs).toHaveLength(run.parts.length);
				expect(new Set(runs.flatMap((e) => e.workers))).toEqual(new Set(['worker-1', 'worker-2']));

				const api = apiRequests(sb).filter((r) => r.time >= from && r.path.startsWith(`${LIST_PATH}/`));
				const read = readRun(api, workerByExecution(cluster.whoRan()));
				expect(read.byWorker['?']).toBeUndefined(); // every request named its execution
				const after = afterFirstHold(api, workerByExecution(cluster.whoRan()));
				figures.push(
					`bulk, ${label}: ${run.parts.join('+')} items (${runs.map((e) => e.workers[0]).join(', ')}), limit ${LIMIT} per 2 s: ${read.requests} requests, ` +
						`${read.r429} × 429 (per worker: ${Object.entries(read.byWorker).map(([w, x]) => `${w} ${x.r429}`).join(', ')}; after the first hold ${after.r429}), ` +
						`${read.early} early (after the first hold, at most ${after.maxOtherEarlyPerHold} per other worker per hold), ${read.holds.length} holds (${describeHolds(read.holds, api[0].time).join('; ') || '–'}), ` +
						`${read.wallS.toFixed(1)} s (ideal ${(total / (LIMIT / 2)).toFixed(0)} s)`,
				);
				// The first hold meets every request already on its way (nobody knew the limit, or no
				// answer had said what is left). After it, at concurrency 1, a worker has one request
				// on its way (and keeps no more in flight than its rate needs): at most that many,
				// two at a window's turn, reach the server early when another worker's 429 closes the
				// window. At concurrency 4 a worker may have as many on their way as the headers said
				// were left (3 and 4 seen with IETF headers, 2026-12-07): printed above, not asserted —
				// issue 23's goal of ≤ 1 per other worker per hold is not met there.
				if (run.concurrency === 1) expect(after.maxOtherEarlyPerHold).toBeLessThanOrEqual(2);
				// One request at a time per execution: after the first hold, a worker's 429s are its probes'
				// (one request past its budget in each paced window while none finds room: docs/pacing.md),
				// at most 3 in these 4 windows' work. (At concurrency 4 the 16 requests two workers have on
				// their way are half this limit, and a few more 429s at a window's start are possible:
				// printed above, not asserted.)
				if (run.concurrency === 1) expect(after.max429PerWorker).toBeLessThanOrEqual(3);
			} finally {
				sb.configure({ rateLimit: null });
			}
			time(`bulk run, ${label}`, t0);
		}, 300_000);
	}
	/**
	 * The bound in the shape users meet (issue 23): no rate-limit headers (as Flextell's API
	 * documentation), a fixed window of 40 per 10 s, 4 executions × 30 GETs, worker-2's executions
	 * starting 150 ms after worker-1's, and the workers kept running from the first run to the
	 * second (what a gate learned in the first paces the second). The fixed-window least for 120
	 * requests is 20 s (3 windows; the last opens 2 windows after the first request).
	 */
	const PACE = { limit: 40, windowSeconds: 10, parts: [30, 30, 30, 30], skewMs: 150 };
	for (const nth of [1, 2]) {
		test(`the shape users meet (no headers, ${PACE.limit} per ${PACE.windowSeconds} s, worker-2 ${PACE.skewMs} ms later, workers kept running), run ${nth} of 2: 0 requests before a worker's own Retry-After, 0 failed items, wall ≤ 1.20 × the fixed-window least`, async () => {
			const t0 = Date.now();
			const total = PACE.parts.reduce((s, n) => s + n, 0);
			const ids = sb.seed('contacts', total).map((/** @type {any} */ r) => r.id);
			sb.configure({ rateLimit: { limit: PACE.limit, windowSeconds: PACE.windowSeconds, retryAfter: 'seconds', suspendAfter: 1e9, headers: 'none' } });
			const from = performance.timeOrigin + performance.now();
			const known = new Set(ended(WF.pace.id).map((e) => e.id));
			try {
				let at = 0;
				const slices = PACE.parts.map((n) => ids.slice(at, (at += n)));
				const answers = await Promise.all(slices.map((part) => callWebhook('flextell-queue-pace', { items: part.map((/** @type {string} */ id) => ({ id })), skewMs: { 'worker-2': PACE.skewMs } })));
				for (const a of answers) if (a.status !== 200) throw new Error(`pace webhook answered ${a.status}: ${a.text.slice(0, 2000)}`);
				expect(answers.flatMap((a) => a.json).map((i) => i.id).sort()).toEqual([...ids].sort()); // 0 failed items
				const runs = ended(WF.pace.id).filter((e) => !known.has(e.id));
				expect(runs).toHaveLength(PACE.parts.length);
				// two executions on each worker (each runs at most two at once)
				expect(runs.map((e) => e.workers[0]).sort()).toEqual(['worker-1', 'worker-1', 'worker-2', 'worker-2']);

				const api = apiRequests(sb).filter((r) => r.time >= from && r.path.startsWith(`${LIST_PATH}/`));
				const workerOf = workerByExecution(cluster.whoRan());
				const read = readRun(api, workerOf);
				expect(read.byWorker['?']).toBeUndefined();
				const { moments, mismatches } = fixedWindowMoments(api, PACE);
				expect(mismatches).toBe(0); // the replay of the fixed window tells the same story as the log
				const early = earlyByWhose(api, workerOf, moments);
				const leastS = fixedWindowLeastS(total, PACE.limit, PACE.windowSeconds);
				const first = (/** @type {string} */ w) => api.find((r) => workerOf(r) === w)?.time ?? NaN;
				figures.push(
					`pace run ${nth}: ${read.requests} requests, wall ${read.wallS.toFixed(1)} s, least ${leastS} s, ÷ least ${(read.wallS / leastS).toFixed(2)}; ` +
						`429s ${Object.entries(read.byWorker).map(([w, x]) => `${w} ${x.r429}`).join(', ')}; before a Retry-After: own ${early.own} (in flight ${early.inFlight}), ` +
						`another worker's ${early.others} (most per other worker per hold ${read.maxOtherEarlyPerHold}); worker-2 first request ${(first('worker-2') - first('worker-1')).toFixed(0)} ms after worker-1's; ` +
						`holds ${describeHolds(read.holds, api[0].time).join('; ') || '–'}; load ${require('node:os').loadavg()[0].toFixed(2)}`,
				);
				expect(early.own).toBe(0);
				// Issue 23's goal: wall ≤ 1.20 × the fixed-window least (the bench's 10 s rows: 1.11–1.14,
				// docs/benchmarks.md, Queue mode; 1.58 and 1.65 here with the rules before).
				expect(read.wallS / leastS).toBeLessThanOrEqual(1.2);
			} finally {
				sb.configure({ rateLimit: null });
			}
			time(`pace run ${nth} (no headers, ${PACE.limit} per ${PACE.windowSeconds} s, skew ${PACE.skewMs} ms)`, t0);
		}, 180_000);
	}
});
