// @ts-check
// End-to-end: the package as users get it from n8n's Settings → Community Nodes, with a local
// registry standing in for npmjs.org (scripts/lib/registry.js: Verdaccio on loopback, a proxy that
// answers for registry.npmjs.org, n8n's npm pointed at it through its user config; n8n itself
// keeps its default registry). The packed package is published as three versions: this release,
// a next patch (version rewritten in a copy) and a broken one whose `n8n.nodes` names a missing
// file (dist-tag `broken`, so `latest` stays the good patch). Then, through n8n's REST API as the
// owner, one n8n in one user folder: install this release → a saved workflow runs against the
// sandbox → the broken version is refused and n8n keeps this release (the workflow still runs) →
// update to the patch → restart → the workflow still runs → uninstall → the workflow no longer
// runs. Then the manual route: `npm install --legacy-peer-deps n8n-nodes-flextell` in a user folder's
// `.n8n/nodes`, n8n loads it and the workflow runs; and what npm does without that flag or with --omit=peer.
// Every npm request must have gone to the local registry. Run with `npm run test:e2e`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { n8nPaths, DEFAULT_VERSION } = require('../../scripts/ensure-n8n');
const n8n = require('../../scripts/lib/n8n');
const { runExample } = require('../../scripts/lib/examples');
const { startLocalRegistry, editedPackage, REGISTRY_HOST } = require('../../scripts/lib/registry');
const { apiRequests } = require('../../scripts/lib/sandbox');
const { fixedUuid, manualWorkflow } = require('../../scripts/lib/workflows');
const { seedDemoData } = require('../../sandbox/demo-data');
const { CRED } = require('./workflows');
const { endSuite, startSuite } = require('./suite-start');

const VERSION = process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION;
const install = n8nPaths(VERSION);
const NAME = n8n.PACKAGE_NAME;
const API = '/api/v0.0.1';
// n8n 2.x rolls a failed update back to the version it had; n8n 1.x (1.123.81) unloads the package
// and deletes its folder, while its list still names the old version (its code: installOrUpdatePackage).
const ROLLS_BACK = Number(VERSION.split('.')[0]) >= 2;

const WORKFLOW = manualWorkflow('e2eInstaller0001', 'e2e: saved before the install', [
	{
		id: fixedUuid('installer:List 3 contacts'),
		name: 'List 3 contacts',
		type: n8n.NODE_TYPE,
		typeVersion: 1,
		parameters: { method: 'GET', path: 'contacts', queryParameters: { parameters: [{ name: 'limit', value: '3' }] }, options: {} },
		credentials: { flextellOAuth2Api: { id: CRED.main.id, name: CRED.main.name } },
	},
]);
/** What runExample() needs to run the workflow from its manual trigger. */
const RUNNABLE = { number: '', file: WORKFLOW.name, id: WORKFLOW.id, name: WORKFLOW.name, trigger: 'Start', workflow: WORKFLOW };

/** @type {string | undefined} */ let ownPack;
/** @type {any} */ let sb;
/** @type {string} */ let work;
/** @type {Awaited<ReturnType<typeof startLocalRegistry>>} */ let registry;
/** @type {{ v1: string, v2: string, broken: string }} */ let versions;
/** @type {Awaited<ReturnType<typeof n8n.startN8n>> | undefined} */ let server;
/** @type {Record<string,string>} */ let env;
/** @type {Record<string,string>} */ let headers;
/** @type {string} */ let base;
const timings = /** @type {Record<string, number>} */ ({});

/** n8n's environment for a user folder, its npm sent to the local registry. @param {string} userFolder */
async function envFor(userFolder) {
	const port = await n8n.freePort();
	return registry.env(n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port, extra: n8n.offlineEnv(install) }));
}

