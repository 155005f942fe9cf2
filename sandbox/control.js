// @ts-check
'use strict';
// The control API under /_sandbox, for other processes (demo, e2e tests, benchmarks): the same
// operations as the JavaScript API, without auth (the server listens on 127.0.0.1 only).
//   GET    /_sandbox/log[?since=<seq>]   DELETE /_sandbox/log
//   POST   /_sandbox/faults   [fault, …]
//   POST   /_sandbox/faults/random   { seed?, faults: [{ probability, fault }] } | null (off)
//   GET    /_sandbox/config   POST /_sandbox/config   { rateLimit, pagination, tokenTtlSeconds, … }
//   POST   /_sandbox/tokens   { scope, ttlSeconds }
//   POST   /_sandbox/tokens/expire { access_token }   POST /_sandbox/tokens/revoke { refresh_token }
//   POST   /_sandbox/seed     { collection, records } | { collection, count }
//   POST   /_sandbox/reset

const { ApiError } = require('./http');

/**
 * What the control API needs from the sandbox (the Sandbox object provides it).
 * @typedef {Object} Controls
 * @property {import('./log').RequestLog} requestLog
 * @property {import('./config').SandboxConfig} config
 * @property {(faults: unknown[]) => void} injectFaults
 * @property {(config: unknown) => void} randomFaults
 * @property {(changes: Record<string, unknown>) => import('./config').SandboxConfig} configure
 * @property {(options?: { scope?: string, ttlSeconds?: number }) => import('./oauth').TokenResponse} issueToken
 * @property {(token: string) => boolean} expireAccessToken
 * @property {(token: string) => boolean} revokeRefreshToken
 * @property {(collection: string, records: ReadonlyArray<Record<string, unknown>> | number) => unknown[]} seed
 * @property {() => void} reset
 */

/**
 * @param {import('./http').Exchange} exchange
 * @returns {Record<string, unknown>}
 */
function objectBody(exchange) {
	const body = exchange.body;
	if (body.kind === 'empty') return {};
	if (body.kind === 'json' && typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value)) {
		return /** @type {Record<string, unknown>} */ (body.value);
	}
	throw new ApiError(400, 'invalid_request', 'Expected a JSON object body.');
}

/**
 * Runs `action`, turning the TypeErrors of invalid input into 400s.
 * @template T
 * @param {() => T} action
 * @returns {T}
 */
function validated(action) {
	try {
		return action();
	} catch (err) {
		if (err instanceof TypeError) throw new ApiError(400, 'invalid_request', err.message);
		throw err;
	}
}

/**
 * @param {import('./http').Exchange} exchange
 * @param {Controls} sandbox
 */
function handleControl(exchange, sandbox) {
	const route = `${exchange.method} ${exchange.url.pathname.replace(/\/+$/, '')}`;
	switch (route) {
		case 'GET /_sandbox/log': {
			const since = Number(exchange.url.searchParams.get('since') ?? 0);
			if (!Number.isFinite(since)) throw new ApiError(400, 'invalid_request', "'since' must be a number.");
			// Not this request itself: it is still unanswered.
			const records = sandbox.requestLog.since(since).filter((record) => record !== exchange.record);
			return exchange.json(200, { data: records });
		}
		case 'DELETE /_sandbox/log':
			sandbox.requestLog.clear();
			return exchange.empty(204);
		case 'POST /_sandbox/faults': {
			const body = exchange.body;
			const faults = body.kind === 'json' ? body.value : undefined;
			if (!Array.isArray(faults)) throw new ApiError(400, 'invalid_request', 'Expected a JSON array of faults.');
			validated(() => sandbox.injectFaults(faults));
			return exchange.json(200, { data: { queued: faults.length } });
		}
		case 'POST /_sandbox/faults/random': {
			const body = exchange.body;
			if (body.kind !== 'json') throw new ApiError(400, 'invalid_request', 'Expected { seed?, faults } or null.');
			validated(() => sandbox.randomFaults(body.value));
			return exchange.empty(204);
		}
		case 'GET /_sandbox/config':
			return exchange.json(200, { data: sandbox.config });
		case 'POST /_sandbox/config': {
			const changes = objectBody(exchange);
			return exchange.json(200, { data: validated(() => sandbox.configure(changes)) });
		}
		case 'POST /_sandbox/tokens': {
			const { scope, ttlSeconds } = objectBody(exchange);
			const token = validated(() => sandbox.issueToken({
				scope: /** @type {string | undefined} */ (scope),
				ttlSeconds: /** @type {number | undefined} */ (ttlSeconds),
			}));
			return exchange.json(200, token);
		}
		case 'POST /_sandbox/tokens/expire': {
			const token = objectBody(exchange).access_token;
			if (typeof token !== 'string' || !sandbox.expireAccessToken(token)) {
				throw new ApiError(404, 'not_found', 'Unknown access_token.');
			}
			return exchange.empty(204);
		}
		case 'POST /_sandbox/tokens/revoke': {
			const token = objectBody(exchange).refresh_token;
			if (typeof token !== 'string' || !sandbox.revokeRefreshToken(token)) {
				throw new ApiError(404, 'not_found', 'Unknown refresh_token.');
			}
			return exchange.empty(204);
		}
		case 'POST /_sandbox/seed': {
			const { collection, records, count } = objectBody(exchange);
			if (typeof collection !== 'string' || !collection) {
				throw new ApiError(400, 'invalid_request', "'collection' must be a collection name.");
			}
			if (Array.isArray(records)) {
				return exchange.json(200, { data: validated(() => sandbox.seed(collection, records)) });
			}
			if (typeof count === 'number') {
				const added = validated(() => sandbox.seed(collection, count));
				return exchange.json(200, { data: { collection, count: added.length } });
			}
			throw new ApiError(400, 'invalid_request', "Give 'records' (an array) or 'count' (a number).");
		}
		case 'POST /_sandbox/reset':
			sandbox.reset();
			return exchange.empty(204);
		default:
			throw new ApiError(404, 'not_found', `No control endpoint ${route}.`);
	}
}

module.exports = { handleControl };
