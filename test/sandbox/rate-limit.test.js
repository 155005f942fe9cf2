// @ts-check
'use strict';
const { apiRequests } = require('../../scripts/lib/sandbox');
const { useRateLimitSandbox } = require('./helpers');

// On the sandbox's clock, moved by hand (no real waits).
const { sb, client, list, clock } = useRateLimitSandbox();
const apiLog = () => apiRequests(sb);
const lastApi = () => apiLog()[apiLog().length - 1];

describe('fixed window per access token', () => {
	test('over the limit → 429 rate_limit_exceeded with Retry-After in seconds; on time after it → 200', async () => {
		sb.configure({ rateLimit: { limit: 2, windowSeconds: 1, retryAfter: 'seconds' } });
		const { access_token: token } = sb.issueToken();
		expect((await list(token)).status).toBe(200);
		expect((await list(token)).status).toBe(200);
		const limited = await list(token);
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('1');
		expect(limited.json).toEqual({ error: 'rate_limit_exceeded', message: 'Too many requests. Retry after 1 seconds.' });

		// another token has its own window
		expect((await list(sb.issueToken().access_token)).status).toBe(200);

		await clock.advance(1000);
		expect((await list(token)).status).toBe(200);
		expect(apiLog().map((r) => [r.status, r.early])).toEqual([[200, false], [200, false], [429, false], [200, false], [200, false]]);
	});

	test('Retry-After as an HTTP-date, on a whole second; a retry at that date is served', async () => {
		sb.configure({ rateLimit: { limit: 1, windowSeconds: 1, retryAfter: 'http-date' } });
		const { access_token: token } = sb.issueToken();
		await list(token);
		const limited = await list(token);
		expect(limited.status).toBe(429);
		const date = Date.parse(String(limited.headers['retry-after']));
		expect(String(limited.headers['retry-after'])).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
		expect(date % 1000).toBe(0);
		expect(date).toBeGreaterThan(clock.now());
		expect(date).toBeLessThanOrEqual(clock.now() + 2000);
		await clock.advance(date - clock.now() + 5);
		const retried = await list(token);
		expect(retried.status).toBe(200);
		expect(lastApi().early).toBe(false);
	});

	test("retryAfter 'none': no header, yet a request before the window ends is early", async () => {
		sb.configure({ rateLimit: { limit: 1, windowSeconds: 1, retryAfter: 'none' } });
		const { access_token: token } = sb.issueToken();
		await list(token);
		const windowStart = apiLog()[0].time;
		const limited = await list(token);
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBeUndefined();
		expect(limited.json.error).toBe('rate_limit_exceeded');

		expect((await list(token)).status).toBe(429);
		expect(lastApi().early).toBe(true);
		await clock.advance(windowStart + 1000 - clock.now() + 50);
		expect((await list(token)).status).toBe(200);
		expect(lastApi().early).toBe(false);
	});

	test('requests before the Retry-After moment are logged early and counted; past suspendAfter → 403 account_suspended until reset()', async () => {
		sb.configure({ rateLimit: { limit: 1, windowSeconds: 2, retryAfter: 'seconds', suspendAfter: 2 } });
		const { access_token: token } = sb.issueToken();
		await list(token);
		expect((await list(token)).headers['retry-after']).toBe('2');
		expect((await list(token)).status).toBe(429); // early 1
		expect((await list(token)).status).toBe(429); // early 2
		const suspended = await list(token); // early 3 > suspendAfter
		expect(suspended.status).toBe(403);
		expect(suspended.json).toEqual({ error: 'account_suspended', message: expect.any(String) });
		expect(apiLog().map((r) => r.early)).toEqual([false, false, true, true, true]);
		expect((await client.api('POST', '/contacts', { token, json: { name: 'x' } })).status).toBe(403);
		// other tokens are not affected
		expect((await list(sb.issueToken().access_token)).status).toBe(200);

		sb.reset();
		expect((await list(token)).status).toBe(200);
	});
});

describe('a rate_limit fault', () => {
	test('sets the Retry-After moment too: an early retry is logged early, an on-time one not', async () => {
		const { access_token: token } = sb.issueToken();
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 1 }]);
		const limited = await list(token);
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('1');
		expect(limited.json.message).toBe('Too many requests. Retry after 1 seconds.');
		expect((await list(token)).status).toBe(200); // no limiter configured: served, but early
		await clock.advance(1000);
		expect((await list(token)).status).toBe(200);
		expect(apiLog().map((r) => [r.status, r.early, r.fault])).toEqual([[429, false, 'rate_limit'], [200, true, null], [200, false, null]]);
	});

	test("with 'http-date' and with null (no header)", async () => {
		const { access_token: token } = sb.issueToken();
		sb.injectFaults([{ kind: 'rate_limit', retryAfter: 'http-date', seconds: 1 }, { kind: 'rate_limit', retryAfter: null }]);
		const dated = await list(token);
		expect(dated.status).toBe(429);
		expect(Date.parse(String(dated.headers['retry-after'])) % 1000).toBe(0);
		const bare = await list(token);
		expect(bare.status).toBe(429);
		expect(bare.headers['retry-after']).toBeUndefined();
		expect(apiLog()[1].early).toBe(true); // before the http-date
	});
});
