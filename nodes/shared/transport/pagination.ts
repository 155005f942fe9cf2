/**
 * Paging through Flextell lists. Flextell's API documentation does not say how Flextell pages, so
 * the common schemes are supported and the user picks one:
 *
 * - cursor: `?limit=&cursor=`; the next cursor is read from a response field (top level, then
 *   under `meta`); the list ends when it is missing or empty.
 * - page:   `?page=&per_page=`; the page number goes up until a page comes back short or empty.
 * - link:   a next-page URL from a response field or the `Link` header, followed only while it
 *   stays below the credential's origin and API prefix (the token never leaves the Flextell host).
 * - off:    one request.
 *
 * Paging is for Return All only (the node sends any other GET exactly as written). Paging
 * parameters the user wrote in Query Parameters are sent as written and never replaced: their
 * page size is the page size, their page number or cursor is where the list starts.
 *
 * The pure parts (reading cursors and links, planning the next request) are exported for unit
 * tests; `listPages` runs the requests, each one through `callFlextell` (so the shared 429 gate,
 * retries and error mapping apply to every page), and yields the pages one at a time so callers
 * can stream records out and stop early.
 */
import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CallPolicy, FlextellCall, RequestContext } from './types';
import { callFlextell } from './request';
import type { SuccessResponse } from './response';
import { headerValue, isPlainObject, unwrapData } from './response';
import type { ApiPrefix } from './url';
import { pathOf, resolveWithinPrefix, UrlRuleError } from './url';

export type PaginationMode = 'cursor' | 'page' | 'link' | 'off';

export interface PaginationConfig {
	mode: PaginationMode;
	/** Records asked for per request (the page-size query parameter). */
	pageSize: number;
	/** Hard ceiling on the number of requests for one list. */
	maxPages: number;
	cursorParameter: string;
	/** Page-size parameter name; '' means `limit` (cursor, link) or `per_page` (page). */
	pageSizeParameter: string;
	pageParameter: string;
	/** Response field holding the next cursor (dots reach into objects; also looked for under `meta`). */
	nextCursorField: string;
	/** Response field holding the next-page URL (falls back to the `Link` header). */
	nextLinkField: string;
}

export const PAGINATION_MODES: readonly PaginationMode[] = ['cursor', 'page', 'link', 'off'];

/** `field` (dotted path) at the top level of the body, else under its `meta` object. */
export function readField(body: unknown, field: string): unknown {
	const path = field.split('.').filter((part) => part !== '');
	if (!path.length) return undefined;
	const at = (root: unknown): unknown => {
		let value: unknown = root;
		for (const part of path) {
			if (!isPlainObject(value)) return undefined;
			value = value[part];
		}
		return value;
	};
	const top = at(body);
	if (top !== undefined && top !== null) return top;
	return isPlainObject(body) ? at(body.meta) : undefined;
}

