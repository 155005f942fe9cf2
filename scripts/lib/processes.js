// @ts-check
// Child processes of the scripts, the e2e suites and the bench: one registry of everything started
// (killed when this process exits, whatever the reason), free loopback ports, and bounded waits.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');

/** All child processes started through this library; killed when this process exits. */
const children = new Set();
process.once('exit', () => {
	for (const c of children) killTree(c, 'SIGKILL');
});
// A signal ends Node without the 'exit' event: unless the program handles the signal itself (the
// demo stops its processes in order), end here so that the children go too.
for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
	process.on(sig, () => {
		if (process.listenerCount(sig) === 1) process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
	});
}

/**
 * Signals a child and, when it leads its own process group (spawned detached), everything it started.
 * @param {import('node:child_process').ChildProcess} child @param {NodeJS.Signals} sig
 */
function killTree(child, sig) {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, sig);
	} catch {
		try {
			child.kill(sig);
		} catch {}
	}
}

/**
 * Starts a long-running child in a process group of its own (stop() and the exit cleanup reach
 * everything it starts), registered for cleanup. Its output is kept (the last megabyte or so),
 * appended to `logFile` when given, and passed to onOutput.
 * @param {string} cmd @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, uid?: number, gid?: number, logFile?: string, onOutput?: (chunk: string) => void }} [o]
 */
function startProcess(cmd, args, o = {}) {
	const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, uid: o.uid, gid: o.gid, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	children.add(child);
	const log = o.logFile ? fs.createWriteStream(o.logFile, { flags: 'a' }) : undefined;
	let output = '';
	const onData = (/** @type {Buffer} */ d) => {
		output += d;
		if (output.length > 2_000_000) output = output.slice(-1_000_000);
		log?.write(d);
		o.onOutput?.(String(d));
	};
	child.stdout?.on('data', onData);
	child.stderr?.on('data', onData);
	let exited = false;
	/** @type {Promise<{ code: number|null, signal: NodeJS.Signals|null }>} */
	const exit = new Promise((resolve) => {
		child.on('error', (e) => onData(Buffer.from(`${cmd}: ${e.message}\n`)));
		child.on('close', (code, signal) => {
			exited = true;
			children.delete(child);
			log?.end();
			resolve({ code, signal });
		});
	});
	return {
		child,
		output: () => output,
		exited: () => exited,
		exit,
		/** Sends sig (SIGTERM by default), then SIGKILL after graceMs; resolves when the child has exited. */
		async stop(/** @type {NodeJS.Signals} */ sig = 'SIGTERM', graceMs = 15_000) {
			if (exited) return;
			killTree(child, sig);
			const t = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
			await exit;
			clearTimeout(t);
		},
	};
}

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

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls check() until it returns a truthy value (which is returned); fails after timeoutMs, or at
 * once when check throws. check may be async.
 * @template T
 * @param {string} what  named in the timeout error
 * @param {() => T | Promise<T>} check
 * @param {{ timeoutMs: number, intervalMs?: number, detail?: () => string }} o  detail: appended to the timeout error
 * @returns {Promise<NonNullable<Awaited<T>>>}
 */
async function waitFor(what, check, o) {
	const deadline = Date.now() + o.timeoutMs;
	for (;;) {
		const v = await check();
		if (v) return /** @type {NonNullable<Awaited<T>>} */ (v);
		if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}${o.detail ? `:\n${o.detail()}` : ''}`);
		await sleep(o.intervalMs ?? 250);
	}
}

/**
 * How a long-running script stops: `stopAll(code)` runs the cleanups pushed so far, newest first
 * (a failing one is said, not thrown), says `done`, and exits with `code`. Only the first call
 * counts; SIGINT and SIGTERM call it with 0.
 * @param {(msg: string) => void} say @param {string} done
 * @returns {{ cleanups: (() => Promise<void>)[], stopAll: (code: number) => Promise<void> }}
 */
function stopper(say, done) {
	/** @type {(() => Promise<void>)[]} */
	const cleanups = [];
	let stopping = false;
	const stopAll = async (/** @type {number} */ code) => {
		if (stopping) return;
		stopping = true;
		say('stopping…');
		for (const c of cleanups.reverse()) {
			try {
				await c();
			} catch (e) {
				say(`cleanup: ${e instanceof Error ? e.message : e}`);
			}
		}
		say(done);
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));
	return { cleanups, stopAll };
}

module.exports = { children, killTree, startProcess, freePort, sleep, waitFor, stopper };