/** The credential and the workflow into a user folder, as a user saved them before installing. @param {Record<string,string>} e */
async function importSaved(e) {
	const dir = fs.mkdtempSync(path.join(work, 'import-'));
	const tokens = sb.issueToken({ scope: 'read write', ttlSeconds: 3600 });
	fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify([n8n.credentialRecord({ ...CRED.main, sandbox: sb, tokens })]));
	fs.writeFileSync(path.join(dir, 'workflow.json'), JSON.stringify([WORKFLOW]));
	for (const args of [
		['import:credentials', `--input=${path.join(dir, 'credentials.json')}`],
		['import:workflow', `--input=${path.join(dir, 'workflow.json')}`],
	]) {
		const r = await n8n.runN8n(install, args, { env: e, timeoutMs: 120_000 });
		if (r.code !== 0) throw new Error(`n8n ${args[0]} failed\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	}
}

async function start() {
	const t0 = Date.now();
	server = await n8n.startN8n(install, { env });
	base = `http://127.0.0.1:${env.N8N_PORT}`;
	await n8n.waitForRestApi(base);
	headers = (await n8n.ownerSession(base)).headers;
	return (Date.now() - t0) / 1000;
}

/**
 * One call to n8n's Community Nodes API (what Settings → Community Nodes sends).
 * @param {'GET'|'POST'|'PATCH'|'DELETE'} method @param {string} [query] @param {unknown} [body]
 */
async function packages(method, query = '', body) {
	const t0 = Date.now();
	const res = await fetch(`${base}/rest/community-packages${query}`, {
		method,
		headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(120_000),
	});
	const text = await res.text();
	/** @type {any} */ let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = { text };
	}
	return { status: res.status, ok: res.ok, data: json?.data, message: String(json?.message ?? ''), text, seconds: (Date.now() - t0) / 1000 };
}

/** The installed entry for the package in n8n's list, if any. */
async function listed() {
	const r = await packages('GET');
	expect(r.status).toBe(200);
	return (r.data ?? []).find((/** @type {any} */ p) => p.packageName === NAME);
}

/** The version in the user folder's copy of the package, or undefined. @param {string} userFolder */
function versionOnDisk(userFolder) {
	const p = path.join(userFolder, '.n8n', 'nodes', 'node_modules', NAME, 'package.json');
	return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')).version : undefined;
}

/** Runs the saved workflow in the running n8n and checks it listed the 3 oldest contacts in one request. */
async function workflowRuns() {
	sb.clearLog();
	const r = await runExample(base, headers, /** @type {any} */ (RUNNABLE), { timeoutMs: 120_000 });
	if (r.status !== 'success' || !r.nodes.some((n) => n.name === 'List 3 contacts')) {
		const log = (server?.output() ?? '').split('\n').filter((l) => /flextell|community|error/i.test(l)).slice(-20).join('\n');
		throw new Error(`the saved workflow did not run the Flextell node: ${r.status} ${JSON.stringify(r.error)}; nodes run: ${r.nodes.map((n) => n.name).join(', ')}\n${log}`);
	}
	expect(r.items('List 3 contacts').map((/** @type {any} */ c) => c.name)).toEqual(['Ada Lovelace', 'Alan Turing', 'Barbara Liskov']);
	expect(apiRequests(sb).map((/** @type {any} */ e) => [e.target, e.status])).toEqual([[`${API}/contacts?limit=3`, 200]]);
}

/**
 * n8n's log lines about the package at level warn or error. n8n's own install folder is taken out
 * of each line first: its default path (~/.cache/n8n-nodes-flextell/…) holds the package's name, so
 * any stack trace of n8n's would look like a line about the package (n8n 1.123.81 logs one for its
 * own "empty stringified array" race).
 */
function packageWarnings() {
	return (server?.output() ?? '')
		.split('\n')
		.filter((l) => l.split(install.dir).join('').includes(NAME) && /"level":"(warn|error)"|\b(warn|error)\b/i.test(l))
		.filter((l) => !/Unrecognized node type/.test(l));
}

