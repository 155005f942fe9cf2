/** Behaviours 7 and 8: expired tokens are refreshed by n8n; no token leaks anywhere. */
import { n8nLogger, runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

const sb = useSandbox();

const GET = { method: 'GET', path: 'contacts' };

describe('7. Expired tokens', () => {
	it.each(['header', 'body'] as const)(
		'n8n refreshes on 401 (client auth in the %s), retries with the new token and stores it',
		async (authentication) => {
			sb.seed('contacts', [{ name: 'Ada' }]);
			const { credentials, tokens } = connectedCredential(sb, { authentication });
			sb.expireAccessToken(tokens.access_token);

			const { items, error } = await runNode({ credentials, parameters: GET });
			expect(error).toBeUndefined();
			expect(items.map((i) => i.json.name)).toEqual(['Ada']);

			const [refreshed] = credentials.tokenUpdates;
			expect(refreshed.access_token).toEqual(expect.any(String));
			expect(refreshed.access_token).not.toBe(tokens.access_token);
			expect(refreshed.refresh_token).not.toBe(tokens.refresh_token); // rotated
			const stored = credentials.get('cred-1').oauthTokenData as Record<string, string>;
			expect(stored.access_token).toBe(refreshed.access_token);

			const tokenRequest = sb.log.find((r) => r.path === '/oauth/token')!;
			expect(tokenRequest.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
			if (authentication === 'header') expect(tokenRequest.headers.authorization).toMatch(/^Basic /);
			else expect(tokenRequest.body).toMatchObject({ client_id: sb.clientId });

			const [rejected, retried] = apiRequests(sb);
			expect(rejected.status).toBe(401);
			expect(rejected.headers.authorization).toBe(`Bearer ${tokens.access_token}`);
			expect(retried.status).toBe(200);
			expect(retried.headers.authorization).toBe(`Bearer ${refreshed.access_token}`);

			// The next run uses the stored new token straight away.
			sb.clearLog();
			await runNode({ credentials, parameters: GET });
			expect(apiRequests(sb)[0].headers.authorization).toBe(`Bearer ${refreshed.access_token}`);
			expect(sb.log.some((r) => r.path === '/oauth/token')).toBe(false);
		},
	);

	it('says to reconnect the credential when the refresh token is rejected too', async () => {
		const { credentials, tokens } = connectedCredential(sb);
		sb.expireAccessToken(tokens.access_token);
		sb.revokeRefreshToken(tokens.refresh_token);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toMatch(/needs to be reconnected/);
		expect(String(error?.description)).toMatch(/reconnect/i);
		expect(credentials.tokenUpdates).toHaveLength(0);
		// n8n 2.x refreshes inside its own helper and replaces Flextell's 401 with this error:
		// Flextell's message for the 401 is not available to the node (docs/reliability.md)
		expect(apiRequests(sb)).toHaveLength(1);
	});

	it('after a refresh, a 401 again keeps Flextell\'s message (n8n throws the repeated request\'s answer unread)', async () => {
		const { credentials } = connectedCredential(sb);
		const suspended = { kind: 'status' as const, status: 401, body: { error: 'account_suspended', message: 'This Flextell account is suspended.' } };
		sb.injectFaults([suspended, suspended]);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toBe('This Flextell account is suspended.');
		expect(String(error?.description)).toMatch(/^The access token was refused, and refreshing it did not help\. .*\(Flextell error "account_suspended"\) — GET \/api\/v0\.0\.1\/contacts → HTTP 401$/);
		expect(credentials.tokenUpdates).toHaveLength(1); // the refresh itself worked
		expect(apiRequests(sb).map((r) => r.status)).toEqual([401, 401]);
	});

	it('a refresh the token URL refuses (wrong client secret) says so, not "could not reach Flextell"', async () => {
		const { credentials, tokens } = connectedCredential(sb);
		(credentials.get('cred-1') as { clientSecret: string }).clientSecret = 'not-the-secret';
		sb.expireAccessToken(tokens.access_token);
		const { error } = await runNode({ credentials, parameters: GET });
		expect(error?.message).toBe('Flextell refused the access token, and refreshing it failed');
		expect(String(error?.description)).toMatch(/^The token URL answered "invalid_client": Wrong client secret\. .*Client Secret.* — GET \/api\/v0\.0\.1\/contacts → HTTP 401$/);
		expect(String(error?.description)).not.toMatch(/not-the-secret/);
		expect(sb.log.filter((r) => r.path === '/oauth/token').map((r) => r.status)).toEqual([401]);
		expect(credentials.tokenUpdates).toHaveLength(0);
	});
});

describe('8. No token in errors, items or logs', () => {
	it('keeps access token, refresh token and client secret out of every error, item and log line', async () => {
		const logged: string[] = [];
		const logger = n8nLogger();
		const spies = (['error', 'warn', 'info', 'debug'] as const).map((level) =>
			jest.spyOn(logger, level).mockImplementation((message: string, meta?: object) => {
				logged.push(`${message} ${JSON.stringify(meta ?? {})}`);
			}),
		);
		try {
			const { credentials, tokens } = connectedCredential(sb);
			const secrets = [tokens.access_token, tokens.refresh_token, sb.clientSecret];
			sb.injectFaults([
				{ kind: 'status', status: 500, body: { error: 'internal', message: `echo ${tokens.access_token}` } },
				{ kind: 'rate_limit', retryAfter: 1 },
				{ kind: 'html', status: 502 },
				{ kind: 'reset' },
				{ kind: 'truncated' },
			]);
			const outcomes = [];
			for (const parameters of [
				{ method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' },
				{ ...GET, options: { maxRetries: 0 } },
				{ method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' },
				{ method: 'POST', path: 'contacts', jsonBody: '{"name":"x"}' },
				GET,
				{ method: 'GET', path: 'https://evil.example/x' },
				{ method: 'GET', path: 'contacts/obj_missing' },
			]) {
				outcomes.push(await runNode({ credentials, parameters }));
				outcomes.push(await runNode({ credentials, parameters, continueOnFail: true }));
			}
			expect(outcomes.filter((o) => o.error)).not.toHaveLength(0);
			expect(logged.some((line) => line.includes('Flextell'))).toBe(true);

			const everything = JSON.stringify(
				outcomes.map((o) => ({ error: o.error, errorStack: o.error?.stack, description: o.error?.description, items: o.items })),
			) + logged.join('\n');
			for (const secret of secrets) expect(everything).not.toContain(secret);
			// The echoed token in Flextell's own message was redacted, not dropped silently.
			expect(everything).toContain('echo [redacted]');
		} finally {
			spies.forEach((spy) => spy.mockRestore());
		}
	}, 20_000);
});
