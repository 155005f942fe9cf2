// @ts-check
// How the demos stop (scripts/lib/processes.js: stopper, watchParents), on a small stand-in
// (fixtures/stoppable.js: a temp folder and a child in a process group of its own): a signal to
// it, or the end of the process that started it — directly, or above a `sh -c` wrapper as npm's
// script shell is — ends it with exit code 0, a "stopped." line, its child gone and its folder
// removed. (`npm run demo` itself, SIGTERM or SIGINT to npm's process: the demo e2e tests.)
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const FIXTURE = path.join(__dirname, 'fixtures', 'stoppable.js');

/** @param {number} pid */
function gone(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z'); // a zombie has ended
	} catch {
		return true;
	}
}

/** @param {() => boolean} check @param {number} ms */
async function until(check, ms) {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, 50));
	}
	return true;
}

/**
 * Starts `cmd args` (which runs the fixture somewhere below it) and reads the fixture's READY line
 * and the rest of its output.
 * @param {string} cmd @param {string[]} args
 */
async function start(cmd, args) {
	const top = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
	let output = '';
	const rl = readline.createInterface({ input: /** @type {NodeJS.ReadableStream} */ (top.stdout) });
	/** @type {{ dir: string, child: number, pid: number }} */
	const ready = await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`no READY line:\n${output}`)), 10_000);
		rl.on('line', (line) => {
			output += line + '\n';
			if (line.startsWith('READY ')) {
				clearTimeout(t);
				resolve(JSON.parse(line.slice(6)));
			}
		});
	});
	return { top, ready, output: () => output };
}

/** @param {Awaited<ReturnType<typeof start>>} s */
async function expectStoppedCleanly(s) {
	expect(await until(() => gone(s.ready.pid), 10_000)).toBe(true);
	expect(await until(() => gone(s.ready.child), 5000)).toBe(true);
	expect(fs.existsSync(s.ready.dir)).toBe(false);
	await until(() => /stopped\./.test(s.output()), 2000);
	expect(s.output()).toMatch(/\[stoppable\] stopped\./);
	expect(s.output()).not.toMatch(/failed/i);
}

afterEach(() => {
	// nothing of a failed case stays behind
	for (const pid of started.splice(0)) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {}
	}
});
/** @type {number[]} */ const started = [];

describe.each(/** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))('%s to the script', (sig) => {
	it('stops it: exit code 0, child gone, temp folder removed', async () => {
		const s = await start(process.execPath, [FIXTURE]);
		started.push(/** @type {number} */ (s.top.pid));
		const exit = new Promise((r) => s.top.once('exit', (code, signal) => r({ code, signal })));
		process.kill(s.ready.pid, sig);
		expect(await exit).toEqual({ code: 0, signal: null });
		await expectStoppedCleanly(s);
	});
});

describe('the end of the process that started it', () => {
	it('its parent killed (SIGKILL): it stops by itself', async () => {
		// parent: a node process that starts the script and waits
		const s = await start(process.execPath, ['-e', `require('node:child_process').spawn(process.execPath, [${JSON.stringify(FIXTURE)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`]);
		started.push(/** @type {number} */ (s.top.pid));
		process.kill(/** @type {number} */ (s.top.pid), 'SIGKILL');
		await expectStoppedCleanly(s);
	});

	it('the process above its `sh -c` wrapper killed (as npm above its script shell): it stops by itself', async () => {
		// top → sh -c "node stoppable.js; true" (dash keeps the shell: it has more to do) → the script
		const s = await start(process.execPath, [
			'-e',
			`require('node:child_process').spawn('sh', ['-c', ${JSON.stringify(`"${process.execPath}" "${FIXTURE}"; true`)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`,
		]);
		started.push(/** @type {number} */ (s.top.pid));
		const shell = Number(fs.readFileSync(`/proc/${s.ready.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
		expect(fs.readFileSync(`/proc/${shell}/cmdline`, 'utf8')).toMatch(/^sh\0-c\0/);
		process.kill(/** @type {number} */ (s.top.pid), 'SIGKILL');
		await expectStoppedCleanly(s);
		// the shell ends when its command does (it had nothing left to wait for)
		expect(await until(() => gone(shell), 5000)).toBe(true);
	});
});
