// @ts-check
// End-to-end: what a newcomer meets first, in a real n8n against the sandbox with the demo's
// records (20 contacts, 6 tickets): example 04 lists 3 contacts and gets 3 (not a page per
// Limit), a GET of one record goes out exactly as written, a `limit` the user wrote is honoured
// (without Return All one request; with Return All the page size of every request), and a
// mistyped collection fails with Flextell's 404 instead of a green run with no data.
// Run with `npm run test:e2e` (test/e2e/run.js sets FLEXTELL_N8N_VERSION and FLEXTELL_E2E_PACK_DIR).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { apiRequests } = require('../../scripts/lib/sandbox');
const { fixedUuid, manualWorkflow } = require('../../scripts/lib/workflows');
const { seedDemoData } = require('../../sandbox/demo-data');
const { CRED } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const install = n8nPaths(VERSION);
const EXAMPLE_04 = path.join(n8n.ROOT, 'examples', '04-continue-on-fail.json');
const API = '/api/v0.0.1';

/** @param {string} name @param {Record<string, any>} parameters */
function flextell(name, parameters) {
	return {
		id: fixedUuid(`newcomer:${name}`),
		name,
		type: n8n.NODE_TYPE,
		typeVersion: 1,
		parameters: { options: {}, ...parameters },
		credentials: { flextellOAuth2Api: { id: CRED.main.id, name: CRED.main.name } },
		executeOnce: true,
	};
}

/** @param {string} name @param {string} value */
const query = (name, value) => ({ parameters: [{ name, value }] });

const WORKFLOWS = {
	// Each node runs once: its own request, whatever the previous node output.
	asWritten: manualWorkflow('e2eAsWritten0001', 'e2e: requests exactly as written', [
		flextell('Five', { method: 'GET', path: 'contacts', queryParameters: query('limit', '5') }),
		flextell('All by 7', { method: 'GET', path: 'contacts', returnAll: true, queryParameters: query('limit', '7') }),
		flextell('One', { method: 'GET', path: '=contacts/{{ $json.id }}' }),
	]),
	mistyped: manualWorkflow('e2eMistyped00001', 'e2e: a mistyped collection', [flextell('Typo', { method: 'GET', path: 'contactz' })]),
};

/** @type {string | undefined} */ let ownPack;
/** @type {any} */ let sb;
/** @type {string} */ let work;
/** @type {string} */ let folder;

/** @param {string[]} args */
async function cli(args) {
	const env = n8n.n8nEnv({ userFolder: folder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port: await n8n.freePort() });
	const r = await n8n.runN8n(install, args, { env, timeoutMs: 120_000 });
	if (r.timedOut) throw new Error(`n8n ${args.join(' ')} timed out\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	return r;
}

/** `n8n execute --id --rawOutput`; the parsed run, and the API requests it made. @param {string} id */
async function execute(id) {
	sb.clearLog();
	const r = await cli(['execute', `--id=${id}`, '--rawOutput']);
	return { ...r, result: n8n.parseExecuteOutput(r.stdout), requests: apiRequests(sb) };
}

/** @param {Awaited<ReturnType<typeof execute>>} r */
function expectSuccess(r) {
	if (r.code !== 0 || !r.result || r.result.data.resultData.error) {
		throw new Error(`execution did not succeed: exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	}
}

