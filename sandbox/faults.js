// @ts-check
'use strict';
// Injected faults: a queue of misbehaviours, each used once by the next /api request it matches.
//   { kind: 'status', status, body?, headers? }        that status (default body: JSON error)
//   { kind: 'rate_limit', retryAfter, seconds? }       a 429; retryAfter: seconds | 'http-date' | null
//   { kind: 'reset' }                                  the connection is dropped, no response
//   { kind: 'slow', ms }                               waits, then the request is served normally
//   { kind: 'html', status? }                          a proxy's HTML error page (default 502)
//   { kind: 'truncated' }                              200 application/json, body cut short
//   { kind: 'text', status?, body? }                   text/plain
// Any of them may carry `match: { method?, path? }` (path exact, or a prefix when it ends in `*`).

const http = require('node:http');
const { retryAdvice, tooManyRequests } = require('./rate-limit');

/**
 * @typedef {{ method?: string, path?: string }} FaultMatch
 * @typedef {{ kind: 'status', status: number, body?: unknown, headers?: Record<string, string>, match?: FaultMatch }
 *   | { kind: 'rate_limit', retryAfter?: number | 'http-date' | null, seconds?: number, match?: FaultMatch }
 *   | { kind: 'reset', match?: FaultMatch }
 *   | { kind: 'slow', ms: number, match?: FaultMatch }
 *   | { kind: 'html', status?: number, match?: FaultMatch }
 *   | { kind: 'truncated', match?: FaultMatch }
 *   | { kind: 'text', status?: number, body?: string, match?: FaultMatch }} Fault
 */

const KINDS = ['status', 'rate_limit', 'reset', 'slow', 'html', 'truncated', 'text'];

/** Error codes for the default body of a `status` fault. */
const ERROR_CODES = /** @type {Record<number, string>} */ ({
	400: 'invalid_request', 401: 'invalid_token', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
	422: 'validation_failed', 429: 'rate_limit_exceeded', 500: 'internal_error', 502: 'bad_gateway',
	503: 'service_unavailable', 504: 'gateway_timeout',
});

/**
 * @param {unknown} value
 * @param {string} what
 * @param {boolean} [optional]
 */
function checkStatus(value, what, optional = false) {
	if (optional && value === undefined) return;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) {
		throw new TypeError(`${what}: status must be an integer 200-599`);
	}
}

/**
 * Throws a TypeError when `value` is not a fault this module knows.
 * @param {unknown} value
 * @returns {Fault}
 */
function validateFault(value) {
	if (typeof value !== 'object' || value === null) throw new TypeError('a fault must be an object');
	const fault = /** @type {Record<string, unknown>} */ (value);
	const kind = fault.kind;
	if (typeof kind !== 'string' || !KINDS.includes(kind)) {
		throw new TypeError(`fault kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
	}
	if (fault.match !== undefined && (typeof fault.match !== 'object' || fault.match === null)) {
		throw new TypeError(`${kind} fault: match must be an object { method?, path? }`);
	}
	if (kind === 'status') checkStatus(fault.status, 'status fault');
	if (kind === 'html' || kind === 'text') checkStatus(fault.status, `${kind} fault`, true);
	if (kind === 'slow' && (typeof fault.ms !== 'number' || !(fault.ms >= 0))) {
		throw new TypeError('slow fault: ms must be a number >= 0');
	}
	if (kind === 'rate_limit') {
		const r = fault.retryAfter;
		if (!(r === undefined || r === null || r === 'http-date' || (typeof r === 'number' && r >= 0))) {
			throw new TypeError("rate_limit fault: retryAfter must be seconds, 'http-date' or null");
		}
		if (fault.seconds !== undefined && !(typeof fault.seconds === 'number' && fault.seconds >= 0)) {
			throw new TypeError('rate_limit fault: seconds must be a number >= 0');
		}
	}
	return /** @type {Fault} */ (structuredClone(value));
}

/**
 * @param {Fault} fault
 * @param {string} method
 * @param {string} path
 */
function matches(fault, method, path) {
	const match = fault.match;
	if (!match) return true;
	if (match.method && match.method.toUpperCase() !== method) return false;
	if (match.path) {
		return match.path.endsWith('*') ? path.startsWith(match.path.slice(0, -1)) : path === match.path;
	}
	return true;
}

class FaultQueue {
	constructor() {
		/** @type {Fault[]} */
		this.queue = [];
	}

	/** @param {unknown[]} faults  validated first: none is added when one is invalid */
	add(faults) {
		if (!Array.isArray(faults)) throw new TypeError('faults must be an array');
		this.queue.push(...faults.map(validateFault));
	}

	/**
	 * Removes and returns the first fault that matches the request.
	 * @param {string} method
	 * @param {string} path
	 * @returns {Fault | undefined}
	 */
	take(method, path) {
		const index = this.queue.findIndex((fault) => matches(fault, method, path));
		return index === -1 ? undefined : this.queue.splice(index, 1)[0];
	}

	get size() {
		return this.queue.length;
	}

	clear() {
		this.queue = [];
	}
}

/** @param {number} status */
function htmlPage(status) {
	const title = `${status} ${http.STATUS_CODES[status] ?? 'Error'}`;
	return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
		'<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
}

/**
 * Carries out a fault. Resolves true when it answered (or dropped) the request, false when the
 * request should now be served normally (`slow`).
 * @param {import('./http').Exchange} exchange
 * @param {Fault} fault
 * @param {{ token: string | null, rememberRetry: (token: string, moment: number) => void,
 *           delay: (ms: number) => Promise<void> }} context
 * @returns {Promise<boolean>}
 */
async function applyFault(exchange, fault, context) {
	switch (fault.kind) {
		case 'status': {
			const body = fault.body === undefined
				? { error: ERROR_CODES[fault.status] ?? 'error', message: http.STATUS_CODES[fault.status] ?? 'Error' }
				: fault.body;
			if (typeof body === 'string') {
				exchange.send(fault.status, 'application/json; charset=utf-8', body, fault.headers);
			} else {
				exchange.json(fault.status, body, fault.headers);
			}
			return true;
		}
		case 'rate_limit': {
			const now = Date.now();
			const retryAfter = fault.retryAfter ?? null;
			const advice = retryAfter === 'http-date'
				? retryAdvice('http-date', now, (fault.seconds ?? 1) * 1000)
				: retryAfter === null
					? retryAdvice('none', now, (fault.seconds ?? 0) * 1000)
					: { header: String(retryAfter), seconds: retryAfter, moment: now + retryAfter * 1000 };
			// With no Retry-After a moment is remembered only when `seconds` says how long to wait.
			const remember = retryAfter !== null || fault.seconds !== undefined;
			if (context.token && remember) context.rememberRetry(context.token, advice.moment);
			const { body, headers } = tooManyRequests(advice);
			exchange.json(429, body, headers);
			return true;
		}
		case 'reset':
			exchange.destroy();
			return true;
		case 'slow':
			await context.delay(fault.ms);
			return false;
		case 'html': {
			exchange.send(fault.status ?? 502, 'text/html', htmlPage(fault.status ?? 502));
			return true;
		}
		case 'truncated':
			exchange.send(200, 'application/json; charset=utf-8', '{"data":[{"id":"obj_trunc","name":"Trunc');
			return true;
		case 'text': {
			const status = fault.status ?? 500;
			exchange.send(status, 'text/plain; charset=utf-8', fault.body ?? http.STATUS_CODES[status] ?? 'Error');
			return true;
		}
	}
	return false;
}

module.exports = { FaultQueue, applyFault, validateFault };
