// @ts-check
'use strict';
const crypto = require('node:crypto');
const { useSandboxAndClient } = require('./helpers');

const { sb, client } = useSandboxAndClient();

const REDIRECT = 'https://n8n.local/rest/oauth2-credential/callback';
const basic = (id = 'flextell-sandbox', secret = 'sandbox-secret') =>
	`Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * Runs /oauth/authorize and returns the redirect's query.
 * @param {Record<string, string>} params
 */
async function authorize(params) {
	const query = new URLSearchParams({ response_type: 'code', client_id: sb.clientId, redirect_uri: REDIRECT, ...params });
	const res = await client.request('GET', `/oauth/authorize?${query}`);
	expect(res.status).toBe(302);
	const location = new URL(String(res.headers.location));
	expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
	return location.searchParams;
}

/**
 * @param {Record<string, string>} form
 * @param {Record<string, string>} [headers]
 */
const tokenRequest = (form, headers = { authorization: basic() }) => client.request('POST', '/oauth/token', { form, headers });

describe('bearer tokens on /api', () => {
	test('missing, unknown and expired tokens → 401 invalid_token with WWW-Authenticate', async () => {
		const { access_token } = sb.issueToken();
		sb.expireAccessToken(access_token);
		for (const token of [null, 'fta_unknown', access_token]) {
			const res = await client.api('GET', '/contacts', { token });
			expect(res.status).toBe(401);
			expect(res.json).toEqual({ error: 'invalid_token', message: expect.any(String) });
			expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
		}
	});

	test('a token that runs out by its ttl → 401', async () => {
		const { access_token, expires_in } = sb.issueToken({ ttlSeconds: 0.05 });
		expect(expires_in).toBe(0.05);
		await new Promise((r) => setTimeout(r, 80));
		expect((await client.api('GET', '/contacts', { token: access_token })).status).toBe(401);
	});

	test('GET needs scope read, writes need write → else 403 insufficient_scope', async () => {
		const readOnly = sb.issueToken({ scope: 'read' }).access_token;
		const writeOnly = sb.issueToken({ scope: 'write' }).access_token;
		expect((await client.api('GET', '/contacts', { token: readOnly })).status).toBe(200);
		const denied = await client.api('POST', '/contacts', { token: readOnly, json: { name: 'x' } });
		expect(denied.status).toBe(403);
		expect(denied.json.error).toBe('insufficient_scope');
		expect((await client.api('POST', '/contacts', { token: writeOnly, json: { name: 'x' } })).status).toBe(201);
		expect((await client.api('GET', '/contacts', { token: writeOnly })).json.error).toBe('insufficient_scope');
	});
});

describe('OAuth', () => {
	test('authorization_code: authorize redirects with code and state; the code buys a working token pair once', async () => {
		const query = await authorize({ state: 'xyz', scope: 'read write' });
		expect(query.get('state')).toBe('xyz');
		const code = String(query.get('code'));
		const res = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
		expect(res.status).toBe(200);
		expect(res.headers['cache-control']).toBe('no-store');
		expect(res.json).toEqual({
			access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600,
			refresh_token: expect.any(String), scope: 'read write',
		});
		expect((await client.api('GET', '/contacts', { token: res.json.access_token })).status).toBe(200);

		const again = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
		expect(again.status).toBe(400);
		expect(again.json).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
	});

	test('authorization_code with PKCE S256: the right verifier works, a wrong one is invalid_grant', async () => {
		const verifier = crypto.randomBytes(32).toString('base64url');
		const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
		const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };

		const wrong = String((await authorize(pkce)).get('code'));
		const bad = await tokenRequest({ grant_type: 'authorization_code', code: wrong, redirect_uri: REDIRECT, code_verifier: 'nope' });
		expect(bad.status).toBe(400);
		expect(bad.json.error).toBe('invalid_grant');

		const missing = String((await authorize(pkce)).get('code'));
		expect((await tokenRequest({ grant_type: 'authorization_code', code: missing, redirect_uri: REDIRECT })).json.error).toBe('invalid_grant');

		// a public client: client_id in the body, no secret, the verifier proves it
		const code = String((await authorize(pkce)).get('code'));
		const ok = await tokenRequest(
			{ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: sb.clientId }, {});
		expect(ok.status).toBe(200);
		expect(ok.json.token_type).toBe('Bearer');
	});

	test('authorize: unknown client → 400 without redirect; unsupported response_type → redirect with error', async () => {
		const res = await client.request('GET', `/oauth/authorize?client_id=other&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code`);
		expect(res.status).toBe(400);
		expect(res.json.error).toBe('invalid_client');
		const query = await authorize({ response_type: 'token', state: 's' });
		expect(query.get('error')).toBe('unsupported_response_type');
		expect(query.get('state')).toBe('s');
	});

	test('a redirect_uri other than the authorized one → invalid_grant', async () => {
		const code = String((await authorize({})).get('code'));
		const res = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: 'https://elsewhere/cb' });
		expect(res.json.error).toBe('invalid_grant');
	});

	test('refresh_token rotates (form body, Basic auth, as n8n sends it): the old refresh token stops working', async () => {
		const first = sb.issueToken({ scope: 'read write' });
		const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
		expect(res.status).toBe(200);
		expect(res.json).toEqual({
			access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600,
			refresh_token: expect.any(String), scope: 'read write',
		});
		expect(res.json.refresh_token).not.toBe(first.refresh_token);
		expect((await client.api('GET', '/contacts', { token: res.json.access_token })).status).toBe(200);

		const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
		expect(reused.status).toBe(400);
		expect(reused.json.error).toBe('invalid_grant');
		expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: res.json.refresh_token })).status).toBe(200);
	});

	test('refresh with client credentials in the body, and with a JSON body', async () => {
		const { refresh_token } = sb.issueToken();
		const body = await tokenRequest({ grant_type: 'refresh_token', refresh_token, client_id: sb.clientId, client_secret: sb.clientSecret }, {});
		expect(body.status).toBe(200);
		const json = await client.request('POST', '/oauth/token', {
			json: { grant_type: 'refresh_token', refresh_token: body.json.refresh_token, client_id: sb.clientId, client_secret: sb.clientSecret },
		});
		expect(json.status).toBe(200);
	});

	test('revokeRefreshToken → refresh is 400 invalid_grant; a narrower scope can be asked, a wider one not', async () => {
		const revoked = sb.issueToken();
		sb.revokeRefreshToken(String(revoked.refresh_token));
		expect((await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(revoked.refresh_token) })).json.error).toBe('invalid_grant');

		const narrow = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(sb.issueToken().refresh_token), scope: 'read' });
		expect(narrow.json.scope).toBe('read');
		const wide = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(sb.issueToken({ scope: 'read' }).refresh_token), scope: 'read write' });
		expect(wide.json.error).toBe('invalid_scope');
	});

	test('client_credentials, by Basic header or body', async () => {
		const viaHeader = await tokenRequest({ grant_type: 'client_credentials', scope: 'read' });
		expect(viaHeader.status).toBe(200);
		expect(viaHeader.json).toMatchObject({ token_type: 'Bearer', scope: 'read' });
		expect(viaHeader.json.refresh_token).toBeUndefined();
		const viaBody = await tokenRequest({ grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret }, {});
		expect(viaBody.status).toBe(200);
		expect((await client.api('POST', '/contacts', { token: viaBody.json.access_token, json: { name: 'x' } })).status).toBe(201);
	});

	test('client authentication failures → 401 invalid_client; bad requests → 400', async () => {
		const wrongSecret = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('flextell-sandbox', 'wrong') });
		expect(wrongSecret.status).toBe(401);
		expect(wrongSecret.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
		expect((await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('someone', 'sandbox-secret') })).status).toBe(401);
		expect((await tokenRequest({ grant_type: 'client_credentials' }, {})).status).toBe(401);
		expect((await tokenRequest({ grant_type: 'client_credentials', client_id: sb.clientId }, {})).status).toBe(401);
		expect((await tokenRequest({ grant_type: 'password' })).json.error).toBe('unsupported_grant_type');
		expect((await tokenRequest({ grant_type: 'refresh_token' })).json.error).toBe('invalid_request');
		expect((await client.request('GET', '/oauth/token')).status).toBe(405);
	});
});

// n8n's own OAuth2 client (a dependency of n8n-core) against the token endpoint, both ways it
// sends client credentials. It uses axios on https.globalAgent, which is told the sandbox's CA
// for the duration of these tests.
describe("with n8n's OAuth2 client (@n8n/client-oauth2)", () => {
	/** @type {any} */
	let ClientOAuth2 = null;
	try {
		({ ClientOAuth2 } = require('@n8n/client-oauth2'));
	} catch {
		// not installed: skipped below
	}
	const maybe = ClientOAuth2 ? test : test.skip;
	const https = require('node:https');
	const fs = require('node:fs');
	/** @type {unknown} */
	let previousCa;
	beforeAll(() => {
		previousCa = https.globalAgent.options.ca;
		https.globalAgent.options.ca = fs.readFileSync(sb.certPath);
	});
	afterAll(() => {
		https.globalAgent.options.ca = /** @type {any} */ (previousCa);
	});

	maybe.each(['header', 'body'])('refreshes with client credentials in the %s', async (authentication) => {
		const oauth = new ClientOAuth2({ clientId: sb.clientId, clientSecret: sb.clientSecret, accessTokenUri: sb.tokenUrl, authentication });
		const issued = sb.issueToken();
		const refreshed = await oauth.createToken({ ...issued }).refresh();
		expect(refreshed.accessToken).not.toBe(issued.access_token);
		expect(refreshed.refreshToken).not.toBe(issued.refresh_token);
		expect(refreshed.data.token_type).toBe('Bearer');
		const last = sb.log[sb.log.length - 1];
		expect(last.path).toBe('/oauth/token');
		expect(last.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		expect(Boolean(last.headers.authorization)).toBe(authentication === 'header');
		await expect(oauth.createToken({ ...issued }).refresh()).rejects.toThrow(); // rotated
	});

	maybe('runs the authorization-code flow', async () => {
		const redirectUri = 'https://n8n.local/rest/oauth2-credential/callback';
		const oauth = new ClientOAuth2({
			clientId: sb.clientId, clientSecret: sb.clientSecret, accessTokenUri: sb.tokenUrl,
			authorizationUri: sb.authorizeUrl, redirectUri, scopes: ['read', 'write'], state: 'n8n-state',
		});
		const res = await client.request('GET', new URL(oauth.code.getUri()).pathname + new URL(oauth.code.getUri()).search);
		const token = await oauth.code.getToken(String(res.headers.location));
		expect(token.data).toMatchObject({ token_type: 'Bearer', scope: 'read write' });
		expect((await client.api('GET', '/contacts', { token: token.accessToken })).status).toBe(200);
	});
});