beforeAll(async () => {
	const started = await startSuite(VERSION, 'newcomer');
	({ sb, work, ownPack } = started);
	const { packDir } = started;
	seedDemoData(sb);
	folder = path.join(work, 'user');
	fs.mkdirSync(folder);
	n8n.installPackage(folder, 'pack', packDir);
	const tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	const credFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify([n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens })]));
	const wfDir = path.join(work, 'workflows');
	fs.mkdirSync(wfDir);
	for (const w of Object.values(WORKFLOWS)) fs.writeFileSync(path.join(wfDir, `${w.id}.json`), JSON.stringify(w));
	fs.copyFileSync(EXAMPLE_04, path.join(wfDir, path.basename(EXAMPLE_04)));
	for (const args of [['import:credentials', `--input=${credFile}`], ['import:workflow', '--separate', `--input=${wfDir}`]]) {
		const r = await cli(args);
		if (r.code !== 0) throw new Error(`n8n ${args[0]} failed\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	}
}, 300_000);

afterAll(async () => {
	await endSuite({ sb, work, ownPack });
});

describe(`n8n ${VERSION}: a newcomer's first runs`, () => {
	test("example 04 with 20 contacts: 'List 3 contacts' outputs 3 from one request of limit=3; the bad id goes down the error output", async () => {
		const r = await execute('flextellExample4');
		expectSuccess(r);
		expect(n8n.nodeItems(r.result, 'List 3 contacts').map((/** @type {any} */ c) => c.name)).toEqual(['Ada Lovelace', 'Alan Turing', 'Barbara Liskov']);
		const lists = r.requests.filter((/** @type {any} */ e) => e.path === `${API}/contacts`);
		expect(lists.map((/** @type {any} */ e) => e.target)).toEqual([`${API}/contacts?limit=3`]);
		// one GET per listed contact, each exactly the path written: no query added
		const gets = r.requests.filter((/** @type {any} */ e) => e.path.startsWith(`${API}/contacts/`));
		expect(gets.map((/** @type {any} */ e) => e.target).sort()).toEqual(
			[...n8n.nodeItems(r.result, 'Use contact').map((/** @type {any} */ c) => `${API}/contacts/${c.id}`), `${API}/contacts/obj_does_not_exist`].sort(),
		);
		expect(n8n.nodeItems(r.result, 'Use contact').map((/** @type {any} */ c) => c.name)).toEqual(['Ada Lovelace', 'Barbara Liskov']);
		const failed = n8n.nodeItems(r.result, 'Handle failure');
		expect(failed).toEqual([expect.objectContaining({ name: 'Alan Turing', error: expect.objectContaining({ code: 'not_found', statusCode: 404 }) })]);
	}, 180_000);

	test("a user's limit is honoured (one request of limit=5; Return All pages of limit=7); a GET of one record goes out exactly as written", async () => {
		const r = await execute(WORKFLOWS.asWritten.id);
		expectSuccess(r);
		expect(n8n.nodeItems(r.result, 'Five')).toHaveLength(5);
		const all = n8n.nodeItems(r.result, 'All by 7');
		expect(all).toHaveLength(20);
		const [first] = all;
		expect(n8n.nodeItems(r.result, 'One')).toEqual([expect.objectContaining({ id: first.id, name: 'Ada Lovelace' })]);
		const targets = r.requests.map((/** @type {any} */ e) => e.target);
		expect(targets[0]).toBe(`${API}/contacts?limit=5`);
		// Return All: every page asks for the user's 7 (20 = 7 + 7 + 6), the node adds only the cursor
		expect(targets.slice(1, 4).map((t) => new URL(t, sb.url).searchParams.get('limit'))).toEqual(['7', '7', '7']);
		expect(targets[1]).toBe(`${API}/contacts?limit=7`);
		expect(targets.slice(2, 4).every((t) => /^\/api\/v0\.0\.1\/contacts\?limit=7&cursor=[^&]+$/.test(t))).toBe(true);
		expect(targets.slice(4)).toEqual([`${API}/contacts/${first.id}`]);
	}, 180_000);

	test("a mistyped collection fails the run with Flextell's 404 and the node's advice", async () => {
		const r = await execute(WORKFLOWS.mistyped.id);
		expect(r.code).not.toBe(0);
		expect(r.requests.map((/** @type {any} */ e) => [e.target, e.status])).toEqual([[`${API}/contactz`, 404]]);
		const error = r.result?.data?.resultData?.error;
		const text = error ? `${error.message}\n${error.description}` : `${r.stdout}\n${r.stderr}`;
		expect(text).toContain("There is no collection 'contactz'. Check the path.");
		expect(text).toMatch(/Check the Path and the API version/);
	}, 180_000);
});
