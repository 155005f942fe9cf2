// @ts-check
// End-to-end: a Flextell Trigger active in a real `n8n start` while the list fails for longer than
// one poll's budget and polls keep starting, then recovers. Every record comes out exactly once,
// n8n records an error execution for the failed polls, a poll that starts while another one of the
// trigger runs ends at once (and says so in n8n's log), and idle polls stay silent.
// Run with `npm run test:e2e` (test/e2e/run.js sets FLEXTELL_N8N_VERSION and FLEXTELL_E2E_PACK_DIR).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { CRED } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const install = n8nPaths(VERSION);
const WORKFLOW_ID = 'e2eTriggerOutag1';
const LIST_PATH = '/api/v0.0.1/contacts';

// Poll Times: two entries one second apart every 10 s (:00 and :01, :10 and :11, …); n8n refuses a
// single entry more often than once a minute. The shortest gap (1 s) gives the trigger its
// smallest budget, 5 s, so a poll retrying through 500s is still running when the next one starts.
const POLL_SECONDS = [0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51];
const POLL_TIMES = { item: POLL_SECONDS.map((s) => ({ mode: 'custom', cronExpression: `${s} * * * * *` })) };
const BUDGET_MESSAGE = 'The poll of contacts did not finish within its time budget of 5 s';
const SKIP_LOG = 'the previous poll of this trigger is still running';
/** 500s queued for the list: each failing poll uses 2–4 of them (retries until its budget ends). */
const OUTAGE_FAULTS = 10;

/** @type {string | undefined} */ let ownPack;
/** @type {any} */ let sb;
/** @type {string} */ let work;
/** @type {string} */ let folder;
/** @type {Record<string, any>} */ let tokens;

