// @ts-check
// The Flextell credential's data, built one way for n8n's engine in the tests (test/engine) and for
// `n8n import:credentials` (the demo, the e2e suites, the bench).
'use strict';

const CREDENTIAL_TYPE = 'flextellOAuth2Api';

/**
 * The credential's fields as n8n hands them to its OAuth2 helper: the oAuth2Api fields (our hidden
 * ones included) plus baseUrl/apiVersion, and the stored tokens when given.
 * @param {{ baseUrl: string, tokenUrl: string, authorizeUrl?: string, clientId: string, clientSecret: string,
 *           tokens?: { access_token: string, refresh_token?: string }, apiVersion?: string, authentication?: 'header'|'body' }} o
 */
function credentialData(o) {
	return {
		grantType: 'authorizationCode',
		authUrl: o.authorizeUrl ?? o.tokenUrl.replace(/token$/, 'authorize'),
		accessTokenUrl: o.tokenUrl,
		clientId: o.clientId,
		clientSecret: o.clientSecret,
		scope: 'read write',
		authQueryParameters: '',
		authentication: o.authentication ?? 'header',
		baseUrl: o.baseUrl,
		apiVersion: o.apiVersion ?? 'v0.0.1',
		...(o.tokens
			? { oauthTokenData: { token_type: 'Bearer', access_token: o.tokens.access_token, refresh_token: o.tokens.refresh_token } }
			: {}),
	};
}

/**
 * A credential record for `n8n import:credentials` (plain data; n8n encrypts it on import),
 * connected to a sandbox (its baseUrl unless `baseUrl` is given).
 * @param {{ id: string, name: string, sandbox: { baseUrl: string, authorizeUrl?: string, tokenUrl: string, clientId: string, clientSecret: string },
 *           tokens?: { access_token: string, refresh_token?: string }, baseUrl?: string, apiVersion?: string }} o
 */
function credentialRecord(o) {
	const sb = o.sandbox;
	return {
		id: o.id,
		name: o.name,
		type: CREDENTIAL_TYPE,
		data: credentialData({
			baseUrl: o.baseUrl ?? sb.baseUrl,
			tokenUrl: sb.tokenUrl,
			authorizeUrl: sb.authorizeUrl,
			clientId: sb.clientId,
			clientSecret: sb.clientSecret,
			tokens: o.tokens,
			apiVersion: o.apiVersion,
		}),
	};
}

module.exports = { CREDENTIAL_TYPE, credentialData, credentialRecord };
