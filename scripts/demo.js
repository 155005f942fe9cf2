#!/usr/bin/env node
// @ts-check
// `npm run demo`: a real n8n with this package loaded, a connected Flextell credential pointing at
// the local Flextell sandbox, and the example workflows — offline, one command.
//
//   npm run demo [-- --port 5678] [--dir <user folder to keep>] [--n8n-version 2.40.7] [--no-build]
//                [--no-owner] [--sandbox-port 0]
//   npm run demo -- --queue [--workers 2]   n8n's queue mode instead: main + workers, PostgreSQL, Redis
//                                           (scripts/demo-queue.js)
//
// 1. builds the package (npm run build);
// 2. installs the pinned n8n into ~/.cache/n8n-nodes-flextell/ once (scripts/ensure-n8n.js);
// 3. starts the sandbox (sandbox/cli.js) as a child on 127.0.0.1 with a rate limit of 10 requests
//    per 2 s per token and the demo's records (--seed); n8n trusts its certificate through NODE_EXTRA_CA_CERTS
//    (no TLS check is disabled anywhere);
// 4. user folder: a fresh temp folder (removed on exit), or --dir / FLEXTELL_DEMO_DIR to keep one;
//    the package is symlinked into <folder>/.n8n/nodes/node_modules/n8n-nodes-flextell, the
//    credential "Flextell sandbox" (with a fresh token pair) and examples/*.json are imported;
// 5. starts `n8n start`, sets up the owner account (unless --no-owner), prints the editor URL and
//    stays up until Ctrl-C, then stops n8n and the sandbox and removes the temp folder. It stops the
//    same way on SIGINT, SIGTERM or SIGHUP to this process or to the npm running it (package.json
//    starts it with `exec`, so npm passes its signals straight here), and when the process that
//    started it ends (scripts/lib/processes.js: stopper).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureN8n, DEFAULT_VERSION } = require('./ensure-n8n');
const n8n = require('./lib/n8n');
const { parseArgs } = require('./lib/args');
const { stopper } = require('./lib/processes');
const { modelCredentialRecord } = require('./lib/agent');
const { DEMO_CREDENTIAL: CREDENTIAL, buildPackage, startStandIns } = require('./lib/demo');
const { listExamples, mcpExamples, MCP_DEMO_CREDENTIAL, mcpDemoCredentialRecord } = require('./lib/examples');

const OWNER = n8n.DEMO_OWNER;
/** The marker of a user folder the example workflows were imported into. */
const IMPORTED = '.flextell-demo-imported';

/** @param {string} msg */
const say = (msg) => process.stdout.write(`[demo] ${msg}\n`);