beforeAll(async () => {
	const started = await startSuite(VERSION, 'installer');
	({ sb, work, ownPack } = started);
	const { packDir } = started;
	seedDemoData(sb);
	let t0 = Date.now();
	registry = await startLocalRegistry({ dir: path.join(work, 'registry'), logFile: path.join(work, 'verdaccio.log') });
	timings.registry = (Date.now() - t0) / 1000;

	const v1 = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8')).version;
	const [major, minor, patch] = v1.split('.').map(Number);
	versions = { v1, v2: `${major}.${minor}.${patch + 1}`, broken: `${major}.${minor}.${patch + 2}` };
	t0 = Date.now();
	registry.publish(packDir);
	registry.publish(editedPackage(packDir, path.join(work, 'next'), (p) => (p.version = versions.v2)));
	registry.publish(
		editedPackage(packDir, path.join(work, 'broken'), (p) => {
			p.version = versions.broken;
			p.n8n.nodes = [...p.n8n.nodes, 'dist/nodes/Missing/Missing.node.js'];
		}),
		'broken',
	);
	timings.publish = (Date.now() - t0) / 1000;

	const userFolder = path.join(work, 'user');
	fs.mkdirSync(userFolder);
	env = await envFor(userFolder);
	await importSaved(env);
	timings.start = await start();
}, 300_000);

afterAll(async () => {
	await server?.stop();
	await registry?.stop();
	process.stderr.write(`[installer e2e, n8n ${VERSION}] ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}\n`);
	await endSuite({ sb, work, ownPack });
});

describe(`n8n ${VERSION}: Settings → Community Nodes, from a registry`, () => {
	test('install: n8n installs this release from the registry, loads it, and a workflow saved before runs against the sandbox', async () => {
		expect(await listed()).toBeUndefined();
		const r = await packages('POST', '', { name: NAME, version: versions.v1 });
		timings.install = r.seconds;
		if (!r.ok) throw new Error(`install failed: ${r.status} ${r.text.slice(0, 1000)}`);
		expect(r.data).toMatchObject({ packageName: NAME, installedVersion: versions.v1 });
		expect((r.data.installedNodes ?? []).map((/** @type {any} */ n) => n.type).sort()).toEqual([`${NAME}.flextell`, `${NAME}.flextellTrigger`]);
		expect(versionOnDisk(env.N8N_USER_FOLDER)).toBe(versions.v1);
		// what n8n unpacked is what `npm pack` ships: no node_modules of its own (n8n-workflow is n8n's)
		expect(fs.existsSync(path.join(env.N8N_USER_FOLDER, '.n8n', 'nodes', 'node_modules', NAME, 'node_modules'))).toBe(false);
		expect(fs.existsSync(path.join(env.N8N_USER_FOLDER, '.n8n', 'nodes', 'node_modules', 'n8n-workflow'))).toBe(false);
		await workflowRuns();
		// n8n 2.x's list offers the next patch (`latest`), not the broken version; 1.123.81 offers none here
		expect(await listed()).toMatchObject({ installedVersion: versions.v1, ...(ROLLS_BACK ? { updateAvailable: versions.v2 } : {}) });
	});

	test(`a broken version (n8n.nodes names a missing file) is refused; ${ROLLS_BACK ? 'n8n keeps this release and the workflow still runs' : 'n8n 1.x drops the package (folder deleted, workflow fails) though its list still names this release'}`, async () => {
		const r = await packages('PATCH', '', { name: NAME, version: versions.broken });
		timings.refused = r.seconds;
		expect(r.ok).toBe(false);
		expect(r.status).toBe(500);
		expect(r.message).toMatch(/could not be loaded/i);
		expect(await listed()).toMatchObject({ installedVersion: versions.v1 });
		if (ROLLS_BACK) {
			expect(versionOnDisk(env.N8N_USER_FOLDER)).toBe(versions.v1);
			await workflowRuns();
		} else {
			expect(versionOnDisk(env.N8N_USER_FOLDER)).toBeUndefined();
			const run = await runExample(base, headers, /** @type {any} */ (RUNNABLE), { timeoutMs: 120_000 }).catch((e) => ({ status: 'refused', error: { message: String(e.message) } }));
			expect(run.status).not.toBe('success');
		}
	});

	test('update to the next version, then restart: the workflow runs on both sides of the restart', async () => {
		const r = await packages('PATCH', '', { name: NAME, version: versions.v2 });
		timings.update = r.seconds;
		if (!r.ok) throw new Error(`update failed: ${r.status} ${r.text.slice(0, 1000)}`);
		expect(r.data).toMatchObject({ packageName: NAME, installedVersion: versions.v2 });
		expect(versionOnDisk(env.N8N_USER_FOLDER)).toBe(versions.v2);
		await workflowRuns();
		await server?.stop();
		timings.restart = await start();
		expect(await listed()).toMatchObject({ installedVersion: versions.v2 });
		await workflowRuns();
		expect(packageWarnings()).toEqual([]);
	}, 240_000);

	test('uninstall: n8n removes the package; the saved workflow then fails with "Unrecognized node type"', async () => {
		const r = await packages('DELETE', `?name=${encodeURIComponent(NAME)}`);
		timings.uninstall = r.seconds;
		if (!r.ok) throw new Error(`uninstall failed: ${r.status} ${r.text.slice(0, 1000)}`);
		expect(await listed()).toBeUndefined();
		expect(versionOnDisk(env.N8N_USER_FOLDER)).toBeUndefined();
		sb.clearLog();
		const run = await runExample(base, headers, /** @type {any} */ (RUNNABLE), { timeoutMs: 120_000 }).catch((e) => ({ status: 'refused', error: { message: String(e.message) } }));
		expect(run.status).not.toBe('success');
		expect(JSON.stringify(run.error)).toMatch(/Unrecognized node type|n8n-nodes-flextell\.flextell/);
		expect(apiRequests(sb)).toEqual([]);
	});

	test('offline: every request of n8n\'s npm went through the proxy to the local registry', () => {
		expect(registry.connects.length).toBeGreaterThan(0);
		expect([...new Set(registry.connects)]).toEqual([`${REGISTRY_HOST}:443`]);
		const paths = registry.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);
		// n8n's npm asked for the package's metadata and for each tarball it installed
		expect(paths).toContain(`GET /${NAME}`);
		expect(paths).toContain(`GET /${NAME}/-/${NAME}-${versions.v1}.tgz`);
		expect(paths).toContain(`GET /${NAME}/-/${NAME}-${versions.v2}.tgz`);
	});
});

