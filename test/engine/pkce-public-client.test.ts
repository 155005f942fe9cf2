/**
 * A public client (PKCE, Client Secret left empty) against the sandbox's OAuth server, through the
 * code n8n runs: the token exchange as n8n's OAuth2 callback does it (its ClientOAuth2 with
 * `code_verifier` in the body, n8n 2.40's oauth2-credential.controller), then the node's requests
 * and the token refresh in n8n's engine (n8n-core's requestOAuth2). With no secret, n8n's client
 * sends `client_id` in the form body and no Authorization header; the verifier proves the client.
 * n8n's editor is not covered here: it will not save the credential with Client Secret empty; the
 * expression {{ "" }} passes it and resolves to empty (docs/credential.md).
 */
import crypto from 'node:crypto';
import path from 'node:path';

import type { ClientOAuth2 as ClientOAuth2Type } from '@n8n/client-oauth2';

import { runNode } from './harness';
import { apiRequests, connectedCredential, useSandbox } from './sandbox-fixture';

jest.mock('../../nodes/shared/transport/clock', () => jest.requireActual('./virtual-time').useVirtualTime());

// n8n's own OAuth2 client, the copy n8n-core uses (not a dependency of this package)
const { ClientOAuth2 } = require(require.resolve('@n8n/client-oauth2', { paths: [path.dirname(require.resolve('n8n-core/package.json'))] })) as {
	ClientOAuth2: typeof ClientOAuth2Type;
};

const sb = useSandbox();
const REDIRECT = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';

/** The authorization step: the browser at the provider, which redirects back to n8n's callback URL. */
async function authorize(query: Record<string, string>): Promise<string> {
	const url = new URL(sb.tokenUrl.replace(/token$/, 'authorize'));
	for (const [k, v] of Object.entries({ client_id: sb.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'read write', state: 's1', ...query })) {
		url.searchParams.set(k, v);
	}
	const res = await fetch(url, { redirect: 'manual' });
	expect(res.status).toBe(302);
	return res.headers.get('location') as string;
}

/** n8n's callback: `code.getToken(callback URL, { body })` with the credential's options. */
function n8nClient(authentication: 'header' | 'body') {
	return new ClientOAuth2({
		clientId: sb.clientId,
		clientSecret: '',
		accessTokenUri: sb.tokenUrl,
		authorizationUri: sb.tokenUrl.replace(/token$/, 'authorize'),
		redirectUri: REDIRECT,
		scopes: ['read write'],
		authentication,
	});
}

describe('PKCE with the Client Secret left empty (a public client)', () => {
	it.each(['header', 'body'] as const)('connects (Authentication: %s), then the node runs and refreshes its token without a secret', async (authentication) => {
		const verifier = crypto.randomBytes(32).toString('base64url');
		const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
		const callback = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });

		// n8n 2.40 sends the verifier in the body for PKCE; with body authentication also client_id (a secret only when set)
		const body: Record<string, string> = { code_verifier: verifier, ...(authentication === 'body' ? { client_id: sb.clientId } : {}) };
		const token = await n8nClient(authentication).code.getToken(callback, { body });
		expect(token.accessToken).toEqual(expect.any(String));

		const exchange = sb.log.find((r) => r.path === '/oauth/token')!;
		expect(exchange.status).toBe(200);
		expect(exchange.headers.authorization).toBeUndefined();
		expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', client_id: sb.clientId, code_verifier: verifier });
		expect(exchange.body).not.toHaveProperty('client_secret');

		// The credential as n8n stores it after the callback: PKCE, no secret, the tokens.
		sb.seed('contacts', [{ name: 'Ada' }]);
		const { credentials } = connectedCredential(sb, { authentication });
		const stored = credentials.get('cred-1');
		Object.assign(stored, { grantType: 'pkce', clientSecret: '', oauthTokenData: { token_type: 'Bearer', access_token: token.accessToken, refresh_token: token.refreshToken } });
		sb.expireAccessToken(token.accessToken);
		sb.clearLog();

		const { items, error } = await runNode({ credentials, parameters: { method: 'GET', path: 'contacts' } });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.name)).toEqual(['Ada']);
		const refresh = sb.log.find((r) => r.path === '/oauth/token')!;
		expect(refresh.status).toBe(200);
		expect(refresh.headers.authorization).toBeUndefined();
		expect(refresh.body).toMatchObject({ grant_type: 'refresh_token', client_id: sb.clientId });
		expect(refresh.body).not.toHaveProperty('client_secret');
		expect(apiRequests(sb).map((r: { status: number }) => r.status)).toEqual([401, 200]);
	});

	it('without PKCE an empty secret is refused: the verifier is what stands in for the secret', async () => {
		const callback = await authorize({});
		await expect(n8nClient('header').code.getToken(callback)).rejects.toThrow();
		const exchange = sb.log.find((r) => r.path === '/oauth/token')!;
		expect(exchange.status).toBe(401);
		expect(exchange.body).toMatchObject({ client_id: sb.clientId });
	});
});
