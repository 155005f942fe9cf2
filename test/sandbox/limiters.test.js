// @ts-check
'use strict';
// The sandbox's limiters (fixed window, sliding window, token bucket) and its rate-limit header
// styles, switched through configure(), the control API and the CLI.
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const { Client, useRateLimitSandbox } = require('./helpers');

// On the sandbox's clock, moved by hand (no real waits).
const { sb, client, list, clock } = useRateLimitSandbox();

describe('limiters', () => {
	test('sliding window: at most `limit` in any window; Retry-After until the oldest leaves it', async () => {
		sb.configure({ rateLimit: { limit: 2, windowSeconds: 1, limiter: 'sliding' } });
		const { access_token: token } = sb.issueToken();
		expect((await list(token)).status).toBe(200);
		await clock.advance(600);
		expect((await list(token)).status).toBe(200);
		const limited = await list(token);
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('1'); // ≈ 0.4 s, in whole seconds
		await clock.advance(500);
		// The first request has left the window, the second has not: one place, not two.
		expect((await list(token)).status).toBe(200);
		expect((await list(token)).status).toBe(429);
	});

	test('token bucket: `limit` at once, then one per window/limit', async () => {
		// One token per 2 s.
		sb.configure({ rateLimit: { limit: 3, windowSeconds: 6, limiter: 'token-bucket' } });
		const { access_token: token } = sb.issueToken();
		const burst = [];
		for (let i = 0; i < 4; i++) burst.push((await list(token)).status);
		expect(burst).toEqual([200, 200, 200, 429]);
		await clock.advance(2100); // 2 s refills one token
		expect((await list(token)).status).toBe(200);
		expect((await list(token)).status).toBe(429);
	});

	test('an unknown limiter or header style is refused', () => {
		expect(() => sb.configure({ rateLimit: { limit: 1, windowSeconds: 1, limiter: 'leaky' } })).toThrow(/rateLimit.limiter must be one of fixed, sliding, token-bucket/);
		expect(() => sb.configure({ rateLimit: { limit: 1, windowSeconds: 1, headers: 'yes' } })).toThrow(/rateLimit.headers must be one of none, ietf, draft, x, x-epoch/);
	});
});

describe('rate-limit headers', () => {
	test("off by default, as Flextell's API documentation names only Retry-After", async () => {
		sb.configure({ rateLimit: { limit: 5, windowSeconds: 2 } });
		const answer = await list(sb.issueToken().access_token);
		expect(Object.keys(answer.headers).filter((name) => /ratelimit/i.test(name))).toEqual([]);
	});

	test.each([
		['ietf', { ratelimit: '"default";r=4;t=2', 'ratelimit-policy': '"default";q=5;w=2' }],
		['draft', { 'ratelimit-limit': '5', 'ratelimit-remaining': '4', 'ratelimit-reset': '2' }],
		['x', { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '2' }],
	])('%s style on a 200', async (headers, expected) => {
		sb.configure({ rateLimit: { limit: 5, windowSeconds: 2, headers } });
		const answer = await list(sb.issueToken().access_token);
		expect(answer.headers).toMatchObject(expected);
	});

	test('x-epoch: the reset as epoch seconds; on a 429 too, with Retry-After', async () => {
		sb.configure({ rateLimit: { limit: 1, windowSeconds: 2, headers: 'x-epoch' } });
		const token = sb.issueToken().access_token;
		const before = clock.now();
		await list(token);
		const limited = await list(token);
		expect(limited.status).toBe(429);
		expect(limited.headers['x-ratelimit-remaining']).toBe('0');
		const reset = Number(limited.headers['x-ratelimit-reset']) * 1000;
		expect(reset).toBeGreaterThanOrEqual(before + 1000);
		expect(reset).toBeLessThanOrEqual(clock.now() + 3000);
		expect(limited.headers['retry-after']).toBeDefined();
	});

	test('switched through the control API', async () => {
		const changed = await client.request('POST', '/_sandbox/config', { json: { rateLimit: { limit: 5, windowSeconds: 1, limiter: 'token-bucket', headers: 'ietf' } } });
		expect(changed.json.data.rateLimit).toMatchObject({ limiter: 'token-bucket', headers: 'ietf' });
		expect((await list(sb.issueToken().access_token)).headers.ratelimit).toBe('"default";r=4;t=1');
	});
});

test('the CLI takes --limiter and --rate-limit-headers', async () => {
	const cli = path.join(__dirname, '..', '..', 'sandbox', 'cli.js');
	const child = spawn(process.execPath, [cli, '--port', '0', '--lifetime', '20', '--rate-limit', '5/1', '--limiter', 'sliding', '--rate-limit-headers', 'x'], {
		stdio: ['pipe', 'pipe', 'ignore'],
	});
	try {
		const line = await new Promise((resolve, reject) => {
			const rl = readline.createInterface({ input: /** @type {NodeJS.ReadableStream} */ (child.stdout) });
			rl.once('line', resolve);
			child.once('exit', () => reject(new Error('the sandbox CLI exited before it was ready')));
		});
		const info = JSON.parse(String(line));
		const cliClient = new Client(info);
		const config = (await cliClient.request('GET', '/_sandbox/config')).json;
		cliClient.close();
		expect(config.data.rateLimit).toMatchObject({ limit: 5, windowSeconds: 1, limiter: 'sliding', headers: 'x' });
	} finally {
		child.stdin?.end();
		child.kill();
	}
});
