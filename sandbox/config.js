// @ts-check
'use strict';
// The sandbox's settings that can change while it runs (startSandbox options, configure(),
// POST /_sandbox/config), with their defaults and validation.

/** @typedef {'seconds' | 'http-date' | 'none'} RetryAfterMode */
/** @typedef {'cursor' | 'page' | 'link'} PaginationScheme */
/** @typedef {'fixed' | 'sliding' | 'token-bucket'} LimiterKind */
/** @typedef {'none' | 'ietf' | 'draft' | 'x' | 'x-epoch'} HeaderStyle */

/**
 * @typedef {Object} RateLimitConfig
 * @property {number} limit            requests allowed per window and access token
 * @property {number} windowSeconds    length of the window (token bucket: the time to refill all `limit` tokens)
 * @property {RetryAfterMode} retryAfter  how a 429 tells when to come back
 * @property {LimiterKind} limiter     fixed window (default), sliding window, or token bucket
 * @property {HeaderStyle} headers     rate-limit headers on every answer: none (default, as Flextell's API documentation names none),
 *   ietf (RateLimit-Policy + RateLimit), draft (RateLimit-Limit/-Remaining/-Reset), x (X-RateLimit-*, reset in
 *   seconds to go), x-epoch (X-RateLimit-*, reset as epoch seconds)
 * @property {number} suspendAfter     early requests (before the Retry-After moment) tolerated before the token is suspended
 */

/**
 * @typedef {Object} SandboxConfig
 * @property {number} tokenTtlSeconds
 * @property {RateLimitConfig | null} rateLimit
 * @property {PaginationScheme} pagination
 * @property {number} defaultPageSize
 * @property {number} maxPageSize
 * @property {Record<string, string[]>} requiredFields  collection -> fields required on create/replace
 * @property {string[]} collections     collections that exist besides the seeded ones; any other answers 404
 * @property {boolean} quiet            no per-request log lines on stderr
 */

const RETRY_AFTER_MODES = ['seconds', 'http-date', 'none'];
const PAGINATION_SCHEMES = ['cursor', 'page', 'link'];
const LIMITER_KINDS = ['fixed', 'sliding', 'token-bucket'];
const HEADER_STYLES = ['none', 'ietf', 'draft', 'x', 'x-epoch'];
const DEFAULT_SUSPEND_AFTER = 20;
/** The collections the demo and the examples use; seeding a collection (or configuring it) adds one. */
const DEFAULT_COLLECTIONS = ['contacts', 'tickets'];
const COLLECTION_NAME = /^[A-Za-z0-9_-]+$/;

/** @returns {SandboxConfig} */
function defaultConfig() {
	return {
		tokenTtlSeconds: 3600,
		rateLimit: null,
		pagination: 'cursor',
		defaultPageSize: 100,
		maxPageSize: 1000,
		requiredFields: { contacts: ['name'] },
		collections: [...DEFAULT_COLLECTIONS],
		quiet: true,
	};
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {{ integer?: boolean }} [options]
 * @returns {number}
 */
function positiveNumber(value, name, options = {}) {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (options.integer && !Number.isInteger(value))) {
		throw new TypeError(`${name} must be a positive ${options.integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`);
	}
	return value;
}

/**
 * @param {unknown} value
 * @returns {RateLimitConfig | null}
 */
