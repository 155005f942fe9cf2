// @ts-check
'use strict';
// OAuth 2.0 for the sandbox: one client (any redirect_uri, since it is local), an authorize
// endpoint that approves at once, a token endpoint with the authorization_code (with optional
// PKCE), refresh_token (rotating) and client_credentials grants, and the bearer-token check the
// API uses. Token-endpoint errors have the OAuth shape { error, error_description }.

const crypto = require('node:crypto');

const DEFAULT_SCOPE = 'read write';
const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * @typedef {Object} TokenResponse
 * @property {string} access_token
 * @property {'Bearer'} token_type
 * @property {number} expires_in
 * @property {string} [refresh_token]
 * @property {string} scope
 */

/**
 * @typedef {{ ok: true, scopes: string[] } | { ok: false, message: string }} TokenCheck
 */

/** An OAuth error response. */
class OAuthError extends Error {
	/**
	 * @param {number} status
	 * @param {string} error
	 * @param {string} description
	 */
	constructor(status, error, description) {
		super(description);
		this.status = status;
		this.error = error;
	}
}

/** @param {string} prefix */
function randomToken(prefix) {
	return `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
}

/** @param {string} verifier */
function s256(verifier) {
	return crypto.createHash('sha256').update(verifier).digest('base64url');
}

/**
 * Constant-time comparison of two strings.
 * @param {string} a
 * @param {string} b
 */
function sameSecret(a, b) {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** @param {string} scope */
function scopeList(scope) {
	return scope.split(/[\s,]+/).filter(Boolean);
}

class OAuthServer {
	/**
	 * @param {{ clientId: string, clientSecret: string, tokenTtlSeconds: () => number }} options
	 */
	constructor(options) {
		this.clientId = options.clientId;
		this.clientSecret = options.clientSecret;
		this.tokenTtlSeconds = options.tokenTtlSeconds;
		/** @type {Map<string, { clientId: string, redirectUri: string, scope: string, challenge: string | null, method: string, expiresAt: number }>} */
		this.codes = new Map();
		/** @type {Map<string, { scope: string, expiresAt: number }>} */
		this.accessTokens = new Map();
		/** @type {Map<string, { scope: string, publicClient: boolean }>} */
		this.refreshTokens = new Map();
	}

	/**
	 * Issues an access token (and a refresh token unless `withRefreshToken` is false).
	 * @param {{ scope?: string, ttlSeconds?: number, withRefreshToken?: boolean, publicClient?: boolean }} [options]
	 * @returns {TokenResponse}
	 */
	issue(options = {}) {
		const scope = options.scope ?? DEFAULT_SCOPE;
		const ttlSeconds = options.ttlSeconds ?? this.tokenTtlSeconds();
		if (typeof scope !== 'string') throw new TypeError('scope must be a string');
		if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds)) throw new TypeError('ttlSeconds must be a number');
		const accessToken = randomToken('fta');
		this.accessTokens.set(accessToken, { scope, expiresAt: Date.now() + ttlSeconds * 1000 });
		/** @type {TokenResponse} */
		const response = { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope };
		if (options.withRefreshToken !== false) {
			const refreshToken = randomToken('ftr');
			this.refreshTokens.set(refreshToken, { scope, publicClient: options.publicClient ?? false });
			response.refresh_token = refreshToken;
		}
		return response;
	}

	/**
	 * @param {string | null} token  the bearer token of a request
	 * @returns {TokenCheck}
	 */
	check(token) {
		if (!token) return { ok: false, message: 'The access token is missing.' };
		const grant = this.accessTokens.get(token);
		if (!grant) return { ok: false, message: 'The access token is invalid.' };
		if (Date.now() >= grant.expiresAt) return { ok: false, message: 'The access token has expired.' };
		return { ok: true, scopes: scopeList(grant.scope) };
	}

	/**
	 * @param {string} token
	 * @returns {boolean} whether the token was known
	 */
	expireAccessToken(token) {
		const grant = this.accessTokens.get(token);
		if (grant) grant.expiresAt = 0;
		return Boolean(grant);
	}

	/**
	 * @param {string} token
	 * @returns {boolean} whether the token was known
	 */
	revokeRefreshToken(token) {
		return this.refreshTokens.delete(token);
	}

	/**
	 * GET /oauth/authorize: approves at once and redirects back with `code` and `state`.
	 * @param {import('./http').Exchange} exchange
	 */
	authorize(exchange) {
		const query = exchange.url.searchParams;
		const redirectUri = query.get('redirect_uri') ?? '';
		if (query.get('client_id') !== this.clientId) {
			return this.sendError(exchange, new OAuthError(400, 'invalid_client', 'Unknown client_id.'));
		}
		/** @type {URL} */
		let target;
		try {
			target = new URL(redirectUri);
		} catch {
			return this.sendError(exchange, new OAuthError(400, 'invalid_request', 'redirect_uri must be an absolute URL.'));
		}
		const state = query.get('state');
		if (state !== null) target.searchParams.set('state', state);

		const challenge = query.get('code_challenge');
		const method = query.get('code_challenge_method') ?? 'plain';
		if (query.get('response_type') !== 'code') {
			target.searchParams.set('error', 'unsupported_response_type');
		} else if (challenge !== null && method !== 'S256' && method !== 'plain') {
			target.searchParams.set('error', 'invalid_request');
			target.searchParams.set('error_description', 'code_challenge_method must be S256 or plain.');
		} else {
			const code = randomToken('ftc');
			this.codes.set(code, {
				clientId: this.clientId,
				redirectUri,
				scope: query.get('scope') || DEFAULT_SCOPE,
				challenge,
				method,
				expiresAt: Date.now() + CODE_TTL_MS,
			});
			target.searchParams.set('code', code);
		}
		exchange.empty(302, { Location: target.href });
	}

	/**
	 * POST /oauth/token.
	 * @param {import('./http').Exchange} exchange
	 */
	token(exchange) {
		try {
			const params = this.tokenParams(exchange);
			const client = this.clientOf(exchange, params);
			const response = this.grant(params, client);
			exchange.json(200, response, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
		} catch (err) {
			if (!(err instanceof OAuthError)) throw err;
			this.sendError(exchange, err);
		}
	}

	/**
	 * @param {import('./http').Exchange} exchange
	 * @param {OAuthError} err
	 */
	sendError(exchange, err) {
		const headers = err.status === 401 ? { 'WWW-Authenticate': 'Basic realm="flextell-sandbox"' } : undefined;
		exchange.json(err.status, { error: err.error, error_description: err.message }, headers);
	}

	/**
	 * The token request's parameters, from a form or JSON body.
	 * @param {import('./http').Exchange} exchange
	 * @returns {Record<string, string>}
	 */
	tokenParams(exchange) {
		const body = exchange.body;
		if (body.kind === 'form') return body.value;
		if (body.kind === 'json' && typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value)) {
			/** @type {Record<string, string>} */
			const params = {};
			for (const [key, value] of Object.entries(body.value)) {
				if (typeof value === 'string' || typeof value === 'number') params[key] = String(value);
			}
			return params;
		}
		throw new OAuthError(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded or a JSON object.');
	}

	/**
	 * Authenticates the client by HTTP Basic or by client_id/client_secret in the body.
	 * @param {import('./http').Exchange} exchange
	 * @param {Record<string, string>} params
	 * @returns {{ id: string, confidential: boolean }}
	 */
	clientOf(exchange, params) {
		let id = params.client_id;
		let secret = params.client_secret;
		const header = exchange.req.headers.authorization;
		if (header && /^basic /i.test(header)) {
			const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
			const colon = decoded.indexOf(':');
			if (colon === -1) throw new OAuthError(401, 'invalid_client', 'Malformed Basic credentials.');
			id = preferKnown(decoded.slice(0, colon), this.clientId);
			secret = preferKnown(decoded.slice(colon + 1), this.clientSecret);
		}
		if (!id) throw new OAuthError(401, 'invalid_client', 'Client authentication is missing.');
		if (id !== this.clientId) throw new OAuthError(401, 'invalid_client', 'Unknown client.');
		if (secret === undefined || secret === '') return { id, confidential: false };
		if (!sameSecret(secret, this.clientSecret)) throw new OAuthError(401, 'invalid_client', 'Wrong client secret.');
		return { id, confidential: true };
	}

	/**
	 * @param {Record<string, string>} params
	 * @param {{ id: string, confidential: boolean }} client
	 * @returns {TokenResponse}
	 */
	grant(params, client) {
		switch (params.grant_type) {
			case 'authorization_code': return this.grantCode(params, client);
			case 'refresh_token': return this.grantRefresh(params, client);
			case 'client_credentials': {
				if (!client.confidential) throw new OAuthError(401, 'invalid_client', 'client_credentials needs the client secret.');
				return this.issue({ scope: params.scope || DEFAULT_SCOPE, withRefreshToken: false });
			}
			case undefined: case '':
				throw new OAuthError(400, 'invalid_request', 'grant_type is required.');
			default:
				throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant_type '${params.grant_type}'.`);
		}
	}

	/**
	 * @param {Record<string, string>} params
	 * @param {{ id: string, confidential: boolean }} client
	 */
	grantCode(params, client) {
		if (!params.code) throw new OAuthError(400, 'invalid_request', 'code is required.');
		const code = this.codes.get(params.code);
		this.codes.delete(params.code); // single use, also when this attempt fails
		if (!code || Date.now() >= code.expiresAt || code.clientId !== client.id) {
			throw new OAuthError(400, 'invalid_grant', 'The authorization code is invalid, expired or already used.');
		}
		if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirectUri) {
			throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
		}
		if (code.challenge !== null) {
			const verifier = params.code_verifier;
			if (!verifier) throw new OAuthError(400, 'invalid_grant', 'code_verifier is required (PKCE).');
			const computed = code.method === 'S256' ? s256(verifier) : verifier;
			if (computed !== code.challenge) throw new OAuthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
		} else if (!client.confidential) {
			throw new OAuthError(401, 'invalid_client', 'Client secret required (no PKCE was used).');
		}
		return this.issue({ scope: code.scope, publicClient: !client.confidential });
	}

	/**
	 * Rotates: the used refresh token stops working.
	 * @param {Record<string, string>} params
	 * @param {{ id: string, confidential: boolean }} client
	 */
	grantRefresh(params, client) {
		if (!params.refresh_token) throw new OAuthError(400, 'invalid_request', 'refresh_token is required.');
		const grant = this.refreshTokens.get(params.refresh_token);
		if (!grant) throw new OAuthError(400, 'invalid_grant', 'The refresh token is invalid, revoked or already used.');
		if (!client.confidential && !grant.publicClient) {
			throw new OAuthError(401, 'invalid_client', 'Client secret required.');
		}
		let scope = grant.scope;
		if (params.scope) {
			const allowed = scopeList(grant.scope);
			if (!scopeList(params.scope).every((s) => allowed.includes(s))) {
				throw new OAuthError(400, 'invalid_scope', 'The requested scope exceeds the granted scope.');
			}
			scope = params.scope;
		}
		this.refreshTokens.delete(params.refresh_token);
		return this.issue({ scope, publicClient: grant.publicClient });
	}
}

/**
 * Basic credentials may be form-encoded (RFC 6749 §2.3.1) but most clients send them raw:
 * the value as sent, or its decoded form when that is the expected one.
 * @param {string} value
 * @param {string} expected
 */
function preferKnown(value, expected) {
	if (value === expected) return value;
	try {
		const decoded = decodeURIComponent(value.replace(/\+/g, ' '));
		return decoded === expected ? decoded : value;
	} catch {
		return value;
	}
}

module.exports = { OAuthServer, DEFAULT_SCOPE };
