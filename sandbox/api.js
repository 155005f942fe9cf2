// @ts-check
'use strict';
// The Flextell API under /api: the gate every request passes (early-arrival bookkeeping,
// injected faults, bearer token, suspension, rate limit, version, scope), then the
// collection/record routes.

const { ApiError } = require('./http');
const { answerGet } = require('./conditional');
const { applyFault } = require('./faults');
const { tooManyRequests } = require('./rate-limit');
const { paginate, PAGING_PARAMS } = require('./pagination');
const { SORT_KEYS } = require('./store');
const { COLLECTION_NAME } = require('./config');

const API_VERSION = 'v0.0.1';

/**
 * What the API needs from the sandbox.
 * @typedef {Object} ApiContext
 * @property {import('./store').Store} store
 * @property {import('./oauth').OAuthServer} oauth
 * @property {import('./rate-limit').RateLimiter} limiter
 * @property {import('./faults').FaultQueue} faultQueue
 * @property {import('./config').SandboxConfig} config
 * @property {(ms: number) => Promise<void>} delay
 * @property {() => number} now   ms since epoch: the time the rate limit, the faults and the log read
 */

/**
 * The token of an `Authorization: Bearer …` header, else null.
 * @param {import('node:http').IncomingMessage} req
 * @returns {string | null}
 */
function bearerToken(req) {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
	return match ? match[1] : null;
}

/**
 * @param {import('./http').Exchange} exchange
 * @param {ApiContext} context
 * @returns {Promise<void>}
 */