function parseRateLimit(value) {
	if (value === null || value === undefined || value === false) return null;
	if (typeof value !== 'object') throw new TypeError('rateLimit must be an object or null');
	const raw = /** @type {Record<string, unknown>} */ (value);
	const retryAfter = raw.retryAfter ?? 'seconds';
	if (typeof retryAfter !== 'string' || !RETRY_AFTER_MODES.includes(retryAfter)) {
		throw new TypeError(`rateLimit.retryAfter must be one of ${RETRY_AFTER_MODES.join(', ')}`);
	}
	const suspendAfter = raw.suspendAfter ?? DEFAULT_SUSPEND_AFTER;
	if (typeof suspendAfter !== 'number' || !(suspendAfter >= 0)) {
		throw new TypeError('rateLimit.suspendAfter must be a number >= 0');
	}
	return {
		limit: positiveNumber(raw.limit, 'rateLimit.limit', { integer: true }),
		windowSeconds: positiveNumber(raw.windowSeconds, 'rateLimit.windowSeconds'),
		retryAfter: /** @type {RetryAfterMode} */ (retryAfter),
		suspendAfter,
		limiter: /** @type {LimiterKind} */ (oneOf(raw.limiter ?? 'fixed', LIMITER_KINDS, 'rateLimit.limiter')),
		headers: /** @type {HeaderStyle} */ (oneOf(raw.headers ?? 'none', HEADER_STYLES, 'rateLimit.headers')),
	};
}

/**
 * @param {unknown} value
 * @param {string[]} allowed
 * @param {string} name
 * @returns {string}
 */
function oneOf(value, allowed, name) {
	if (typeof value !== 'string' || !allowed.includes(value)) throw new TypeError(`${name} must be one of ${allowed.join(', ')}`);
	return value;
}

/**
 * @param {unknown} value
 * @returns {Record<string, string[]>}
 */
function parseRequiredFields(value) {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new TypeError('requiredFields must be an object: collection -> [field, …]');
	}
	/** @type {Record<string, string[]>} */
	const result = {};
	for (const [collection, fields] of Object.entries(value)) {
		if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
			throw new TypeError(`requiredFields.${collection} must be an array of field names`);
		}
		result[collection] = [...fields];
	}
	return result;
}

/**
 * @param {unknown} value
 * @returns {string[]}
 */
function parseCollections(value) {
	if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && COLLECTION_NAME.test(name))) {
		throw new TypeError('collections must be an array of collection names (letters, digits, _ and -)');
	}
	return [...new Set(value)];
}

/**
 * Returns `config` with `changes` applied; only the keys present in `changes` change.
 * Keys whose value is undefined count as absent; `rateLimit: null` turns the limit off.
 * Unknown keys are ignored (startSandbox options such as `port` pass through here too).
 * @param {SandboxConfig} config
 * @param {Record<string, unknown>} changes
 * @returns {SandboxConfig}
 */
function applyConfig(config, changes) {
	if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
		throw new TypeError('configuration must be an object');
	}
	const next = { ...config };
	/** @param {string} key */
	const has = (key) => changes[key] !== undefined;
	if (has('tokenTtlSeconds')) next.tokenTtlSeconds = positiveNumber(changes.tokenTtlSeconds, 'tokenTtlSeconds');
	if (has('rateLimit')) next.rateLimit = parseRateLimit(changes.rateLimit);
	if (has('pagination')) {
		const scheme = changes.pagination;
		if (typeof scheme !== 'string' || !PAGINATION_SCHEMES.includes(scheme)) {
			throw new TypeError(`pagination must be one of ${PAGINATION_SCHEMES.join(', ')}`);
		}
		next.pagination = /** @type {PaginationScheme} */ (scheme);
	}
	if (has('defaultPageSize')) next.defaultPageSize = positiveNumber(changes.defaultPageSize, 'defaultPageSize', { integer: true });
	if (has('maxPageSize')) next.maxPageSize = positiveNumber(changes.maxPageSize, 'maxPageSize', { integer: true });
	if (has('requiredFields')) next.requiredFields = parseRequiredFields(changes.requiredFields);
	if (has('collections')) next.collections = parseCollections(changes.collections);
	if (has('quiet')) next.quiet = Boolean(changes.quiet);
	if (next.defaultPageSize > next.maxPageSize) {
		throw new TypeError('defaultPageSize must not exceed maxPageSize');
	}
	return next;
}

module.exports = { defaultConfig, applyConfig, DEFAULT_SUSPEND_AFTER, DEFAULT_COLLECTIONS, COLLECTION_NAME };
