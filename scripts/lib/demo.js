// @ts-check
// What `npm run demo` and `npm run demo -- --queue` (scripts/demo.js, scripts/demo-queue.js) do
// alike: the build, the demo's credential, and the stand-ins for Flextell and for an AI model.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const n8n = require('./n8n');
const { control, startSandboxChild } = require('./sandbox');
const { startScriptedModel } = require('../../sandbox/scripted-model');

/** The demo's Flextell credential, connected to the sandbox. */
const DEMO_CREDENTIAL = { id: 'flextellSandbox1', name: 'Flextell sandbox' };

/** `npm run build`, its output on this terminal. @param {(s: string) => void} say */
function buildPackage(say) {
	say('building the package (npm run build)…');
	const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: n8n.ROOT, stdio: 'inherit' });
	if (b.status !== 0) throw new Error('npm run build failed');
}

/**
 * The sandbox (a child with the demo's records, 10 requests / 2 s per token; --sandbox-port or a
 * free port) with a fresh token pair, and example 05's chat model: a scripted stand-in on
 * 127.0.0.1, no AI (README: Use Flextell in an AI agent). Each is stopped with the demo (cleanups);
 * their logs go into logDir.
 * @param {Record<string, unknown>} args the demo's options @param {string} logDir
 * @param {(() => unknown)[]} cleanups @param {(s: string) => void} say
 */
async function startStandIns(args, logDir, cleanups, say) {
	const sandbox = await startSandboxChild({
		port: args['sandbox-port'] !== undefined ? Number(args['sandbox-port']) : await n8n.freePort(),
		logFile: path.join(logDir, 'sandbox.log'),
		args: ['--seed', '--rate-limit', '10/2', '--lifetime', String(7 * 24 * 3600)],
	});
	cleanups.push(sandbox.stop);
	const sb = sandbox.info;
	say(`sandbox: ${sb.baseUrl} (certificate ${sb.certPath}, rate limit 10 requests / 2 s per token)`);
	const tokens = await control(sb, 'tokens', { scope: 'read write', ttlSeconds: 3600 });
	const model = await startScriptedModel({ logFile: path.join(logDir, 'model.log') });
	cleanups.push(model.close);
	say(`scripted chat model (offline stand-in, not an AI): ${model.baseUrl}`);
	return { sb, tokens, model };
}

module.exports = { DEMO_CREDENTIAL, buildPackage, startStandIns };