async function handleApi(exchange, context) {
	const { record } = exchange;
	const token = bearerToken(exchange.req);
	const { limiter } = context;

	record.early = limiter.arrive(token, record.time);

	const fault = context.faultQueue.take(exchange.method, exchange.url.pathname);
	if (fault) {
		record.fault = fault.kind;
		const answered = await applyFault(exchange, fault, {
			token,
			rememberRetry: (t, moment) => limiter.remember(t, moment),
			delay: (ms) => context.delay(ms),
			now: () => context.now(),
		});
		if (answered) return;
	}

	const check = context.oauth.check(token);
	if (!check.ok) {
		throw new ApiError(401, 'invalid_token', check.message, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
	}
	const grantedToken = /** @type {string} */ (token);
	if (limiter.isSuspended(grantedToken)) {
		throw new ApiError(403, 'account_suspended',
			'Access is temporarily suspended: requests kept arriving before the Retry-After time.');
	}
	const now = context.now();
	const advice = limiter.take(grantedToken, now);
	// Rate-limit headers (when configured) go on every answer from here on, 2xx and 429 alike.
	for (const [name, value] of Object.entries(limiter.headers(grantedToken, now))) exchange.res.setHeader(name, value);
	if (advice) {
		const { body, headers } = tooManyRequests(advice);
		exchange.json(429, body, headers);
		return;
	}

	const route = parseRoute(exchange.url.pathname);
	if (!context.store.has(route.collection) && !context.config.collections.includes(route.collection)) {
		// As a real API: a mistyped resource is an error, not an empty list.
		throw new ApiError(404, 'not_found', `There is no collection '${route.collection}'. Check the path.`);
	}
	const allowed = route.id === undefined ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'];
	if (!allowed.includes(exchange.method)) {
		throw new ApiError(405, 'method_not_allowed', `${exchange.method} is not allowed here.`, { Allow: allowed.join(', ') });
	}
	const needed = exchange.method === 'GET' || exchange.method === 'HEAD' ? 'read' : 'write';
	if (!check.scopes.includes(needed)) {
		throw new ApiError(403, 'insufficient_scope', `This request needs the '${needed}' scope.`);
	}
	serveResource(exchange, context, route);
}

/**
 * /api/<version>/<collection>[/<id>]
 * @param {string} pathname
 * @returns {{ collection: string, id?: string }}
 */
function parseRoute(pathname) {
	const segments = pathname.replace(/\/+$/, '').split('/').slice(2); // drop '' and 'api'
	const [version = '', collection, id, ...rest] = segments.map(safeDecode);
	if (version !== API_VERSION) {
		throw new ApiError(404, 'not_found', `Unknown API version '${version}'. The current version is ${API_VERSION}.`);
	}
	if (!collection || !COLLECTION_NAME.test(collection) || id === '' || rest.length > 0) {
		throw new ApiError(404, 'not_found', `Nothing at ${pathname}.`);
	}
	return id === undefined ? { collection } : { collection, id };
}

/** @param {string} segment */
function safeDecode(segment) {
	try {
		return decodeURIComponent(segment);
	} catch {
		throw new ApiError(404, 'not_found', 'Malformed path.');
	}
}

/**
 * @param {import('./http').Exchange} exchange
 * @param {ApiContext} context
 * @param {{ collection: string, id?: string }} route
 */
function serveResource(exchange, context, route) {
	const { store, config } = context;
	const { collection, id } = route;
	if (id === undefined) {
		if (exchange.method === 'POST') {
			const fields = requireObjectBody(exchange);
			checkRequired(config, collection, fields);
			exchange.json(201, { data: store.create(collection, fields) });
		} else {
			const { body, headers } = listPage(exchange, context, collection);
			answerGet(exchange, body, headers);
		}
		return;
	}

	const existing = store.get(collection, id);
	if (!existing) throw new ApiError(404, 'not_found', `No ${collection} record with id '${id}'.`);
	switch (exchange.method) {
		case 'PUT': {
			const fields = requireObjectBody(exchange);
			checkRequired(config, collection, fields);
			exchange.json(200, { data: store.replace(collection, id, fields) });
			return;
		}
		case 'PATCH': {
			const fields = requireObjectBody(exchange);
			checkRequired(config, collection, { ...existing, ...fields });
			exchange.json(200, { data: store.merge(collection, id, fields) });
			return;
		}
		case 'DELETE':
			store.remove(collection, id);
			exchange.empty(204);
			return;
		default:
			answerGet(exchange, { data: existing }, {}, existing.updated_at);
	}
}

/**
 * @param {import('./http').Exchange} exchange
 * @param {ApiContext} context
 * @param {string} collection
 */
function listPage(exchange, context, collection) {
	const query = exchange.url.searchParams;
	const sort = query.get('sort') || 'created_at';
	if (!SORT_KEYS.includes(sort)) {
		throw new ApiError(400, 'invalid_request', `Unknown sort '${sort}'. Use one of: ${SORT_KEYS.join(', ')}.`);
	}
	/** @type {Record<string, string>} */
	const filters = {};
	for (const [key, value] of query) if (!PAGING_PARAMS.includes(key)) filters[key] = value;
	const view = context.store.list(collection, { filters, sort: /** @type {import('./store').SortKey} */ (sort) });
	return paginate(view, {
		scheme: context.config.pagination,
		url: exchange.url,
		defaultPageSize: context.config.defaultPageSize,
		maxPageSize: context.config.maxPageSize,
	});
}

/**
 * @param {import('./http').Exchange} exchange
 * @returns {Record<string, unknown>}
 */
function requireObjectBody(exchange) {
	const body = exchange.body;
	switch (body.kind) {
		case 'empty':
			throw new ApiError(400, 'invalid_request', 'A JSON request body is required.');
		case 'invalid_json':
			throw new ApiError(400, 'invalid_request', 'The request body is not valid JSON.');
		case 'form': case 'text':
			throw new ApiError(400, 'invalid_request', 'Send the request body as JSON with Content-Type: application/json.');
		default:
			if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
				throw new ApiError(422, 'validation_failed', 'The request body must be a JSON object.');
			}
			return /** @type {Record<string, unknown>} */ (body.value);
	}
}

/**
 * @param {import('./config').SandboxConfig} config
 * @param {string} collection
 * @param {Record<string, unknown>} fields
 */
function checkRequired(config, collection, fields) {
	for (const field of config.requiredFields[collection] ?? []) {
		const value = fields[field];
		if (value === undefined || value === null || value === '') {
			throw new ApiError(422, 'validation_failed', `The '${field}' field is required.`);
		}
	}
}

module.exports = { handleApi, bearerToken, API_VERSION };
