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
 * The chain of processes this one runs under, as far as it leads to whoever started it: the parent,
 * and, while that is only a wrapper (npm or npx, or a `sh -c` that runs a command line), its
 * parent, and so on. Returns [pid, ppid] pairs, this process first; [] where /proc cannot be read.
 * `npm run demo` gives: node scripts/demo.js → npm (its script starts with `exec`, so no shell in
 * between) → the user's shell or a test runner.
 */
function ancestry() {
	/** @param {number} pid @returns {{ ppid: number, argv: string[] } | undefined} */
	const read = (pid) => {
		try {
			// /proc/<pid>/stat: "pid (comm) state ppid …" — comm may hold spaces and parentheses
			const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
			return Number.isInteger(ppid) ? { ppid, argv } : undefined;
		} catch {
			return undefined;
		}
	};
	/** @param {string[]} argv */
	const isWrapper = (argv) => {
		const names = argv.slice(0, 2).map((a) => a.split('/').pop() ?? '');
		if (names.some((n) => n === 'npm' || n === 'npx' || n === 'npm-cli.js' || n === 'npx-cli.js')) return true;
		return /^(sh|dash|bash)$/.test(names[0] ?? '') && argv[1] === '-c';
	};
	/** @type {[number, number][]} */
	const chain = [];
	let pid = process.pid;
	for (let depth = 0; depth < 6; depth++) {
		const p = read(pid);
		if (!p) break;
		chain.push([pid, p.ppid]);
		if (p.ppid <= 1) break;
		const parent = read(p.ppid);
		if (!parent || !isWrapper(parent.argv)) break;
		pid = p.ppid;
	}
	return chain;
}

/**
 * Calls onGone once when the process that started this one ends: this process or a wrapper above it
 * (see ancestry) gets a new parent (the kernel hands an orphan to init or a subreaper), or a
 * wrapper is gone. Checked every intervalMs; the timer does not keep the process alive.
 * Without /proc, only this process's own parent is watched (process.ppid).
 * @param {() => void} onGone @param {number} [intervalMs]
 */
function watchParents(onGone, intervalMs = 1000) {
	const chain = ancestry();
	const ownParent = process.ppid;
	const ppidOf = (/** @type {number} */ pid) => {
		try {
			const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
			return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
		} catch {
			return -1;
		}
	};
	const timer = setInterval(() => {
		const gone = chain.length ? chain.some(([pid, ppid]) => ppidOf(pid) !== ppid) : process.ppid !== ownParent;
		if (gone) {
			clearInterval(timer);
			onGone();
		}
	}, intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}

/**
 * How a long-running script (the demos) stops: `stopAll(code, why)` runs the cleanups pushed so far,
 * newest first (a failing one is said, not thrown), then ends every child still registered here
 * (SIGKILL to its process group) and waits for it, then runs the `finals` (removing temp folders:
 * nothing can write into them any more), says `done`, and exits with `code`. Only the first call
 * counts. SIGINT, SIGTERM and SIGHUP (to this process, or forwarded by npm) and the end of the
 * process that started it (watchParents: a killed npm, a closed terminal, a test runner that died)
 * all call it with 0: stopping on request is a clean end, not a failure. Output written after the
 * reader of stdout/stderr has gone is dropped instead of ending the process half-way.
 * @param {(msg: string) => void} say @param {string} done
 * @returns {{ cleanups: (() => Promise<void>)[], finals: (() => void)[], stopAll: (code: number, why?: string) => Promise<void>, stopping: () => boolean }}
 */
function stopper(say, done) {
	/** @type {(() => Promise<void>)[]} */
	const cleanups = [];
	/** @type {(() => void)[]} */
	const finals = [];
	let stopping = false;
	for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
	const stopAll = async (/** @type {number} */ code, /** @type {string|undefined} */ why) => {
		if (stopping) return;
		stopping = true;
		say(why ? `${why}: stopping…` : 'stopping…');
		for (const c of cleanups.reverse()) {
			try {
				await c();
			} catch (e) {
				say(`cleanup: ${e instanceof Error ? e.message : e}`);
			}
		}
		await killRemaining(5000);
		for (const f of finals) {
			try {
				f();
			} catch (e) {
				say(`cleanup: ${e instanceof Error ? e.message : e}`);
			}
		}
		say(done);
		process.exit(code);
	};
	for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(sig, () => void stopAll(0, sig));
	watchParents(() => void stopAll(0, 'the process that started this one has ended'));
	return { cleanups, finals, stopAll, stopping: () => stopping };
}

/** Sends SIGKILL to every registered child (and its process group) and waits up to ms for them to be gone. @param {number} ms */
async function killRemaining(ms) {
	const left = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
	const gone = left.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('exit', r))));
	for (const c of left) killTree(c, 'SIGKILL');
	let timer;
	await Promise.race([Promise.all(gone), new Promise((r) => (timer = setTimeout(r, ms)))]);
	clearTimeout(timer);
}

module.exports = { children, killTree, startProcess, freePort, sleep, waitFor, stopper, watchParents, ancestry };
