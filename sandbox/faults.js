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
//   { kind: 'reset_mid_body' }                         200 and half the JSON body, then the connection is dropped
//   { kind: 'drip', ms, chunks? }                      200 JSON sent in `chunks` pieces (default 10), one every `ms`
//   { kind: 'bad_utf8' }                               200 application/json whose bytes are not valid UTF-8
//   { kind: 'large', bytes }                           200 JSON list of about `bytes` bytes, streamed
//   { kind: 'redirect', location, status? }            a redirect (default 302) to `location`
// Any of them may carry `match: { method?, path? }` (path exact, or a prefix when it ends in `*`).
// Besides the queue, random faults (for soaks): each /api request that takes no queued fault draws
// one with the given probabilities from a seeded generator, so a run can be repeated.

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
 *   | { kind: 'text', status?: number, body?: string, match?: FaultMatch }
 *   | { kind: 'reset_mid_body', match?: FaultMatch }
 *   | { kind: 'drip', ms: number, chunks?: number, match?: FaultMatch }
 *   | { kind: 'bad_utf8', match?: FaultMatch }
 *   | { kind: 'large', bytes: number, match?: FaultMatch }
 *   | { kind: 'redirect', location: string, status?: number, match?: FaultMatch }} Fault
 * @typedef {{ probability: number, fault: Fault }} RandomFault
 */

const KINDS = ['status', 'rate_limit', 'reset', 'slow', 'html', 'truncated', 'text', 'reset_mid_body', 'drip', 'bad_utf8', 'large', 'redirect'];
/** The largest `large` body the sandbox streams (it never holds it in memory). */
const MAX_LARGE_BYTES = 1024 * 1024 * 1024;

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
	if ((kind === 'slow' || kind === 'drip') && (typeof fault.ms !== 'number' || !(fault.ms >= 0))) {
		throw new TypeError(`${kind} fault: ms must be a number >= 0`);
	}
	if (kind === 'drip' && fault.chunks !== undefined && !(Number.isInteger(fault.chunks) && Number(fault.chunks) >= 1)) {
		throw new TypeError('drip fault: chunks must be an integer >= 1');
	}
	if (kind === 'large' && !(Number.isInteger(fault.bytes) && Number(fault.bytes) >= 64 && Number(fault.bytes) <= MAX_LARGE_BYTES)) {
		throw new TypeError(`large fault: bytes must be an integer from 64 to ${MAX_LARGE_BYTES}`);
	}
	if (kind === 'redirect') {
		if (typeof fault.location !== 'string' || fault.location === '') throw new TypeError('redirect fault: location must be a URL');
		if (fault.status !== undefined && ![301, 302, 303, 307, 308].includes(Number(fault.status))) {
			throw new TypeError('redirect fault: status must be 301, 302, 303, 307 or 308');
		}
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

/**
 * Throws a TypeError unless `value` is `{ seed?, faults: [{ probability, fault }] }` with
 * probabilities from 0 to 1 that add up to at most 1.
 * @param {unknown} value
 * @returns {{ seed: number, faults: RandomFault[] }}
 */
function validateRandom(value) {
	if (typeof value !== 'object' || value === null) throw new TypeError('random faults must be an object { seed?, faults }');
	const { seed = 1, faults } = /** @type {Record<string, unknown>} */ (value);
	if (!Number.isInteger(seed)) throw new TypeError('random faults: seed must be an integer');
	if (!Array.isArray(faults)) throw new TypeError('random faults: faults must be an array of { probability, fault }');
	let total = 0;
	const checked = faults.map((entry) => {
		const { probability, fault } = /** @type {Record<string, unknown>} */ (entry ?? {});
		if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
			throw new TypeError('random faults: probability must be a number from 0 to 1');
		}
		total += probability;
		return { probability, fault: validateFault(fault) };
	});
	if (total > 1 + 1e-9) throw new TypeError('random faults: the probabilities add up to more than 1');
	return { seed: Number(seed), faults: checked };
}