/** Major version of the n8n-workflow installed under dir/node_modules (or ''). @param {string} dir */
function workflowMajor(dir) {
	try {
		return String(JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n-workflow', 'package.json'), 'utf8')).version).split('.')[0];
	} catch {
		return '';
	}
}

/** The demo's steps, in order: build and install, the sandbox and the model, the user folder, n8n. */
async function main() {
	const args = parseArgs(process.argv.slice(2), { flags: ['queue'] });
	if (args.queue) return await require('./demo-queue').queueDemo(args);
	const version = String(args['n8n-version'] || process.env.FLEXTELL_N8N_VERSION || DEFAULT_VERSION);
	const port = Number(args.port || process.env.N8N_PORT || 5678);
	const keepDir = args.dir ? String(args.dir) : process.env.FLEXTELL_DEMO_DIR;
	const t0 = Date.now();
	// First, so that a stop while it builds or installs is a clean one too (it takes effect when that step returns).
	const { cleanups, finals, stopAll, stopping } = stopper(say, keepDir ? 'stopped.' : 'stopped. Its temporary user folder is removed.');

	if (args.build !== false) buildPackage(say);
	const install = ensureN8n(version);

	const userFolder = keepDir ? path.resolve(keepDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-demo-'));
	fs.mkdirSync(userFolder, { recursive: true });
	const firstRun = !fs.existsSync(path.join(userFolder, IMPORTED));

	// The user folder goes once everything using it has stopped.
	finals.push(() => {
		if (!keepDir) fs.rmSync(userFolder, { recursive: true, force: true });
	});

	try {
		const { sb, tokens, model } = await startStandIns(args, userFolder, cleanups, say);
		const env = n8n.n8nEnv({ userFolder, certPath: sb.certPath, brokerPort: await n8n.freePort(), port, extra: { N8N_LOG_FORMAT: 'text', ...n8n.offlineEnv(install) } });
		installThisPackage(install, userFolder);
		await importInto(install, env, { userFolder, firstRun, credentials: [n8n.credentialRecord({ ...CREDENTIAL, sandbox: sb, tokens }), modelCredentialRecord({ baseUrl: model.baseUrl }), mcpDemoCredentialRecord()] });

		say(`starting n8n ${version}…`);
		const logStream = fs.createWriteStream(path.join(userFolder, 'n8n.log'), { flags: 'a' });
		const server = await n8n.startN8n(install, { env, readyTimeoutMs: 180_000, onOutput: (s) => logStream.write(s) });
		cleanups.push(async () => {
			await server.stop();
			logStream.end();
		});
		let login = '';
		if (args.owner !== false) {
			const { state } = await n8n.ownerSession(`http://127.0.0.1:${port}`);
			login = state === 'created' || firstRun ? `  log in as ${OWNER.email} / ${OWNER.password}\n` : `  log in with the owner account of ${userFolder}\n`;
		}
		printReady({ version, port, t0, login, sb, userFolder, keepDir, owner: args.owner !== false });
		const exit = /** @type {any} */ (await server.exited);
		if (!stopping()) {
			say(`n8n exited on its own (code ${exit.code}, signal ${exit.signal}); see ${path.join(userFolder, 'n8n.log')}`);
			await stopAll(1);
		}
	} catch (e) {
		// a step cut short by a stop (Ctrl-C while n8n starts) is not a failure
		if (stopping()) return;
		say(`failed: ${e instanceof Error ? e.message : e}`);
		await stopAll(1);
	}
}

/**
 * The package into the user folder: a symlink to this working tree (a rebuild shows after a
 * restart). Node resolves the package's imports from its real path, so it would use this repo's
 * node_modules/n8n-workflow: fine when that matches the n8n-workflow of the n8n that runs it, else
 * load a packed copy (no node_modules; n8n-workflow then comes from n8n itself, as in a user's install).
 * @param {ReturnType<typeof ensureN8n>} install @param {string} userFolder
 */
function installThisPackage(install, userFolder) {
	const mode = workflowMajor(n8n.ROOT) === workflowMajor(install.dir) ? 'link' : 'pack';
	n8n.installPackage(userFolder, mode);
	if (mode === 'pack') say(`n8n-workflow differs from this repo's: loading a packed copy of dist/ (restart after a rebuild)`);
}

/**
 * The sandbox (and its tokens, port and certificate) is new on every start: the credentials are
 * imported every time (same ids, so they are replaced); the example workflows only into a new
 * folder, the MCP example published (it serves only when published: docs/mcp.md).
 * @param {ReturnType<typeof ensureN8n>} install @param {Record<string,string>} env
 * @param {{ userFolder: string, firstRun: boolean, credentials: object[] }} o
 */
async function importInto(install, env, o) {
	const credFile = path.join(o.userFolder, 'flextell-credential.json');
	fs.writeFileSync(credFile, JSON.stringify(o.credentials, null, 2));
	say('importing the credential' + (o.firstRun ? ' and the example workflows' : '') + '…');
	let r = await n8n.runN8n(install, ['import:credentials', `--input=${credFile}`], { env, timeoutMs: 180_000 });
	fs.rmSync(credFile, { force: true });
	if (r.code !== 0) throw new Error(`import:credentials failed:\n${r.stdout}\n${r.stderr}`);
	if (!o.firstRun) return;
	r = await n8n.runN8n(install, ['import:workflow', '--separate', `--input=${path.join(n8n.ROOT, 'examples')}`], { env, timeoutMs: 180_000 });
	if (r.code !== 0) throw new Error(`import:workflow failed:\n${r.stdout}\n${r.stderr}`);
	for (const e of mcpExamples()) if ((r = await n8n.runN8n(install, n8n.activateArgs(install, e.id), { env, timeoutMs: 180_000 })).code !== 0) throw new Error(`publishing example ${e.number} failed:\n${r.stdout}\n${r.stderr}`);
	fs.writeFileSync(path.join(o.userFolder, IMPORTED), new Date().toISOString() + '\n');
}

/**
 * What a person reads when the demo is up; and, for scripts and tests (stdout not a terminal), one
 * DEMO_READY line: where it runs, the login, and the temp folders that go when it stops.
 * @param {{ version: string, port: number, t0: number, login: string, sb: { baseUrl: string, url: string, certPath: string }, userFolder: string, keepDir?: string, owner: boolean }} o
 */
function printReady(o) {
	const url = `http://localhost:${o.port}`;
	process.stdout.write(
		`\n  n8n ${o.version} with n8n-nodes-flextell is ready (${((Date.now() - o.t0) / 1000).toFixed(0)} s):\n\n` +
			`  Editor:      ${url}\n${o.login}` +
			`  Credential:  "${CREDENTIAL.name}" (connected to the sandbox at ${o.sb.baseUrl})\n` +
			`  Workflows:   ${listExamples().map((e) => `\n    ${e.number}  ${e.name}`).join('')}\n` +
			`               open one and click "Execute workflow", or run it here: npm run example 03 (all: npm run example all)\n` +
			mcpExamples().map((e) => `  MCP server:  ${url}/mcp/${e.mcpPath}  (example ${e.number}; Authorization: Bearer ${MCP_DEMO_CREDENTIAL.token}; docs/mcp.md)\n`).join('') +
			`  User folder: ${o.userFolder}${o.keepDir ? '' : ' (temporary)'}; logs: n8n.log, sandbox.log there\n\n` +
			`  Press Ctrl-C to stop.\n`,
	);
	const folders = [...(o.keepDir ? [] : [o.userFolder]), path.dirname(o.sb.certPath)];
	if (!process.stdout.isTTY) process.stdout.write(`DEMO_READY ${JSON.stringify({ url, userFolder: o.userFolder, sandbox: o.sb.url, owner: o.owner ? OWNER : null, folders })}\n`);
}

main();
