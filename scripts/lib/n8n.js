// @ts-check
// Helpers to drive a real n8n (installed by scripts/ensure-n8n.js) from the demo, the e2e suite and
// the browser check: environment, CLI runs with bounded time, `n8n start` as a managed child,
// loading the package as a community node, and credential/workflow records for `n8n import:*`.
// Nothing here is imported by shipped code (nodes/, credentials/).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CREDENTIAL_TYPE, credentialRecord } = require('./credential');
const { children, freePort, killTree, startProcess, waitFor } = require('./processes');
const { fixedId } = require('./workflows');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'n8n-nodes-flextell';
const NODE_TYPE = `${PACKAGE_NAME}.flextell`;

/**
 * Environment for quiet, offline, parseable n8n runs: no telemetry, version checks, templates or
 * banners (each would reach for the internet); JSON log lines at info level (the run's result is one
 * of them); the task runner's broker on a port of its own (its default, 5679, clashes between n8n
 * processes on one machine).
 * @param {{ userFolder: string, certPath?: string, brokerPort: number, port?: number, version?: string, extra?: Record<string,string> }} o
 */
function n8nEnv(o) {
	/** @type {Record<string,string|undefined>} */
	const env = {
		...process.env,
		N8N_USER_FOLDER: o.userFolder,
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: 'flextell-e2e-and-demo-encryption-key',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_PYTHON_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_FORMAT: 'json',
		N8N_RUNNERS_BROKER_PORT: String(o.brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_PORT: String(o.port ?? 5678),
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		// the vetted community-node list comes from api.n8n.io (nothing here uses it)
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		GENERIC_TIMEZONE: 'UTC',
		...(o.extra ?? {}),
	};
	// n8n 2.x makes `<temp folder>/n8nDataTableUploads` at start and leaves it there (a fresh
	// machine's CI run from an empty temp folder found it): n8n's temp files go under its user folder.
	const tmp = path.join(o.userFolder, 'tmp');
	fs.mkdirSync(tmp, { recursive: true });
	env.TMPDIR = tmp;
	// The sandbox's self-signed certificate is trusted the normal way, never by disabling checks.
	if (o.certPath) env.NODE_EXTRA_CA_CERTS = o.certPath;
	delete env.NODE_TLS_REJECT_UNAUTHORIZED;
	// Under jest, NODE_ENV=test would put n8n in its own test mode (silent logger, in-memory
	// database): none of the runner's variables may leak into n8n.
	delete env.NODE_OPTIONS;
	delete env.NODE_ENV;
	delete env.JEST_WORKER_ID;
	return /** @type {Record<string,string>} */ (env);
}

/**
 * Environment that keeps an n8n from reaching for api.n8n.io at start, for the demos: n8n 2.x's MCP
 * server registry refreshes from there on start and logs a stack trace for each failed lookup on an
 * offline machine. Only for versions that know the module (n8n refuses to start on an unknown one).
 * @param {{ dir: string }} install @returns {Record<string,string>}
 */
function offlineEnv(install) {
	try {
		const modules = fs.readFileSync(path.join(install.dir, 'node_modules', '@n8n', 'backend-common', 'dist', 'modules', 'modules.config.js'), 'utf8');
		return modules.includes("'mcp-registry'") ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {};
	} catch {
		return {};
	}
}

/**
 * Runs `n8n <args>` with the install's own Node; resolves when it exits (killed after timeoutMs).
 * @param {{ node: string, n8nBin: string }} install
 * @param {string[]} args
 * @param {{ env: Record<string,string>, timeoutMs?: number, cwd?: string }} o
 * @returns {Promise<{ code: number|null, signal: string|null, stdout: string, stderr: string, ms: number, timedOut: boolean }>}
 */
function runN8n(install, args, o) {
	const t0 = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(install.node, [install.n8nBin, ...args], {
			env: o.env,
			cwd: o.cwd ?? o.env.N8N_USER_FOLDER,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		children.add(child);
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const timer = setTimeout(() => {
			timedOut = true;
			killTree(child, 'SIGKILL');
		}, o.timeoutMs ?? 120_000);
		child.on('error', (e) => {
			clearTimeout(timer);
			children.delete(child);
			reject(e);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			children.delete(child);
			resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut });
		});
	});
}

