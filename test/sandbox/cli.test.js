// @ts-check
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { Client, sleep } = require('./helpers');

const CLI = path.join(__dirname, '..', '..', 'sandbox', 'cli.js');

/**
 * Resolves with the first line `stream` prints.
 * @param {NodeJS.ReadableStream} stream
 * @returns {Promise<string>}
 */
function firstLine(stream) {
	return new Promise((resolve, reject) => {
		const lines = readline.createInterface({ input: stream });
		lines.once('line', (line) => {
			resolve(line);
			lines.close();
		});
		lines.once('close', () => reject(new Error('closed before a line')));
	});
}

/** @param {import('node:child_process').ChildProcess} child */
const exited = (child) => new Promise((resolve) => {
	if (child.exitCode !== null) resolve(child.exitCode);
	else child.once('exit', (code) => resolve(code));
});

/** @param {number} pid */
function alive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

test('prints its JSON line, serves, logs each request to stderr, and exits when its stdin closes', async () => {
	const child = spawn(process.execPath, [CLI, '--port', '0', '--lifetime', '30', '--rate-limit', '50/5', '--pagination', 'page'], {
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	try {
		/** @type {string[]} */
		const stderr = [];
		child.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
		const info = JSON.parse(await firstLine(/** @type {NodeJS.ReadableStream} */ (child.stdout)));
		expect(info).toEqual({
			url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
			baseUrl: `${info.url}/api`,
			certPath: expect.stringMatching(/cert\.pem$/),
			clientId: 'flextell-sandbox',
			clientSecret: 'sandbox-secret',
			authorizeUrl: `${info.url}/oauth/authorize`,
			tokenUrl: `${info.url}/oauth/token`,
		});

		const client = new Client(info);
		const token = await client.request('POST', '/_sandbox/tokens', { json: { scope: 'read' } });
		const list = await client.request('GET', '/api/v0.0.1/contacts', { token: token.json.access_token });
		expect(list.json.meta).toEqual({ page: 1, per_page: 100, total: 0 });
		expect((await client.request('GET', '/_sandbox/config')).json.data.rateLimit).toMatchObject({ limit: 50, windowSeconds: 5 });
		client.close();

		const started = Date.now();
		child.stdin?.end();
		expect(await exited(child)).toBe(0);
		expect(Date.now() - started).toBeLessThan(2000);
		expect(stderr.join('')).toMatch(/GET \/api\/v0\.0\.1\/contacts -> 200/);
	} finally {
		child.kill();
	}
});

test('stops on SIGTERM', async () => {
	const child = spawn(process.execPath, [CLI, '--port', '0', '--quiet'], { stdio: ['pipe', 'pipe', 'inherit'] });
	try {
		await firstLine(/** @type {NodeJS.ReadableStream} */ (child.stdout));
		child.kill('SIGTERM');
		expect(await exited(child)).toBe(0);
	} finally {
		child.kill();
	}
});

test('stops when its parent process exits, even with stdin still open', async () => {
	// parent -> CLI; the CLI's stdin is this test's pipe, which stays open after the parent exits.
	const parentScript = `
		const { spawn } = require('node:child_process');
		const cli = spawn(process.execPath, [${JSON.stringify(CLI)}, '--port', '0', '--quiet'], { stdio: ['inherit', 'pipe', 'inherit'] });
		cli.stdout.once('data', () => { process.stdout.write(String(cli.pid) + '\\n'); process.exit(0); });
	`;
	const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['pipe', 'pipe', 'inherit'] });
	const pid = Number(await firstLine(/** @type {NodeJS.ReadableStream} */ (parent.stdout)));
	try {
		await exited(parent);
		const deadline = Date.now() + 4000;
		while (alive(pid) && Date.now() < deadline) await sleep(100);
		expect(alive(pid)).toBe(false);
	} finally {
		if (alive(pid)) process.kill(pid);
		parent.stdin?.end();
	}
});

test('started by a person (stdin not a pipe, here /dev/null) it stays up until SIGINT; --seed loads the demo records; --collections adds collections', async () => {
	const child = spawn(process.execPath, [CLI, '--port', '0', '--seed', '--collections', 'notes,orders'], { stdio: ['ignore', 'pipe', 'pipe'] });
	try {
		/** @type {string[]} */
		const stderr = [];
		child.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
		const info = JSON.parse(await firstLine(/** @type {NodeJS.ReadableStream} */ (child.stdout)));
		await sleep(1500); // longer than it took to stop at once when stdin was at its end
		expect(child.exitCode).toBeNull();

		const client = new Client(info);
		const token = (await client.request('POST', '/_sandbox/tokens', { json: { scope: 'read' } })).json.access_token;
		const names = async (/** @type {string} */ path) => (await client.request('GET', `/api/v0.0.1/${path}`, { token })).json.data.map((/** @type {any} */ r) => r.name ?? r.subject);
		expect(await names('contacts')).toHaveLength(20);
		expect((await names('contacts'))[0]).toBe('Ada Lovelace');
		expect(await names('tickets')).toHaveLength(6);
		expect(await names('notes')).toEqual([]);
		expect((await client.request('GET', '/api/v0.0.1/contactz', { token })).status).toBe(404);
		expect((await client.request('GET', '/_sandbox/config')).json.data.collections).toEqual(['contacts', 'tickets', 'notes', 'orders']);
		client.close();
		// a person is told how to use and stop it
		expect(stderr.join('')).toMatch(/Flextell sandbox ready[\s\S]*seeded: 20 contacts, 6 tickets[\s\S]*Press Ctrl-C to stop/);

		child.kill('SIGINT');
		expect(await exited(child)).toBe(0);
	} finally {
		child.kill();
	}
});

test('--stdin ignore: a program can keep it running after closing its stdin; --stdin watch with a bad value is refused', async () => {
	const child = spawn(process.execPath, [CLI, '--port', '0', '--quiet', '--stdin', 'ignore', '--lifetime', '30'], { stdio: ['pipe', 'pipe', 'inherit'] });
	try {
		await firstLine(/** @type {NodeJS.ReadableStream} */ (child.stdout));
		child.stdin?.end();
		await sleep(1500);
		expect(child.exitCode).toBeNull();
		child.kill('SIGTERM');
		expect(await exited(child)).toBe(0);
	} finally {
		child.kill();
	}
	const bad = spawn(process.execPath, [CLI, '--stdin', 'sometimes'], { stdio: ['pipe', 'ignore', 'pipe'] });
	/** @type {string[]} */
	const stderr = [];
	bad.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
	expect(await exited(bad)).toBe(1);
	expect(stderr.join('')).toMatch(/--stdin needs auto, watch or ignore/);
});

test('bad arguments → exit code 1 with a message', async () => {
	const child = spawn(process.execPath, [CLI, '--pagination', 'pages', '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
	/** @type {string[]} */
	const stderr = [];
	child.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
	expect(await exited(child)).toBe(1);
	expect(stderr.join('')).toMatch(/pagination must be one of/);
	expect((await new Promise((resolve) => {
		const other = spawn(process.execPath, [CLI, '--rate-limit', 'lots'], { stdio: ['pipe', 'ignore', 'ignore'] });
		other.once('exit', resolve);
	}))).toBe(1);
});