/**
 * A small seeded generator (mulberry32): the same seed gives the same fault sequence.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
function seededRandom(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

class FaultQueue {
	constructor() {
		/** @type {Fault[]} */
		this.queue = [];
		/** @type {{ faults: RandomFault[], random: () => number } | null} */
		this.randomFaults = null;
	}

	/**
	 * Turns random faults on (or off with `null`).
	 * @param {unknown} config  { seed?, faults: [{ probability, fault }] } or null
	 */
	setRandom(config) {
		if (config === null) {
			this.randomFaults = null;
			return;
		}
		const { seed, faults } = validateRandom(config);
		this.randomFaults = { faults, random: seededRandom(seed) };
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
		if (index !== -1) return this.queue.splice(index, 1)[0];
		return this.draw(method, path);
	}

	/**
	 * One draw of the random faults: a copy of the fault whose slice of [0, 1) the draw fell in.
	 * @param {string} method
	 * @param {string} path
	 * @returns {Fault | undefined}
	 */
	draw(method, path) {
		if (!this.randomFaults) return undefined;
		let at = this.randomFaults.random();
		for (const { probability, fault } of this.randomFaults.faults) {
			if (at < probability) return matches(fault, method, path) ? structuredClone(fault) : undefined;
			at -= probability;
		}
		return undefined;
	}

	get size() {
		return this.queue.length;
	}

	clear() {
		this.queue = [];
		this.randomFaults = null;
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
 *           delay: (ms: number) => Promise<void>, now: () => number }} context
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
			const now = context.now();
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
		case 'reset_mid_body': {
			const body = Buffer.from(JSON.stringify({ data: [{ id: 'obj_cut', name: 'Cut in the middle of the body' }] }));
			const res = startJson(exchange, 200, body.length);
			// The first half reaches the client, then the connection is dropped.
			res.write(body.subarray(0, body.length >> 1), () => setImmediate(() => exchange.destroy()));
			return true;
		}
		case 'drip': {
			const body = Buffer.from(JSON.stringify({ data: [{ id: 'obj_drip', name: 'Dripped one piece at a time' }] }));
			const res = startJson(exchange, 200, body.length);
			const chunks = Math.min(fault.chunks ?? 10, body.length);
			const size = Math.ceil(body.length / chunks);
			for (let at = 0; at < body.length && !res.destroyed; at += size) {
				if (at > 0) await context.delay(fault.ms);
				res.write(body.subarray(at, at + size));
			}
			res.end();
			return true;
		}
		case 'bad_utf8': {
			// 0xC3 0x28 is an invalid two-byte sequence; 0xFF never appears in UTF-8.
			const body = Buffer.concat([Buffer.from('{"data":{"id":"obj_bytes","name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
			startJson(exchange, 200, body.length).end(body);
			return true;
		}
		case 'large':
			await streamLargeList(startJson(exchange, 200, fault.bytes), fault.bytes);
			return true;
		case 'redirect':
			exchange.send(fault.status ?? 302, 'application/json; charset=utf-8', JSON.stringify({ moved_to: fault.location }), {
				Location: fault.location,
			});
			return true;
	}
	return false;
}

/**
 * Sends the status line and headers of a JSON response whose body the caller writes itself.
 * @param {import('./http').Exchange} exchange
 * @param {number} status
 * @param {number} length  Content-Length
 */
function startJson(exchange, status, length) {
	exchange.record.status = status;
	exchange.res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(length) });
	return exchange.res;
}

/**
 * Writes `{"data":[{"id":"obj_1","pad":"xx…"},…]}` of exactly `bytes` bytes, minding backpressure.
 * @param {import('node:http').ServerResponse} res
 * @param {number} bytes
 */
async function streamLargeList(res, bytes) {
	const head = '{"data":[';
	const tail = ']}';
	const record = (/** @type {number} */ n, /** @type {number} */ pad) => `{"id":"obj_${n}","pad":"${'x'.repeat(pad)}"}`;
	const target = 64 * 1024;
	let left = bytes - head.length - tail.length;
	res.write(head);
	for (let n = 1; left > 0 && !res.destroyed; n++) {
		const comma = n > 1 ? ',' : '';
		const bare = comma.length + record(n, 0).length;
		// A full-size record, or the last one padded to fill the body exactly (or a filler if too small).
		const pad = left - bare >= target ? target : left - bare;
		const chunk = pad >= 0 ? comma + record(n, pad) : ' '.repeat(left);
		left -= chunk.length;
		if (!res.write(chunk)) await drained(res);
	}
	res.end(tail);
}

/**
 * Resolves when `res` can take more data, or has closed.
 * @param {import('node:http').ServerResponse} res
 * @returns {Promise<void>}
 */
function drained(res) {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.on('drain', done);
		res.on('close', done);
	});
}

module.exports = { FaultQueue, applyFault, validateFault, seededRandom };