/**
 * Starts `n8n start` and waits until its REST API answers. stop() sends SIGTERM, then SIGKILL after graceMs.
 * @param {{ node: string, n8nBin: string }} install
 * @param {{ env: Record<string,string>, readyTimeoutMs?: number, onOutput?: (chunk: string) => void }} o
 */
async function startN8n(install, o) {
	const base = `http://127.0.0.1:${o.env.N8N_PORT}`;
	const server = await startN8nProcess(install, ['start'], { ...o, what: `n8n's REST API at ${base}`, ready: () => restApiAnswers(base) });
	return { ...server, url: `http://localhost:${o.env.N8N_PORT}` };
}

/**
 * Starts a long-running n8n command (`start`, `worker`) as a managed child and waits until ready()
 * says so (it fails at once when the process exits first). stop() sends SIGTERM, then SIGKILL after graceMs.
 * @param {{ node: string, n8nBin: string }} install @param {string[]} args
 * @param {{ env: Record<string,string>, what: string, ready: () => Promise<boolean>, readyTimeoutMs?: number, onOutput?: (chunk: string) => void }} o
 */
async function startN8nProcess(install, args, o) {
	const proc = startProcess(install.node, [install.n8nBin, ...args], { env: o.env, cwd: o.env.N8N_USER_FOLDER, onOutput: o.onOutput });
	try {
		await waitFor(
			o.what,
			async () => {
				if (proc.exited()) throw new Error(`n8n ${args[0]} exited early`);
				return await o.ready();
			},
			{ timeoutMs: o.readyTimeoutMs ?? 120_000 },
		);
	} catch (e) {
		killTree(proc.child, 'SIGKILL');
		throw new Error(`${e instanceof Error ? e.message : e}:\n${proc.output().slice(-4000)}`);
	}
	return {
		child: proc.child,
		output: proc.output,
		exited: proc.exit,
		/** @param {number} [graceMs] */
		stop: (graceMs = 15_000) => proc.stop('SIGTERM', graceMs),
	};
}

/**
 * Puts the package where n8n looks for community nodes: $N8N_USER_FOLDER/.n8n/nodes/node_modules/n8n-nodes-flextell.
 * mode 'link': a symlink to the working tree (the demo: a rebuild shows after an n8n restart).
 * mode 'pack': the files `npm pack` would ship (package.json + dist + README/LICENSE), with no
 *   node_modules, as a user's install gets them; n8n-workflow then resolves to n8n's own copy.
 * @param {string} userFolder @param {'link'|'pack'} mode @param {string} [packDir] a folder made by packPackage()
 */
function installPackage(userFolder, mode, packDir) {
	const nm = path.join(userFolder, '.n8n', 'nodes', 'node_modules');
	fs.mkdirSync(nm, { recursive: true });
	const nodesPkg = path.join(userFolder, '.n8n', 'nodes', 'package.json');
	if (!fs.existsSync(nodesPkg)) {
		fs.writeFileSync(nodesPkg, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	}
	const target = path.join(nm, PACKAGE_NAME);
	fs.rmSync(target, { recursive: true, force: true });
	if (mode === 'link') fs.symlinkSync(ROOT, target, 'dir');
	else if (packDir) fs.cpSync(packDir, target, { recursive: true });
	else {
		const dir = packPackage();
		fs.cpSync(dir, target, { recursive: true });
		fs.rmSync(path.dirname(dir), { recursive: true, force: true });
	}
	return target;
}

/**
 * Makes the package tarball with `npm pack` (what npm would publish) and unpacks it into a temp
 * folder. Returns that folder (its contents = the published package).
 */
function packPackage() {
	if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'Flextell', 'Flextell.node.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first');
	}
	const out = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-pack-'));
	const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
	const info = JSON.parse(r.stdout)[0];
	const dir = path.join(out, 'package');
	const t = spawnSync('tar', ['-xzf', path.join(out, info.filename), '-C', out]);
	if (t.status !== 0) throw new Error(`tar failed: ${t.stderr}`);
	return dir;
}

/**
 * Finds the result of `n8n execute --rawOutput` in its stdout (JSON log format: the record whose
 * message parses to `{ data: { resultData } }`; plain format: the JSON document printed).
 * @param {string} stdout
 * @returns {any} the run data `{ data: { resultData: { runData, error?, lastNodeExecuted } }, ... }` or undefined
 */
