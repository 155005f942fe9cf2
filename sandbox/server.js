// @ts-check
'use strict';
// The request handler: logs each request, reads its body and routes it to the API (/api), OAuth
// (/oauth) or the control API (/_sandbox). Errors thrown as ApiError become JSON error responses.

const { ApiError, Exchange, readBody, parseBody, bodyForLog } = require('./http');
const { handleApi, bearerToken } = require('./api');
const { handleControl } = require('./control');

/**
 * What the handler needs from the sandbox (the Sandbox object provides it).
 * @typedef {import('./api').ApiContext & import('./control').Controls & {
 *   origin: string,
 *   oauth: import('./oauth').OAuthServer,
 * }} HandlerContext
 */

/**
 * @param {HandlerContext} sandbox
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
function createRequestHandler(sandbox) {
	return (req, res) => {
		handle(sandbox, req, res).catch((err) => {
			// Only a bug gets here; answer if still possible and keep serving.
			process.stderr.write(`flextell-sandbox: ${err instanceof Error ? err.stack : String(err)}\n`);
			if (!res.headersSent) {
				res.writeHead(500, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ error: 'internal_error', message: 'The sandbox failed.' }));
			}
		});
	};
}

/**
 * @param {HandlerContext} sandbox
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(sandbox, req, res) {
	const time = sandbox.now();
	const url = new URL(req.url ?? '/', sandbox.origin);
	const control = url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/');
	const record = sandbox.requestLog.add({
		time,
		method: (req.method ?? 'GET').toUpperCase(),
		path: url.pathname,
		target: req.url ?? '/',
		query: Object.fromEntries(url.searchParams),
		headers: req.headers,
		body: null,
		token: bearerToken(req),
		control,
	});
	res.on('close', () => {
		if (!sandbox.config.quiet) printLine(record, sandbox.now() - time);
	});

	/** @type {string} */
	let text;
	try {
		text = await readBody(req);
	} catch (err) {
		if (!(err instanceof ApiError)) return; // the client went away mid-body
		return new Exchange(req, res, url, { kind: 'empty' }, record).error(err);
	}
	const body = parseBody(text, req.headers['content-type']);
	record.body = bodyForLog(body);
	const exchange = new Exchange(req, res, url, body, record);

	try {
		await route(sandbox, exchange);
	} catch (err) {
		if (!(err instanceof ApiError)) throw err;
		exchange.error(err);
	}
}

/**
 * @param {HandlerContext} sandbox
 * @param {Exchange} exchange
 */
async function route(sandbox, exchange) {
	const path = exchange.url.pathname;
	if (path === '/api' || path.startsWith('/api/')) return handleApi(exchange, sandbox);
	if (path === '/oauth/authorize') {
		if (exchange.method !== 'GET' && exchange.method !== 'HEAD') throw methodNotAllowed('GET');
		return sandbox.oauth.authorize(exchange);
	}
	if (path === '/oauth/token') {
		if (exchange.method !== 'POST') throw methodNotAllowed('POST');
		return sandbox.oauth.token(exchange);
	}
	if (exchange.record.control) return handleControl(exchange, sandbox);
	throw new ApiError(404, 'not_found', `Nothing at ${path}. The API is under /api/v0.0.1.`);
}

/** @param {string} allow */
function methodNotAllowed(allow) {
	return new ApiError(405, 'method_not_allowed', `Use ${allow}.`, { Allow: allow });
}

/**
 * One line per request on stderr, e.g. `12:00:00.123 #7 GET /api/v0.0.1/contacts -> 200 3.1ms`.
 * @param {import('./log').LogRecord} record
 * @param {number} ms
 */
function printLine(record, ms) {
	const clock = new Date(record.time).toISOString().slice(11, 23);
	const query = new URLSearchParams(record.query).toString();
	const notes = [record.early ? 'early' : '', record.fault ? `fault=${record.fault}` : ''].filter(Boolean).join(' ');
	process.stderr.write(
		`${clock} #${record.seq} ${record.method} ${record.path}${query ? `?${query}` : ''} -> ` +
		`${record.status ?? 'dropped'} ${ms.toFixed(1)}ms${notes ? ` ${notes}` : ''}\n`,
	);
}

module.exports = { createRequestHandler };
