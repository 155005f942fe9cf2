// @ts-check
// The Flextell sandbox as the tests, the scripts and the bench use it: in this process
// (openSandbox), as a child process (startSandboxChild, its control API over HTTPS), and the one
// filter for the API requests in its log.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const readline = require('node:readline');
const { startSandbox } = require('../../sandbox');
const { children } = require('./processes');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A sandbox in this process on a free port, quiet, on the certificate `npm test` made
 * (FLEXTELL_SANDBOX_CERT_DIR) when there is one, else on a new one.
 * @param {import('../../sandbox/sandbox').SandboxOptions} [options]
 */
function openSandbox(options = {}) {
	return startSandbox({
		port: 0,
		quiet: true,
		certDir: process.env.FLEXTELL_SANDBOX_CERT_DIR || undefined,
		...options,
	});
}

/**
 * An API request (not OAuth, not the control API) in the sandbox's log.
 * @param {{ path?: unknown, control?: boolean }} entry
 */
const isApiRequest = (entry) => !entry.control && typeof entry.path === 'string' && entry.path.startsWith('/api/');

/**
 * The API requests in a sandbox's log, in arrival order.
 * @param {{ log: any[] }} sb @returns {any[]}
 */
const apiRequests = (sb) => sb.log.filter(isApiRequest);

/**
 * Starts the sandbox CLI (sandbox/cli.js) as a child and waits for its JSON line. Its stdin stays
 * open: the sandbox stops by itself when it closes (when this process dies).
 * @param {{ port: number, logFile: string, args?: string[], readyTimeoutMs?: number }} o
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, info: any, stop: () => Promise<void> }>}
 */
function startSandboxChild(o) {
	return new Promise((resolve, reject) => {
		const args = [path.join(ROOT, 'sandbox', 'cli.js'), '--port', String(o.port), ...(o.args ?? [])];
		const log = fs.openSync(o.logFile, 'a');
		const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', log] });
		fs.closeSync(log);
		children.add(child);
		child.once('exit', () => children.delete(child));
		const stop = async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		};
		const rl = readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) });
		const ms = o.readyTimeoutMs ?? 30_000;
		const timer = setTimeout(() => {
			void stop();
			reject(new Error(`the sandbox did not report ready within ${ms / 1000} s; see ${o.logFile}`));
		}, ms);
		rl.once('line', (line) => {
			clearTimeout(timer);
			try {
				resolve({ child, info: JSON.parse(line), stop });
			} catch {
				void stop();
				reject(new Error(`unexpected sandbox output: ${line}`));
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`the sandbox exited (${code}) before it was ready; see ${o.logFile}`));
		});
	});
}

/**
 * POST to a sandbox's control API over HTTPS, trusting its certificate (and only it) for this call.
 * @param {{ url: string, certPath: string }} sb @param {string} p e.g. 'seed' @param {unknown} body
 * @returns {Promise<any>}
 */
function control(sb, p, body) {
	const data = JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const req = https.request(
			`${sb.url}/_sandbox/${p}`,
			{ method: 'POST', ca: fs.readFileSync(sb.certPath), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }, timeout: 10_000 },
			(res) => {
				let text = '';
				res.on('data', (d) => (text += d));
				res.on('end', () => {
					if ((res.statusCode ?? 500) >= 300) reject(new Error(`sandbox control ${p}: ${res.statusCode} ${text}`));
					else resolve(text ? JSON.parse(text) : {});
				});
			},
		);
		req.on('error', reject);
		req.on('timeout', () => req.destroy(new Error(`sandbox control ${p}: timeout`)));
		req.end(data);
	});
}

module.exports = { openSandbox, isApiRequest, apiRequests, startSandboxChild, control };