/** The next cursor, or undefined when the list has ended (missing, null or empty). */
export function nextCursorOf(body: unknown, field: string): string | undefined {
	const value = readField(body, field);
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The URL of `rel="next"` in a Link header (RFC 8288), if any. */
export function parseLinkHeader(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const linkPattern = /<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
	for (let match = linkPattern.exec(header); match; match = linkPattern.exec(header)) {
		const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(match[2]);
		const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
		if (rels.includes('next')) return match[1].trim();
	}
	return undefined;
}

/** The next-page link from the body field, else from the Link header. */
export function nextLinkOf(body: unknown, headers: IDataObject, field: string): string | undefined {
	const value = readField(body, field);
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (isPlainObject(value) && typeof value.href === 'string' && value.href.trim() !== '') return value.href.trim();
	return parseLinkHeader(headerValue(headers, 'link'));
}

/** The records of a list page (`{data: [...]}` or a bare array), or undefined if it is not a list. */
export function pageRecords(body: SuccessResponse['body']): unknown[] | undefined {
	if (body.kind !== 'json') return undefined;
	const payload = unwrapData(body.value);
	return Array.isArray(payload) ? payload : undefined;
}

export function pageSizeParameterOf(config: PaginationConfig): string {
	if (config.pageSizeParameter.trim()) return config.pageSizeParameter.trim();
	return config.mode === 'page' ? 'per_page' : 'limit';
}

/** Where paging stands between two requests. */
export interface PagingState {
	/** Requests made so far for this list. */
	pages: number;
	/** page mode: the page number last requested. */
	pageNumber: number;
	/** cursor mode: the cursor last sent. */
	cursor?: string;
	/** link mode: the URL last requested. */
	url: string;
}

type NextStep =
	| { kind: 'done' }
	| { kind: 'cursor'; cursor: string }
	| { kind: 'page'; pageNumber: number }
	| { kind: 'link'; link: string }
	| { kind: 'stuck'; reason: string };

/**
 * What follows a page: pure, given the page just read.
 * `perPage` is the page size asked for (page mode uses it to spot the short last page).
 */
export function planNext(
	config: PaginationConfig,
	state: PagingState,
	page: { body: unknown; headers: IDataObject; records: unknown[] | undefined; perPage: number },
): NextStep {
	if (config.mode === 'off' || page.records === undefined || page.records.length === 0) return { kind: 'done' };
	switch (config.mode) {
		case 'cursor': {
			const cursor = nextCursorOf(page.body, config.nextCursorField);
			if (cursor === undefined) return { kind: 'done' };
			if (cursor === state.cursor) return { kind: 'stuck', reason: `Flextell returned the same cursor again ("${shorten(cursor)}")` };
			return { kind: 'cursor', cursor };
		}
		case 'page': {
			const perPage = positiveWholeNumberOf(readField(page.body, 'per_page')) ?? page.perPage;
			if (page.records.length < perPage) return { kind: 'done' };
			const total = positiveWholeNumberOf(readField(page.body, 'total'));
			if (total !== undefined && state.pageNumber * perPage >= total) return { kind: 'done' };
			return { kind: 'page', pageNumber: state.pageNumber + 1 };
		}
		case 'link': {
			const link = nextLinkOf(page.body, page.headers, config.nextLinkField);
			if (link === undefined) return { kind: 'done' };
			return { kind: 'link', link };
		}
	}
	return { kind: 'done' };
}

/**
 * A whole number of at least 0, written as a number or as a string of one (`"25"`), the way list
 * answers and query parameters hold counts and page numbers; undefined for anything else.
 */
export function wholeNumberOf(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A whole number of at least 1 (a page size, a page number, a total), else undefined. */
function positiveWholeNumberOf(value: unknown): number | undefined {
	const n = wholeNumberOf(value);
	return n === undefined || n === 0 ? undefined : n;
}

function shorten(text: string): string {
	return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

interface ListPage {
	/** 1-based number of this request within the list. */
	number: number;
	result: SuccessResponse;
	/** The records, or undefined when the answer is not a list (then it is the only page). */
	records: unknown[] | undefined;
}

/** A list that went wrong in a way the user can fix: the transport names the problem, the caller words it. */
export type PagingProblem =
	| { kind: 'stuck'; item: 'cursor' | 'link' }
	| { kind: 'max-pages'; maxPages: number }
	| { kind: 'link-outside'; hint: string };

interface ListOptions {
	/** How many more records the caller still wants (asks for smaller pages near the end). */
	remaining?: () => number;
	/** What the user can do about a paging problem, for the error's description (it names their fields). */
	advice?: (problem: PagingProblem) => string;
}

/**
 * Fetches a list page by page. Stop early by breaking out of the `for await` loop: no further
 * request is made. Throws a NodeOperationError naming the item when the page ceiling is reached,
 * a next link leaves the API prefix, or the API hands back the same cursor twice.
 */
export async function* listPages(
	ctx: RequestContext,
	first: FlextellCall,
	policy: CallPolicy,
	prefix: ApiPrefix,
	config: PaginationConfig,
	options: ListOptions = {},
): AsyncGenerator<ListPage, void, undefined> {
	const advice = options.advice ?? (() => 'Check the pagination settings for this list.');
	const sizeParameter = pageSizeParameterOf(config);
	const userQuery = first.qs ?? {};
	// A paging parameter the user wrote is sent as written (withQuery never replaces it); its
	// value only tells the planner what page size and first page to expect.
	const userSize = positiveWholeNumberOf(userQuery[sizeParameter]);
	const userPage = config.mode === 'page' ? positiveWholeNumberOf(userQuery[config.pageParameter]) : undefined;
	// Page numbers only line up when every page has the same size: fix it for the whole list.
	const fixedSize = userSize ?? Math.max(1, Math.min(config.pageSize, options.remaining?.() ?? config.pageSize));
	const sizeFor = (): number => {
		if (userSize !== undefined || config.mode === 'page') return fixedSize;
		return Math.max(1, Math.min(config.pageSize, options.remaining?.() ?? config.pageSize));
	};

	const state: PagingState = { pages: 0, pageNumber: userPage ?? 1, url: first.url };
	// Every cursor sent and link followed: a server that cycles (A → B → A) would otherwise have
	// the same pages fetched, and their records returned, again and again up to Max Pages.
	const seenCursors = new Set<string>();
	const seenUrls = new Set<string>([first.url]);
	let call: FlextellCall = withQuery(first, config, sizeParameter, config.mode === 'page' ? { page: userPage === undefined ? 1 : undefined, size: fixedSize } : { size: sizeFor() });

	for (;;) {
		state.pages += 1;
		const result = await callFlextell(ctx, call, policy);
		const records = pageRecords(result.body);
		yield { number: state.pages, result, records };

		const body = result.body.kind === 'json' ? result.body.value : undefined;
		const step = planNext(config, state, { body, headers: result.headers, records, perPage: fixedSize });
		if (step.kind === 'done') return;
		if (step.kind === 'stuck') {
			throw pagingError(ctx, policy, `${step.reason} (item ${policy.itemIndex})`, `Flextell keeps returning the same page. ${advice({ kind: 'stuck', item: 'cursor' })}`);
		}
		if (state.pages >= config.maxPages) {
			throw pagingError(
				ctx,
				policy,
				`Stopped after ${config.maxPages} pages of ${pathOf(first.url)}: the list did not end (item ${policy.itemIndex})`,
				advice({ kind: 'max-pages', maxPages: config.maxPages }),
			);
		}

		switch (step.kind) {
			case 'cursor':
				if (seenCursors.has(step.cursor)) {
					throw pagingError(
						ctx,
						policy,
						`Flextell returned a cursor it had already returned ("${shorten(step.cursor)}"), so the list would go round in circles (item ${policy.itemIndex})`,
						advice({ kind: 'stuck', item: 'cursor' }),
					);
				}
				seenCursors.add(step.cursor);
				state.cursor = step.cursor;
				call = withQuery(first, config, sizeParameter, { size: sizeFor(), cursor: step.cursor });
				break;
			case 'page':
				state.pageNumber = step.pageNumber;
				call = withQuery(first, config, sizeParameter, { page: step.pageNumber, size: fixedSize });
				break;
			case 'link': {
				const url = followLink(ctx, policy, prefix, step.link, advice);
				if (seenUrls.has(url)) {
					throw pagingError(ctx, policy, `Flextell returned a next-page link to a page already fetched (item ${policy.itemIndex})`, advice({ kind: 'stuck', item: 'link' }));
				}
				seenUrls.add(url);
				state.url = url;
				// The link carries the whole query (filters, cursor, page size) itself.
				call = { ...first, url, qs: undefined };
				break;
			}
		}
	}
}

function withQuery(
	first: FlextellCall,
	config: PaginationConfig,
	sizeParameter: string,
	paging: { size: number; cursor?: string; page?: number },
): FlextellCall {
	if (config.mode === 'off') return first;
	// The user's page size is kept as written; the page number and cursor move on from the first
	// request's (the user's, if written) to the next page's.
	const qs: IDataObject = { ...first.qs, [sizeParameter]: first.qs?.[sizeParameter] ?? String(paging.size) };
	if (config.mode === 'page') {
		if (paging.page !== undefined) qs[config.pageParameter] = String(paging.page);
	} else if (paging.cursor !== undefined) qs[config.cursorParameter] = paging.cursor;
	return { ...first, qs };
}

function followLink(ctx: RequestContext, policy: CallPolicy, prefix: ApiPrefix, link: string, advice: (problem: PagingProblem) => string): string {
	try {
		return resolveWithinPrefix(prefix, link);
	} catch (error) {
		if (!(error instanceof UrlRuleError)) return pagingFailure(ctx, policy, error);
		return pagingFailure(ctx, policy, error, advice({ kind: 'link-outside', hint: error.hint }));
	}
}

function pagingFailure(ctx: RequestContext, policy: CallPolicy, error: unknown, description?: string): never {
	const message = error instanceof Error ? error.message : String(error);
	throw pagingError(ctx, policy, `${message} (item ${policy.itemIndex})`, description ?? '');
}

function pagingError(ctx: RequestContext, policy: CallPolicy, message: string, description: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex: policy.itemIndex, description });
}
