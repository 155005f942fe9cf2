// @ts-check
// `npm run demo -- --queue`: the demo in n8n's queue mode — PostgreSQL and Redis (apt-installed
// when missing), n8n main (editor, triggers, webhooks) and two `n8n worker`s (the executions), one
// encryption key, the package loaded on each, the credential "Flextell sandbox" and the example
// workflows imported, the editor URL printed. Ctrl-C (or any failure, or any n8n process ending on
// its own) stops everything it started and removes its temp folders. The cluster itself is
// scripts/lib/queue.js, as in the queue-mode e2e suite and bench.
//
//   npm run demo -- --queue [--port 5678] [--workers 2] [--no-build] [--no-owner] [--sandbox-port 0]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureN8n } = require('./ensure-n8n');
const n8n = require('./lib/n8n');
const { startQueueCluster, QUEUE_VERSION } = require('./lib/queue');
const { stopper } = require('./lib/processes');
const { modelCredentialRecord } = require('./lib/agent');
const { DEMO_CREDENTIAL: CREDENTIAL, buildPackage, startStandIns } = require('./lib/demo');
const { listExamples } = require('./lib/examples');

/** @param {string} msg */
const say = (msg) => process.stdout.write(`[demo --queue] ${msg}\n`);

/**
 * The queue demo's steps: build and install, the sandbox and the model, the cluster (scripts/lib/queue.js),
 * then it waits for a stop or for an n8n process that ends on its own.
 * @param {Record<string, string|boolean>} args  the demo's options
 */
async function queueDemo(args) {
	const t0 = Date.now();
	const port = Number(args.port || process.env.N8N_PORT || 5678);
	const workers = Number(args.workers || 2);
	if (args.dir) throw new Error('--dir is not for --queue: the queue demo keeps its data in PostgreSQL, in a temp folder');
	const { cleanups, finals, stopAll, stopping } = stopper(say, 'stopped; temp folders removed.');
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-demo-queue-'));
	finals.push(() => fs.rmSync(temp, { recursive: true, force: true }));

	try {
		if (args.build !== false) buildPackage(say);
		const install = ensureN8n(QUEUE_VERSION);
		const { sb, tokens, model } = await startStandIns(args, temp, cleanups, say);
		const cluster = await startQueueCluster({
			install,
			certPath: sb.certPath,
			// a symlink to this working tree on every instance (n8n 2.x's n8n-workflow is this repo's major)
			packageMode: 'link',
			mainPort: port,
			workers,
			credentials: [n8n.credentialRecord({ ...CREDENTIAL, sandbox: sb, tokens }), modelCredentialRecord({ baseUrl: model.baseUrl })],
			workflowsDir: path.join(n8n.ROOT, 'examples'),
			extraEnv: n8n.offlineEnv(install),
			// stopped (its processes and its temp folder) also when the demo is stopped while it starts
			onStop: (stop, dir) => {
				cleanups.push(stop);
				// again once every process has ended: one still starting when it stopped may have written into it
				finals.push(() => fs.rmSync(dir, { recursive: true, force: true }));
			},
			say,
		});
		let login = '';
		if (args.owner !== false) {
			await n8n.ownerSession(cluster.base);
			login = `  log in as ${n8n.DEMO_OWNER.email} / ${n8n.DEMO_OWNER.password}\n`;
		}
		printReady({ t0, port, workers, login, cluster, sb, temp, owner: args.owner !== false });
		// an n8n process that ends on its own ends the demo
		const ended = await Promise.race(
			[cluster.main, ...cluster.workers].map((i) => /** @type {Promise<any>} */ (i.running?.exited).then((x) => ({ name: i.name, ...x }))),
		);
		if (!stopping()) {
			const log = [cluster.main, ...cluster.workers].find((i) => i.name === ended.name)?.log() ?? '';
			say(`${ended.name} exited on its own (code ${ended.code}, signal ${ended.signal}); the end of its log:\n${log.slice(-3000)}`);
			await stopAll(1);
		}
	} catch (e) {
		if (stopping()) return; // cut short by a stop: not a failure
		say(`failed: ${e instanceof Error ? e.message : e}`);
		await stopAll(1);
	}
}

/**
 * What a person reads when the queue demo is up; and, for scripts and tests (stdout not a
 * terminal), one DEMO_READY line: where it runs, the login, and the temp folders that go when it stops.
 * @param {{ t0: number, port: number, workers: number, login: string, cluster: Awaited<ReturnType<typeof startQueueCluster>>,
 *           sb: { baseUrl: string, url: string, certPath: string }, temp: string, owner: boolean }} o
 */
function printReady(o) {
	const { cluster, sb } = o;
	const portArg = o.port === 5678 ? '' : ` -- --port ${o.port}`;
	process.stdout.write(
		`\n  n8n ${QUEUE_VERSION} in queue mode with n8n-nodes-flextell is ready (${((Date.now() - o.t0) / 1000).toFixed(0)} s):\n\n` +
			`  Editor:      ${cluster.url}\n${o.login}` +
			`  Main:        n8n start (editor, triggers, webhooks); executions go to ${o.workers} workers (n8n worker)\n` +
			`  PostgreSQL:  127.0.0.1:${cluster.postgres.port}, database ${cluster.postgres.database}; Redis: 127.0.0.1:${cluster.redis.port}\n` +
			`  Credential:  "${CREDENTIAL.name}" (connected to the sandbox at ${sb.baseUrl})\n` +
			`  Workflows:   ${listExamples().map((e) => `\n    ${e.number}  ${e.name}`).join('')}\n` +
			`               open one and click "Execute workflow", or run it here: npm run example 03${portArg} (all: npm run example all${portArg})\n` +
			`  Logs:        ${cluster.dir}/{main,${cluster.workers.map((w) => w.name).join(',')},postgres,redis}.log (temporary)\n\n` +
			`  Press Ctrl-C to stop.\n`,
	);
	const folders = [o.temp, cluster.dir, path.dirname(sb.certPath)];
	if (!process.stdout.isTTY) {
		process.stdout.write(
			`DEMO_READY ${JSON.stringify({ url: cluster.url, queue: true, workers: o.workers, sandbox: sb.url, owner: o.owner ? n8n.DEMO_OWNER : null, folders, ports: [cluster.postgres.port, cluster.redis.port] })}\n`,
		);
	}
}

module.exports = { queueDemo };