function parseExecuteOutput(stdout) {
	const lines = stdout.split('\n');
	for (const line of lines) {
		const t = line.trim();
		if (!t.startsWith('{')) continue;
		let rec;
		try {
			rec = JSON.parse(t);
		} catch {
			continue;
		}
		if (rec?.data?.resultData) return rec;
		if (typeof rec?.message === 'string' && rec.message.includes('resultData')) {
			try {
				const m = JSON.parse(rec.message);
				if (m?.data?.resultData) return m;
			} catch {}
		}
	}
	// Plain (non-JSON) log format: the raw output may span several lines.
	const start = stdout.indexOf('{\n');
	if (start >= 0) {
		try {
			const m = JSON.parse(stdout.slice(start, stdout.lastIndexOf('}') + 1));
			if (m?.data?.resultData) return m;
		} catch {}
	}
	return undefined;
}

/** Output items (json only) of a node's first run, main output 0. @param {any} result @param {string} nodeName */
function nodeItems(result, nodeName, outputIndex = 0) {
	const run = result?.data?.resultData?.runData?.[nodeName];
	if (!run) return undefined;
	return (run[0]?.data?.main?.[outputIndex] ?? []).map((/** @type {any} */ i) => i.json);
}

/**
 * Whether n8n's REST controllers answer: GET /rest/login gives JSON 401 (no session) or 200.
 * While n8n starts, the same URL first gives 200 with the HTML page "n8n is starting up. Please
 * wait", then an HTML 404, and only then JSON (measured on 2.40.7); /healthz and /rest/settings
 * answer before the controllers are registered.
 * @param {string} base e.g. http://127.0.0.1:5678
 */
async function restApiAnswers(base) {
	try {
		const r = await fetch(`${base}/rest/login`, { signal: AbortSignal.timeout(2000) });
		const json = /application\/json/.test(r.headers.get('content-type') ?? '');
		await r.arrayBuffer();
		return json && (r.status === 401 || r.status === 200);
	} catch {
		return false; // not listening yet
	}
}

/**
 * Waits until n8n's REST controllers answer (restApiAnswers). startN8n() waits for the same; this
 * is for callers that restart n8n or talk to an n8n they did not start.
 * @param {string} base e.g. http://127.0.0.1:5678 @param {number} [timeoutMs]
 */
async function waitForRestApi(base, timeoutMs = 120_000) {
	await waitFor(`n8n's REST API at ${base}`, () => restApiAnswers(base), { timeoutMs });
}

const DEMO_OWNER = { email: 'demo@example.com', firstName: 'Demo', lastName: 'User', password: 'Flextell-demo-1' };

/**
 * Sets up n8n's owner account through the REST API (what the editor's setup screen does) and returns
 * headers that authenticate later requests (the `n8n-auth` cookie plus the browser id it is bound to).
 * If the owner exists already, logs in instead.
 * @param {string} base e.g. http://127.0.0.1:5678 @param {typeof DEMO_OWNER} [owner]
 * @returns {Promise<{ state: 'created'|'exists', headers: Record<string,string> }>}
 */
async function ownerSession(base, owner = DEMO_OWNER) {
	const browserId = 'flextell-scripts';
	const common = { 'content-type': 'application/json', 'browser-id': browserId };
	let res = await fetch(`${base}/rest/owner/setup`, { method: 'POST', headers: common, body: JSON.stringify(owner) });
	let state = /** @type {'created'|'exists'} */ ('created');
	if (!res.ok) {
		const text = await res.text();
		state = 'exists';
		res = await fetch(`${base}/rest/login`, {
			method: 'POST',
			headers: common,
			body: JSON.stringify({ email: owner.email, emailOrLdapLoginId: owner.email, password: owner.password }),
		});
		if (!res.ok) throw new Error(`owner setup (${text.slice(0, 200)}) and login (${res.status} ${(await res.text()).slice(0, 200)}) both failed`);
	}
	const cookie = (res.headers.getSetCookie?.() ?? [])
		.map((c) => c.split(';')[0])
		.filter((c) => c.startsWith('n8n-auth='))
		.join('; ');
	return { state, headers: { cookie, 'browser-id': browserId } };
}

/**
 * The CLI arguments that mark an imported workflow active, so that the next `n8n start` activates it:
 * n8n 2.x publishes it (`publish:workflow --id`); n8n 1.x has no publish command and sets the flag
 * (`update:workflow --id --active=true`).
 * @param {{ dir: string }} install @param {string} workflowId
 */
