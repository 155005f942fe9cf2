// @ts-check
// Runs `n8n execute --id` for the bench and the soak, sampling the n8n process (CPU, RSS) while it
// runs. n8n's stdout goes to a file, not a pipe: n8n exits right after printing the run data, and
// a large print (100 000 items) into a pipe arrives cut short; writes to a file are synchronous.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const n8n = require('../../scripts/lib/n8n');
const { sampleProcess } = require('./proc');

/**
 * @param {{ install: { node: string, n8nBin: string }, env: Record<string, string>, workflowId: string, timeoutMs: number,
 *   sampleMs?: number, nodeArgs?: string[] }} o  nodeArgs: options for node itself (e.g. --cpu-prof)
 * @returns {Promise<{ code: number | null, timedOut: boolean, result: any, samples: any[], tail: string }>}
 *   killed (SIGKILL, whole tree) at `timeoutMs`; `result` is the parsed run data when n8n printed it
 */
function executeSampled({ install, env, workflowId, timeoutMs, sampleMs, nodeArgs = [] }) {
	return new Promise((resolve, reject) => {
		const outFile = path.join(env.N8N_USER_FOLDER, `execute-${workflowId}-${Date.now()}.out`);
		const outFd = fs.openSync(outFile, 'w');
		const child = spawn(install.node, [...nodeArgs, install.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
			env,
			cwd: env.N8N_USER_FOLDER,
			stdio: ['ignore', outFd, 'pipe'],
			detached: true,
		});
		fs.closeSync(outFd);
		n8n.children.add(child);
		const sampler = sampleProcess(/** @type {number} */ (child.pid), sampleMs);
		let err = '';
		let timedOut = false;
		child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
		const timer = setTimeout(() => {
			timedOut = true;
			n8n.killTree(child, 'SIGKILL');
		}, timeoutMs);
		child.on('error', (e) => {
			clearTimeout(timer);
			sampler.stop();
			n8n.children.delete(child);
			fs.rmSync(outFile, { force: true });
			reject(e);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			const samples = sampler.stop();
			n8n.children.delete(child);
			let stdout = '';
			try {
				stdout = fs.readFileSync(outFile, 'utf8');
			} catch {}
			fs.rmSync(outFile, { force: true });
			let result;
			try {
				result = n8n.parseExecuteOutput(stdout);
			} catch {}
			resolve({ code, timedOut, result, samples, tail: `${stdout.slice(-3000)}\n${err}`.slice(-4000) });
		});
	});
}

module.exports = { executeSampled };
