// @ts-check
// `npm run demo` as a user starts it, for the demo e2e tests (demo.e2e.test.js, and
// demo-queue.queue.test.js with --queue): npm's own process started with `npm run demo -- …`, its
// DEMO_READY line, every process it started (read from /proc while it runs), each example
// workflow run through n8n's REST API (scripts/lib/examples.js) with their results checked, and
// the stop: a signal to npm's process, then nothing left — no process, no listening port, no temp
// folder — and no "failed" line.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const readline = require('node:readline');
const n8n = require('../../scripts/lib/n8n');
const { listExamples, login, runExample, describeRun } = require('../../scripts/lib/examples');

/** pid → ppid of every process (from /proc). */
function processTable() {
	/** @type {Map<number, number>} */
	const t = new Map();
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (rest[0] !== 'Z') t.set(Number(d), Number(rest[1])); // a zombie has ended
		} catch {}
	}
	return t;
}

/** The pids below root (its children, theirs, …). @param {number} root */
function descendants(root) {
	const t = processTable();
	const out = new Set([root]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const [pid, ppid] of t) if (out.has(ppid) && !out.has(pid)) (out.add(pid), (grew = true));
	}
	out.delete(root);
	return [...out];
}

/** @param {number} pid */
function alive(pid) {
	return processTable().has(pid);
}

/** Whether something accepts connections on 127.0.0.1:port. @param {number} port */
function listening(port) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port });
		s.once('connect', () => (s.destroy(), resolve(true)));
		s.once('error', () => resolve(false));
		s.setTimeout(2000, () => (s.destroy(), resolve(false)));
	});
}

/**
 * Starts `npm run demo -- <args>` in a process group of its own (so that anything left can be found
 * and ended by the test's cleanup) and waits for DEMO_READY.
 * @param {string[]} args @param {{ readyTimeoutMs: number, env?: NodeJS.ProcessEnv }} o
 */
async function startDemo(args, o) {
	const npm = spawn('npm', ['run', 'demo', '--', ...args], { cwd: n8n.ROOT, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	let output = '';
	npm.stderr?.on('data', (d) => (output += d));
	/** @type {Promise<{ code: number|null, signal: NodeJS.Signals|null }>} */
	const exited = new Promise((r) => npm.once('exit', (code, signal) => r({ code, signal })));
	const rl = readline.createInterface({ input: /** @type {NodeJS.ReadableStream} */ (npm.stdout) });
	/** @type {any} */
	const ready = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`the demo was not ready within ${o.readyTimeoutMs / 1000} s:\n${output.slice(-4000)}`)), o.readyTimeoutMs);
		rl.on('line', (line) => {
			output += line + '\n';
			if (line.startsWith('DEMO_READY ')) {
				clearTimeout(timer);
				resolve(JSON.parse(line.slice('DEMO_READY '.length)));
			}
		});
		void exited.then((x) => {
			clearTimeout(timer);
			reject(new Error(`the demo ended (${JSON.stringify(x)}) before it was ready:\n${output.slice(-4000)}`));
		});
	});
	const pids = descendants(/** @type {number} */ (npm.pid));
	return {
		npm,
		ready,
		/** every process below npm's when the demo was ready (node, sandbox, n8n and its task runner, …) */
		pids,
		exited,
		output: () => output,
		/** Ends whatever is left, hard (the test's own cleanup after a failure). */
		kill() {
			for (const pid of [...descendants(/** @type {number} */ (npm.pid)), ...pids]) {
				try {
					process.kill(pid, 'SIGKILL');
				} catch {}
			}
			try {
				process.kill(-(/** @type {number} */ (npm.pid)), 'SIGKILL');
			} catch {}
		},
	};
}

/**
 * Runs every example in the demo's n8n through its REST API, in file order, and checks each
 * result against the demo's records (20 contacts, 6 tickets; 02 adds a contact before 03 tags all,
 * 01 escalates the tickets 05's agent would otherwise list). An example without a check fails.
 * Returns the runs, described, for the test's log.
 * @param {string} base @param {{ email: string, password: string }} owner
 */
