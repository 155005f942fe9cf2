// @ts-check
'use strict';
// Turns a list (a store View) into one page of a list response, by the configured scheme:
//   cursor: ?limit&cursor      -> { data, next_cursor, meta: { next_cursor } }
//   page:   ?page&per_page     -> { data, meta: { page, per_page, total } }
//   link:   ?limit&cursor      -> { data, next } and a `Link: <next>; rel="next"` header
// Each page costs O(page size): a cursor names the last record served, its sort value and its
// position, so the next page starts right after it (or, when it has been deleted since, after
// its sort value: a binary search).

const { ApiError } = require('./http');

/** Query parameters that page or sort rather than filter. */
const PAGING_PARAMS = ['limit', 'cursor', 'page', 'per_page', 'sort'];

/**
 * @typedef {Object} PageRequest
 * @property {import('./config').PaginationScheme} scheme
 * @property {URL} url                 the request URL on the sandbox's own origin
 * @property {number} defaultPageSize
 * @property {number} maxPageSize
 */

/**
 * @param {string | null} value
 * @param {string} name
 * @param {number} fallback
 * @param {number} [max]
 */
function positiveIntParam(value, name, fallback, max = Infinity) {
	if (value === null || value === '') return fallback;
	if (!/^\d+$/.test(value) || Number(value) < 1) {
		throw new ApiError(400, 'invalid_request', `The '${name}' parameter must be a positive integer.`);
	}
	return Math.min(Number(value), max);
}

/**
 * @param {import('./store').View} view
 * @param {import('./store').StoredRecord} last  the last record served
 */
function encodeCursor(view, last) {
	return Buffer.from(JSON.stringify({ after: last.id, key: String(last[view.field]) })).toString('base64url');
}

/**
 * The position of the first record that sorts after `key`.
 * @param {import('./store').View} view
 * @param {string} key
 */
function firstAfter(view, key) {
	const { records, field, descending } = view;
	let low = 0;
	let high = records.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		const value = String(records[middle][field]);
		const isAfter = descending ? value < key : value > key;
		if (isAfter) high = middle;
		else low = middle + 1;
	}
	return low;
}

/**
 * Where the page after `cursor` starts: just after the record it names, or, when that record
 * has gone, at the first record that sorts after it.
 * @param {import('./store').View} view
 * @param {string} cursor
 */
function startOf(view, cursor) {
	/** @type {unknown} */
	let decoded;
	try {
		decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
	} catch {
		decoded = null;
	}
	const { after, key } = /** @type {{ after?: unknown, key?: unknown }} */ (decoded ?? {});
	if (typeof after !== 'string' || typeof key !== 'string') {
		throw new ApiError(400, 'invalid_request', 'The cursor is not valid.');
	}
	const position = view.positionOf(after);
	return position === undefined ? firstAfter(view, key) : position + 1;
}

/**
 * @param {import('./store').View} view
 * @param {PageRequest} request
 * @returns {{ body: Record<string, unknown>, headers: Record<string, string> }}
 */
function paginate(view, request) {
	const { url, defaultPageSize, maxPageSize } = request;
	const query = url.searchParams;

	if (request.scheme === 'page') {
		const page = positiveIntParam(query.get('page'), 'page', 1);
		const perPage = positiveIntParam(query.get('per_page'), 'per_page', defaultPageSize, maxPageSize);
		const start = (page - 1) * perPage;
		const data = view.records.slice(start, start + perPage);
		return { body: { data, meta: { page, per_page: perPage, total: view.records.length } }, headers: {} };
	}

	const limit = positiveIntParam(query.get('limit'), 'limit', defaultPageSize, maxPageSize);
	const cursor = query.get('cursor');
	const start = cursor ? startOf(view, cursor) : 0;
	const data = view.records.slice(start, start + limit);
	const end = start + data.length;
	const nextCursor = end < view.records.length && data.length > 0 ? encodeCursor(view, data[data.length - 1]) : null;

	if (request.scheme === 'cursor') {
		return { body: { data, next_cursor: nextCursor, meta: { next_cursor: nextCursor } }, headers: {} };
	}
	/** @type {string | null} */
	let next = null;
	if (nextCursor) {
		const nextUrl = new URL(url.href);
		nextUrl.searchParams.set('cursor', nextCursor);
		next = nextUrl.href;
	}
	return { body: { data, next }, headers: next ? { Link: `<${next}>; rel="next"` } : {} };
}

module.exports = { paginate, PAGING_PARAMS };
