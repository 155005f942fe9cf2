// @ts-check
'use strict';
// Conditional GETs: every successful GET answer carries an ETag (a hash of its body) and, for a
// single record, Last-Modified (its updated_at). A request whose If-None-Match names the current
// ETag, or, without If-None-Match, whose If-Modified-Since is not older than Last-Modified, gets
// 304 Not Modified without a body (RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since).

const crypto = require('node:crypto');

/**
 * A strong validator for a body text.
 * @param {string} text
 */
function etagOf(text) {
	return `"${crypto.createHash('sha1').update(text).digest('base64url')}"`;
}

/**
 * @param {import('node:http').IncomingHttpHeaders} headers  the request's
 * @param {string} etag
 * @param {string | undefined} lastModified  HTTP-date
 */
function isNotModified(headers, etag, lastModified) {
	const noneMatch = headers['if-none-match'];
	if (noneMatch !== undefined) {
		return noneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '')).some((tag) => tag === '*' || tag === etag);
	}
	const since = Date.parse(String(headers['if-modified-since'] ?? ''));
	const modified = lastModified === undefined ? NaN : Date.parse(lastModified);
	return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * Answers a GET with 200 and validators, or 304 when the client's copy is current.
 * @param {import('./http').Exchange} exchange
 * @param {unknown} body  serialised as JSON
 * @param {Record<string, string>} [headers]
 * @param {string} [updatedAt]  ISO time the answer last changed (a record's updated_at)
 */
function answerGet(exchange, body, headers = {}, updatedAt) {
	const text = JSON.stringify(body);
	/** @type {Record<string, string>} */
	const validators = { ETag: etagOf(text) };
	if (updatedAt !== undefined && !Number.isNaN(Date.parse(updatedAt))) validators['Last-Modified'] = new Date(updatedAt).toUTCString();
	if (isNotModified(exchange.req.headers, validators.ETag, validators['Last-Modified'])) {
		exchange.empty(304, { ...headers, ...validators });
		return;
	}
	exchange.send(200, 'application/json; charset=utf-8', text, { ...headers, ...validators });
}

module.exports = { etagOf, isNotModified, answerGet };