async function runAndCheckExamples(base, owner) {
	const headers = await login(base, owner);
	/** @type {Record<string, Awaited<ReturnType<typeof runExample>>>} */
	const runs = {};
	for (const example of listExamples()) runs[example.number] = await runExample(base, headers, example, { timeoutMs: 120_000 });
	const text = Object.values(runs)
		.map((r) => describeRun(r, { maxItems: 3 }))
		.join('\n');
	const fail = (/** @type {string} */ why) => new Error(`${why}\n--- the runs\n${text}`);
	for (const r of Object.values(runs)) if (r.status !== 'success') throw fail(`example ${r.example.number} ended ${r.status}`);

	// 01: the open high-priority tickets (3 of the 6) are escalated
	const escalated = runs['01'].items('Mark escalated');
	if (escalated.length !== 3 || !escalated.every((t) => t.status === 'escalated' && t.priority === 'high')) throw fail('01: expected 3 high-priority tickets escalated');
	// 02: created, read back by its id, and updated
	const [got] = runs['02'].items('Get created contact');
	const [updated] = runs['02'].items('Add company');
	if (!got || got.name !== 'Ada Lovelace' || updated?.id !== got.id || updated.company !== 'Analytical Engines Ltd') throw fail('02: expected Ada Lovelace created, read back and updated');
	// 03: every contact listed (all pages) is tagged, under the demo's limit of 10 requests / 2 s
	const listed = runs['03'].items('List contacts');
	const tagged = runs['03'].items('Tag every contact');
	if (listed.length !== 21 || tagged.length !== 21 || !tagged.every((c) => c.tagged === true)) throw fail('03: expected 21 contacts listed and tagged');
	// 04: the wrong id goes down the error output with Flextell's 404, the other two carry on
	const ok = runs['04'].items('Use contact');
	const failed = runs['04'].items('Handle failure');
	if (ok.length !== 2 || failed.length !== 1 || failed[0].error?.statusCode !== 404 || failed[0].error?.code !== 'not_found') throw fail('04: expected 2 contacts through and 1 on the error output (404 not_found)');
	// 05: the agent (the scripted stand-in model) called the Flextell tool for the open tickets and
	// quotes them: after 01, the two open tickets that are not high priority
	if (runs['05']) {
		const [answer] = runs['05'].items('AI Agent');
		const tool = runs['05'].nodes.find((n) => n.name === 'Flextell');
		const text = String(answer?.output ?? '');
		if (!tool || !/Feature request: dark mode/.test(text) || !/Export to CSV is slow/.test(text) || /Invoice shows the wrong VAT rate/.test(text)) {
			throw fail('05: expected the agent to quote the two open tickets left after 01, through the Flextell tool');
		}
	}
	const checked = ['01', '02', '03', '04', '05'];
	for (const number of Object.keys(runs)) if (!checked.includes(number)) throw fail(`example ${number} has no check here: add one in test/e2e/demo-run.js`);
	// a short hold by the rate limit says what it held; the advice to ask for a higher tier is for long waits only
	for (const r of Object.values(runs)) for (const n of r.nodes) for (const h of n.hints) if (/support|higher tier/i.test(h)) throw fail(`${r.example.number}: a hint gives tier advice after a short run: ${h}`);
	return text;
}

/**
 * Signals npm's process and checks the demo ended cleanly: npm exits 0 within timeoutMs, the output
 * says it stopped and has no "failed" line, none of its processes is left, nothing listens on its
 * ports any more, and its temp folders are gone.
 * @param {Awaited<ReturnType<typeof startDemo>>} demo @param {NodeJS.Signals} signal
 * @param {{ ports: number[], folders: string[], timeoutMs: number }} o
 */
async function stopAndCheck(demo, signal, o) {
	const t0 = Date.now();
	process.kill(/** @type {number} */ (demo.npm.pid), signal);
	let timer;
	const end = await Promise.race([demo.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), o.timeoutMs)))]);
	clearTimeout(timer);
	const problems = [];
	if (end === 'timeout') problems.push(`npm had not exited ${o.timeoutMs / 1000} s after ${signal}`);
	else if (/** @type {any} */ (end).code !== 0) problems.push(`npm exited with ${JSON.stringify(end)}`);
	// the kernel may take a moment to reap what was just killed
	for (let i = 0; i < 20 && demo.pids.some(alive); i++) await new Promise((r) => setTimeout(r, 250));
	const left = demo.pids.filter(alive);
	if (left.length) problems.push(`processes left: ${left.map((p) => `${p} ${readCmdline(p)}`).join('; ')}`);
	for (const port of o.ports) if (await listening(port)) problems.push(`port ${port} still open`);
	for (const f of o.folders) if (fs.existsSync(f)) problems.push(`folder left: ${f}`);
	const out = demo.output();
	if (/failed/i.test(out)) problems.push('a "failed" line');
	if (!/\] stopped/.test(out)) problems.push('no "stopped" line');
	if (problems.length) throw new Error(`the demo did not stop cleanly on ${signal} to npm: ${problems.join('; ')}\n--- its output (tail)\n${out.slice(-3000)}`);
	return (Date.now() - t0) / 1000;
}

/** @param {number} pid */
function readCmdline(pid) {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160);
	} catch {
		return '';
	}
}

/** The port of a URL. @param {string} url */
const portOf = (url) => Number(new URL(url).port);

module.exports = { startDemo, runAndCheckExamples, stopAndCheck, portOf };