function triggerWorkflow() {
	const trigger = {
		id: 'e2e00000-0000-4000-8000-0000000000a1',
		name: 'New contact',
		type: `${n8n.PACKAGE_NAME}.flextellTrigger`,
		typeVersion: 1,
		position: [0, 0],
		parameters: { pollTimes: POLL_TIMES, path: 'contacts', event: 'newRecord', dateField: 'created_at', idField: 'id', options: {} },
		credentials: { flextellOAuth2Api: { id: CRED.main.id, name: CRED.main.name } },
	};
	const noOp = { id: 'e2e00000-0000-4000-8000-0000000000a2', name: 'Got it', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} };
	return {
		id: WORKFLOW_ID,
		name: 'e2e: Flextell Trigger through an outage',
		active: false,
		nodes: [trigger, noOp],
		connections: { [trigger.name]: { main: [[{ node: noOp.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		pinData: {},
	};
}

/** @param {string} userFolder */
async function envFor(userFolder) {
	return n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort() });
}

/** @param {string[]} args */
async function cli(args) {
	const r = await n8n.runN8n(install, args, { env: await envFor(folder), timeoutMs: 120_000 });
	if (r.code !== 0 || r.timedOut) throw new Error(`n8n ${args.join(' ')} failed (exit ${r.code}${r.timedOut ? ', timed out' : ''})\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return r;
}

/** List requests (GET /api/v0.0.1/contacts) in the sandbox's log, oldest first. */
function listRequests() {
	return sb.log.filter((/** @type {any} */ e) => !e.control && e.method === 'GET' && e.path === LIST_PATH);
}

/** A poll is over once the sandbox answered it and n8n had a moment to handle the answer. */
function answeredLists() {
	return listRequests().filter((/** @type {any} */ e) => typeof e.status === 'number' && Date.now() - e.time > 1500);
}

/** Waits until check() returns a truthy value (checked every 500 ms); fails after timeoutMs. @template T @param {string} what @param {() => T} check @param {number} timeoutMs @returns {Promise<NonNullable<T>>} */
async function waitFor(what, check, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = check();
		if (v) return /** @type {NonNullable<T>} */ (v);
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

/** Finished executions of the workflow in n8n's database, oldest first. */
function executions() {
	return n8n.readExecutions(install, folder, { workflowId: WORKFLOW_ID }).filter((e) => e.finished || e.status === 'success' || e.status === 'error');
}

/** The error message of a failed execution as n8n saved it. @param {any} execution */
function errorOf(execution) {
	const error = execution.data?.resultData?.error;
	return `${error?.message ?? ''} ${error?.description ?? ''}`;
}

beforeAll(async () => {
	const started = await startSuite(VERSION, 'outage', { requiredFields: { contacts: ['name'] } });
	({ sb, work, ownPack } = started);
	const { packDir } = started;
	folder = path.join(work, 'user');
	fs.mkdirSync(folder);
	n8n.installPackage(folder, 'pack', packDir);
	tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	const credFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens })]));
	const wfFile = path.join(work, 'workflow.json');
	fs.writeFileSync(wfFile, JSON.stringify(triggerWorkflow()));
	await cli(['import:credentials', `--input=${credFile}`]);
	await cli(['import:workflow', `--input=${wfFile}`]);
	await cli(n8n.activateArgs(install, WORKFLOW_ID));
}, 300_000);

afterAll(async () => {
	await endSuite({ sb, work, ownPack });
});

test(`n8n ${VERSION}: the list fails for longer than a poll's budget while polls keep starting, then recovers: every record once, error executions for the failed polls, skipped overlapping polls logged, idle polls silent`, async () => {
	const t0 = Date.now();
	sb.seed('contacts', [{ name: 'Old 1' }, { name: 'Old 2' }]);
	const server = await n8n.startN8n(install, { env: await envFor(folder), readyTimeoutMs: 120_000 });
	try {
		// 1. The activation poll only sets the watermark.
		await waitFor('the first poll', () => answeredLists().length >= 1, 90_000);
		expect(executions()).toEqual([]);

		// 2. New records, and the list fails (500) for several polls: each failing poll retries until
		//    its budget ends while the next poll time comes, and a record arrives during the outage.
		const [a1, a2] = sb.seed('contacts', [{ name: 'During 1' }, { name: 'During 2' }]);
		sb.injectFaults(Array.from({ length: OUTAGE_FAULTS }, () => ({ kind: 'status', status: 500, match: { method: 'GET', path: LIST_PATH } })));
		const failed = () => listRequests().filter((/** @type {any} */ e) => e.status === 500).length;
		await waitFor('the outage to be half over', () => failed() >= OUTAGE_FAULTS / 2, 90_000);
		const [a3] = sb.seed('contacts', [{ name: 'During 3' }]);
		await waitFor('the outage to end', () => failed() >= OUTAGE_FAULTS, 90_000);

		// 3. Recovery: all three come out, once.
		const emitted = () =>
			executions()
				.filter((e) => e.status === 'success')
				.flatMap((e) => n8n.savedNodeItems(e.data, 'New contact'));
		await waitFor('every new record emitted', () => emitted().length >= 3, 90_000);

		// 4. Idle polls after that are silent.
		const answered = answeredLists().length;
		await waitFor('three more polls', () => answeredLists().length >= answered + 3, 90_000);

		const all = executions();
		const successes = all.filter((e) => e.status === 'success');
		const errors = all.filter((e) => e.status === 'error');
		const names = emitted().map((/** @type {any} */ i) => i.name);
		expect([...names].sort()).toEqual(['During 1', 'During 2', 'During 3']);
		expect(emitted().map((/** @type {any} */ i) => i.id).sort()).toEqual([a1.id, a2.id, a3.id].sort());
		expect(names.some((name) => name.startsWith('Old'))).toBe(false);
		expect(successes.every((e) => e.mode === 'trigger')).toBe(true);

		// n8n recorded the failed polls as error executions; at least one ran out of its budget.
		expect(errors.length).toBeGreaterThanOrEqual(1);
		expect(errors.some((e) => errorOf(e).includes(BUDGET_MESSAGE))).toBe(true);

		// Polls that started while a failing poll was still retrying ended at once, and said so.
		const log = server.output();
		expect(log).toContain(SKIP_LOG);

		// The watermark in n8n's database points at the newest record emitted.
		const [row] = n8n.sqliteQuery(install, folder, 'SELECT staticData FROM workflow_entity WHERE id = ?', [WORKFLOW_ID]);
		const stored = JSON.parse(row.staticData)['node:New contact'];
		const newest = [a1, a2, a3].sort((x, y) => (x.created_at < y.created_at ? 1 : -1))[0];
		expect(stored.watermark).toBe(newest.created_at);

		const lists = listRequests();
		const skipped = log.split(SKIP_LOG).length - 1;
		process.stderr.write(
			`[e2e n8n ${VERSION}] trigger outage: ${lists.length} list requests (${failed()} answered 500), ` +
				`${errors.length} error executions, ${successes.length} success executions, ${skipped} polls skipped while another ran, ` +
				`${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
		);
	} catch (e) {
		const out = server.output().slice(-5000);
		throw new Error(
			`${e instanceof Error ? e.stack : e}\n--- list requests [time, status]\n${JSON.stringify(listRequests().map((/** @type {any} */ r) => [Math.round(r.time) % 100000, r.status]))}` +
				`\n--- executions\n${JSON.stringify(executions().map((x) => [x.id, x.status, errorOf(x).slice(0, 200)]))}\n--- n8n output (tail)\n${out}`,
		);
	} finally {
		await server.stop();
	}
}, 420_000);
