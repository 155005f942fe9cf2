// @ts-check
'use strict';
// HTTP plumbing shared by the routes: reading and parsing request bodies, the error type the
// routes throw, and `Exchange`, which sends a response and records its status in the request log.

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** An error that becomes a JSON response `{ error, message }` with the given status. */
class ApiError extends Error {
	/**
	 * @param {number} status
	 * @param {string} error    machine-readable code, e.g. "not_found"
	 * @param {string} message  human-readable explanation
	 * @param {Record<string, string>} [headers]
	 */
	constructor(status, error, message, headers = {}) {
		super(message);
		this.status = status;
		this.error = error;
		this.headers = headers;
	}
}

/**
 * Reads the whole request body as UTF-8 text.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
function readBody(req) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		req.on('data', (/** @type {Buffer} */ chunk) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => {
			if (size > MAX_BODY_BYTES) {
				reject(new ApiError(413, 'payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
			} else {
				resolve(Buffer.concat(chunks).toString('utf8'));
			}
		});
		req.on('error', reject);
	});
}

/**
 * @typedef {{ kind: 'empty' } | { kind: 'json', value: unknown } | { kind: 'form', value: Record<string, string> }
 *   | { kind: 'invalid_json', text: string } | { kind: 'text', text: string }} ParsedBody
 */

/**
 * Parses a body by its content type: JSON (also when no type is given), form-urlencoded, or text.
 * @param {string} text
 * @param {string | undefined} contentType
 * @returns {ParsedBody}
 */
function parseBody(text, contentType) {
	if (text.length === 0) return { kind: 'empty' };
	const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
	if (type === 'application/x-www-form-urlencoded') {
		return { kind: 'form', value: Object.fromEntries(new URLSearchParams(text)) };
	}
	if (type === '' || type === 'application/json' || type.endsWith('+json')) {
		try {
			return { kind: 'json', value: JSON.parse(text) };
		} catch {
			return { kind: 'invalid_json', text };
		}
	}
	return { kind: 'text', text };
}

/**
 * The body as the request log shows it: parsed JSON or form fields, else the raw text, else null.
 * @param {ParsedBody} body
 * @returns {unknown}
 */
function bodyForLog(body) {
	switch (body.kind) {
		case 'empty': return null;
		case 'json': case 'form': return body.value;
		default: return body.text;
	}
}

/** One request/response pair: sends the response and notes its status on the log record. */
class Exchange {
	/**
	 * @param {import('node:http').IncomingMessage} req
	 * @param {import('node:http').ServerResponse} res
	 * @param {URL} url
	 * @param {ParsedBody} body
	 * @param {import('./log').LogRecord} record  the request-log record of this request
	 */
	constructor(req, res, url, body, record) {
		this.req = req;
		this.res = res;
		this.url = url;
		this.body = body;
		this.record = record;
		this.method = (req.method ?? 'GET').toUpperCase();
	}

	/**
	 * @param {number} status
	 * @param {unknown} body  serialised as JSON
	 * @param {Record<string, string>} [headers]
	 */
	json(status, body, headers = {}) {
		this.send(status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
	}

	/**
	 * @param {number} status
	 * @param {string} contentType
	 * @param {string} text
	 * @param {Record<string, string>} [headers]
	 */
	send(status, contentType, text, headers = {}) {
		const payload = Buffer.from(text, 'utf8');
		this.record.status = status;
		this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(payload.length), ...headers });
		this.res.end(this.method === 'HEAD' ? undefined : payload);
	}

	/**
	 * A response without a body (204, redirects).
	 * @param {number} status
	 * @param {Record<string, string>} [headers]
	 */
	empty(status, headers = {}) {
		this.record.status = status;
		this.res.writeHead(status, headers);
		this.res.end();
	}

	/**
	 * @param {ApiError} err
	 */
	error(err) {
		this.json(err.status, { error: err.error, message: err.message }, err.headers);
	}

	/** Drops the connection without any response. */
	destroy() {
		this.record.status = null;
		this.req.socket.destroy();
	}
}

module.exports = { ApiError, Exchange, readBody, parseBody, bodyForLog, MAX_BODY_BYTES };
