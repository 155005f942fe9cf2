// @ts-check
// Helpers to drive a real n8n (installed by scripts/ensure-n8n.js) from the demo, the e2e suite and
// the browser check: environment, CLI runs with bounded time, `n8n start` as a managed child,
// loading the package as a community node, and credential/workflow records for `n8n import:*`.
// Nothing here is imported by shipped code (nodes/, credentials/).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'n8n-nodes-flextell';
const NODE_TYPE = `${PACKAGE_NAME}.flextell`;
const CREDENTIAL_TYPE = 'flextellOAuth2Api';

/** All child processes started through this module; killed when this process exits. */
const children = new Set();
process.once('exit', () => {
	for (const c of children) {
		try {
			process.kill(-c.pid, 'SIGKILL');
		} catch {
			try {
				c.kill('SIGKILL');
			} catch {}
		}
	}
});

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const a = s.address();
			const port = typeof a === 'object' && a ? a.port : 0;
			s.close(() => resolve(port));
		});
	});
}

/**
 * Environment for quiet, offline, parseable n8n runs (see shared notes/real-n8n.md).
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
		GENERIC_TIMEZONE: 'UTC',
		...(o.extra ?? {}),
	};
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

/** @param {import('node:child_process').ChildProcess} child @param {NodeJS.Signals} sig */
function killTree(child, sig) {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, sig); // the child leads its own process group (detached)
	} catch {
		try {
			child.kill(sig);
		} catch {}
	}
}

/**
 * Starts `n8n start` and waits until its REST API answers. stop() sends SIGTERM, then SIGKILL after graceMs.
 * @param {{ node: string, n8nBin: string }} install
 * @param {{ env: Record<string,string>, readyTimeoutMs?: number, onOutput?: (chunk: string) => void }} o
 */
async function startN8n(install, o) {
	const port = Number(o.env.N8N_PORT);
	const child = spawn(install.node, [install.n8nBin, 'start'], {
		env: o.env,
		cwd: o.env.N8N_USER_FOLDER,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	children.add(child);
	let output = '';
	const onData = (/** @type {Buffer} */ d) => {
		output += d;
		if (output.length > 2_000_000) output = output.slice(-1_000_000);
		o.onOutput?.(String(d));
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	let exited = false;
	const exitPromise = new Promise((resolve) =>
		child.on('close', (code, signal) => {
			exited = true;
			children.delete(child);
			resolve({ code, signal });
		}),
	);
	const url = `http://localhost:${port}`;
	const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
	for (;;) {
		if (exited) throw new Error(`n8n start exited early:\n${output.slice(-4000)}`);
		if (Date.now() > deadline) {
			killTree(child, 'SIGKILL');
			throw new Error(`n8n did not answer /healthz within the time limit:\n${output.slice(-4000)}`);
		}
		try {
			// /healthz and /rest/settings answer before the controllers are registered; GET /rest/login
			// first answers 200 with an HTML "n8n is starting up" page, then an HTML 404, and only
			// when the controllers are there JSON: 401 (no session) or 200.
			const r = await fetch(`http://127.0.0.1:${port}/rest/login`, { signal: AbortSignal.timeout(2000) });
			const json = /application\/json/.test(r.headers.get('content-type') ?? '');
			await r.arrayBuffer();
			if (json && (r.status === 401 || r.status === 200)) break;
		} catch {}
		await new Promise((r) => setTimeout(r, 250));
	}
	return {
		child,
		url,
		output: () => output,
		exited: exitPromise,
		/** @param {number} [graceMs] */
		async stop(graceMs = 15_000) {
			if (exited) return;
			killTree(child, 'SIGTERM');
			const t = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
			await exitPromise;
			clearTimeout(t);
		},
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
 * A credential record for `n8n import:credentials` (plain data; n8n encrypts it on import).
 * @param {{ id: string, name: string, sandbox: { baseUrl: string, authorizeUrl?: string, url?: string, tokenUrl: string, clientId: string, clientSecret: string },
 *           tokens?: { access_token: string, refresh_token?: string }, baseUrl?: string, apiVersion?: string }} o
 */
function credentialRecord(o) {
	const sb = o.sandbox;
	return {
		id: o.id,
		name: o.name,
		type: CREDENTIAL_TYPE,
		data: {
			grantType: 'authorizationCode',
			authUrl: sb.authorizeUrl ?? `${sb.url}/oauth/authorize`,
			accessTokenUrl: sb.tokenUrl,
			clientId: sb.clientId,
			clientSecret: sb.clientSecret,
			scope: 'read write',
			authQueryParameters: '',
			authentication: 'header',
			baseUrl: o.baseUrl ?? sb.baseUrl,
			apiVersion: o.apiVersion ?? 'v0.0.1',
			...(o.tokens
				? { oauthTokenData: { access_token: o.tokens.access_token, refresh_token: o.tokens.refresh_token, token_type: 'Bearer' } }
				: {}),
		},
	};
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
 * Waits until n8n's REST controllers answer: GET /rest/login with a JSON 401 (no session) or 200.
 * While n8n starts, the same URL first gives 200 with the HTML page "n8n is starting up. Please
 * wait", then an HTML 404, and only then JSON (measured on 2.40.7). startN8n() waits for the
 * same; this stays for callers that restart n8n or talk to an n8n they did not start.
 * @param {string} base e.g. http://127.0.0.1:5678 @param {number} [timeoutMs]
 */
async function waitForRestApi(base, timeoutMs = 120_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			const r = await fetch(`${base}/rest/login`, { signal: AbortSignal.timeout(2000) });
			const json = /application\/json/.test(r.headers.get('content-type') ?? '');
			await r.arrayBuffer();
			if (json && (r.status === 401 || r.status === 200)) return;
		} catch {}
		if (Date.now() > deadline) throw new Error(`n8n's REST API at ${base} did not answer within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 250));
	}
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

/** A fixed 16-character id derived from a name (n8n ids are 16 alphanumerics). @param {string} name */
function fixedId(name) {
	return crypto.createHash('sha1').update(name).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
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
	runN8n,
	startN8n,
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
	sqliteQuery,
	readExecutions,
	savedNodeItems,
};