function activateArgs(install, workflowId) {
	const hasPublish = fs.existsSync(path.join(install.dir, 'node_modules', 'n8n', 'dist', 'commands', 'publish'));
	return hasPublish ? ['publish:workflow', `--id=${workflowId}`] : ['update:workflow', `--id=${workflowId}`, '--active=true'];
}

/**
 * Runs one read-only SQL query on a user folder's sqlite database with the install's own Node and
 * sqlite3 (its sqlite3 is built for that Node, not for the one running the tests), so a running n8n
 * can keep writing. Text columns named in `flattedColumns` are parsed from n8n's 'flatted' form.
 * @param {{ node: string, dir: string }} install @param {string} userFolder @param {string} sql @param {any[]} [params]
 * @param {{ flattedColumns?: string[], timeoutMs?: number }} [o]
 * @returns {any[]} the rows
 */
function sqliteQuery(install, userFolder, sql, params = [], o = {}) {
	const script = `
const sqlite3 = require(${JSON.stringify(path.join(install.dir, 'node_modules', 'sqlite3'))});
const { parse } = require(${JSON.stringify(path.join(install.dir, 'node_modules', 'flatted'))});
const [dbPath, sql, params, flatted] = process.argv.slice(1);
const db = new sqlite3.Database(dbPath, sqlite3.OPEN_READONLY, (e) => { if (e) { console.error(e.message); process.exit(2); } });
db.configure('busyTimeout', 5000);
db.all(sql, JSON.parse(params), (e, rows) => {
	if (e) { console.error(e.message); process.exit(3); }
	const cols = JSON.parse(flatted);
	for (const r of rows) for (const c of cols) if (typeof r[c] === 'string') r[c] = parse(r[c]);
	process.stdout.write(JSON.stringify(rows));
	db.close();
});`;
	const dbPath = path.join(userFolder, '.n8n', 'database.sqlite');
	const r = spawnSync(install.node, ['-e', script, dbPath, sql, JSON.stringify(params), JSON.stringify(o.flattedColumns ?? [])], {
		encoding: 'utf8',
		timeout: o.timeoutMs ?? 30_000,
		maxBuffer: 256 * 1024 * 1024,
	});
	if (r.status !== 0) throw new Error(`sqlite query on ${dbPath} failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
	return JSON.parse(r.stdout);
}

/**
 * The saved executions in a user folder's database (execution_entity + execution_data; `data` is the
 * run data parsed from 'flatted'), oldest first.
 * @param {{ node: string, dir: string }} install @param {string} userFolder @param {{ workflowId?: string }} [o]
 * @returns {{ id: string, workflowId: string, mode: string, status: string, finished: boolean, startedAt: string, stoppedAt: string|null, data: any }[]}
 */
function readExecutions(install, userFolder, o = {}) {
	const rows = sqliteQuery(
		install,
		userFolder,
		'SELECT e.id, e.workflowId, e.mode, e.status, e.finished, e.startedAt, e.stoppedAt, d.data FROM execution_entity e ' +
			'LEFT JOIN execution_data d ON d.executionId = e.id' +
			(o.workflowId ? ' WHERE e.workflowId = ?' : '') +
			' ORDER BY e.id',
		o.workflowId ? [o.workflowId] : [],
		{ flattedColumns: ['data'] },
	);
	return rows.map((r) => ({ ...r, id: String(r.id), finished: !!r.finished }));
}

/** Output items (json only) of a node's runs in a saved execution, main output 0, all runs in order. @param {any} executionData @param {string} nodeName */
function savedNodeItems(executionData, nodeName, outputIndex = 0) {
	const runs = executionData?.resultData?.runData?.[nodeName] ?? [];
	return runs.flatMap((/** @type {any} */ run) => (run?.data?.main?.[outputIndex] ?? []).map((/** @type {any} */ i) => i.json));
}

module.exports = {
	ROOT,
	PACKAGE_NAME,
	NODE_TYPE,
	CREDENTIAL_TYPE,
	freePort,
	n8nEnv,
	offlineEnv,
	runN8n,
	startN8n,
	startN8nProcess,
	killTree,
	installPackage,
	packPackage,
	credentialRecord,
	parseExecuteOutput,
	nodeItems,
	fixedId,
	children,
	ownerSession,
	DEMO_OWNER,
	activateArgs,
	waitForRestApi,
	restApiAnswers,
	sqliteQuery,
	readExecutions,
	savedNodeItems,
};