describe(`n8n ${VERSION}: the manual route, npm install in the user folder's .n8n/nodes`, () => {
	/** `npm install <args>` in a fresh user folder's .n8n/nodes, through the local registry. @param {string} name @param {string[]} args */
	async function npmInstall(name, args) {
		const userFolder = path.join(work, name);
		const nodes = path.join(userFolder, '.n8n', 'nodes');
		fs.mkdirSync(nodes, { recursive: true });
		const before = registry.requests.length;
		const r = await registry.npm(['install', ...args], { cwd: nodes, timeoutMs: 180_000 });
		return { ...r, userFolder, nodes, asked: registry.requests.slice(before).map((q) => `${q.method} ${q.url.split('?')[0]} ${q.status}`) };
	}

	test('`npm install --legacy-peer-deps n8n-nodes-flextell`: the latest version alone, npm never asks for n8n-workflow; n8n loads it and the workflow runs', async () => {
		await server?.stop();
		server = undefined;
		const r = await npmInstall('manual', ['--legacy-peer-deps', NAME]);
		if (r.status !== 0) throw new Error(`npm install failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
		expect(versionOnDisk(r.userFolder)).toBe(versions.v2);
		expect(fs.readdirSync(path.join(r.nodes, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual([NAME]);
		expect(r.asked.filter((a) => a.includes('n8n-workflow'))).toEqual([]);
		env = await envFor(r.userFolder);
		await importSaved(env);
		await start();
		await workflowRuns();
		expect(packageWarnings()).toEqual([]);
		await server?.stop();
		server = undefined;
	}, 240_000);

	// Both resolve the peer n8n-workflow from the registry: a plain install puts a second copy beside
	// the package (n8n's own copy is in n8n's folder, not in .n8n/nodes), --omit=peer resolves its
	// whole tree and then leaves it out. The local registry has no n8n-workflow, so both end in E404
	// here after asking for it; against npmjs.org see docs/e2e.md ("The installer suite").
	test.each([[[]], [['--omit=peer']]])('`npm install %j n8n-nodes-flextell` asks the registry for the peer n8n-workflow', async (flags) => {
		const r = await npmInstall(`manual-peer${flags.join('')}`, [...flags, NAME]);
		expect(r.asked).toContain('GET /n8n-workflow 404');
		expect(r.status).not.toBe(0);
		expect(`${r.stdout}\n${r.stderr}`).toMatch(/E404[\s\S]*n8n-workflow/);
	});
});
