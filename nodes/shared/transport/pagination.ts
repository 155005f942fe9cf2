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
import { headerValue } from './headers';
import { unwrapData } from './response';
import type { ApiPrefix } from './url';
import { pathOf, resolveWithinPrefix, UrlRuleError } from './url';
import { isPlainObject, wholeNumberOf } from './values';

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
 *
 * Four steps: fix the page sizes (pageSizes), send and yield a page, plan what follows it
 * (planNext), and turn the plan into the next request, refusing a cycle (nextRequest). Every
 * problem is worded in one place (pagingErrors).
 */
export async function* listPages(
	ctx: RequestContext,
	first: FlextellCall,
	policy: CallPolicy,
	prefix: ApiPrefix,
	config: PaginationConfig,
	options: ListOptions = {},
): AsyncGenerator<ListPage, void, undefined> {
	const sizes = pageSizes(first, config, options.remaining);
	const list: ListRun = {
		first,
		config,
		prefix,
		sizes,
		state: { pages: 0, pageNumber: sizes.firstPage ?? 1, url: first.url },
		// Every cursor sent and link followed: a server that cycles (A → B → A) would otherwise have
		// the same pages fetched, and their records returned, again and again up to Max Pages.
		seenCursors: new Set<string>(),
		seenUrls: new Set<string>([first.url]),
		errors: pagingErrors(ctx, policy, first, options.advice),
	};
	let call = firstRequest(list);

	for (;;) {
		list.state.pages += 1;
		const result = await callFlextell(ctx, call, policy);
		const records = pageRecords(result.body);
		yield { number: list.state.pages, result, records };

		const body = result.body.kind === 'json' ? result.body.value : undefined;
		const step = planNext(config, list.state, { body, headers: result.headers, records, perPage: sizes.fixed });
		if (step.kind === 'done') return;
		if (step.kind === 'stuck') throw list.errors.stuck(step.reason);
		if (list.state.pages >= config.maxPages) throw list.errors.maxPages(config.maxPages);
		call = nextRequest(list, step);
	}
}

/** One list as it is fetched: what it started from, its page sizes, where it stands, what it has seen. */
interface ListRun {
	first: FlextellCall;
	config: PaginationConfig;
	prefix: ApiPrefix;
	sizes: PageSizes;
	state: PagingState;
	seenCursors: Set<string>;
	seenUrls: Set<string>;
	errors: PagingErrors;
}

/** The page sizes of one list, and the first page the user wrote, if any. */
interface PageSizes {
	/** The query parameter that carries the page size. */
	parameter: string;
	/** The page size every page of page mode (and of a list whose size the user wrote) asks for. */
	fixed: number;
	/** The size the next request asks for: smaller near the end, where the caller wants fewer records. */
	next(): number;
	/** page mode: the page number the user wrote, where the list starts. */
	firstPage?: number;
}

/**
 * A paging parameter the user wrote is sent as written (withQuery never replaces it); its value
 * only tells the planner what page size and first page to expect.
 */
function pageSizes(first: FlextellCall, config: PaginationConfig, remaining: (() => number) | undefined): PageSizes {
	const parameter = pageSizeParameterOf(config);
	const userQuery = first.qs ?? {};
	const userSize = positiveWholeNumberOf(userQuery[parameter]);
	const wanted = (): number => Math.max(1, Math.min(config.pageSize, remaining?.() ?? config.pageSize));
	// Page numbers only line up when every page has the same size: fix it for the whole list.
	const fixed = userSize ?? wanted();
	return {
		parameter,
		fixed,
		next: () => (userSize !== undefined || config.mode === 'page' ? fixed : wanted()),
		firstPage: config.mode === 'page' ? positiveWholeNumberOf(userQuery[config.pageParameter]) : undefined,
	};
}

function firstRequest(list: ListRun): FlextellCall {
	const { config, sizes } = list;
	if (config.mode === 'page') return withQuery(list.first, config, sizes.parameter, { page: sizes.firstPage === undefined ? 1 : undefined, size: sizes.fixed });
	return withQuery(list.first, config, sizes.parameter, { size: sizes.next() });
}

/** The request for the page `step` names; a cursor or a link already seen is a cycle, and refused. */
function nextRequest(list: ListRun, step: Extract<NextStep, { kind: 'cursor' | 'page' | 'link' }>): FlextellCall {
	const { first, config, sizes, state } = list;
	switch (step.kind) {
		case 'cursor':
			if (list.seenCursors.has(step.cursor)) throw list.errors.cursorCycle(step.cursor);
			list.seenCursors.add(step.cursor);
			state.cursor = step.cursor;
			return withQuery(first, config, sizes.parameter, { size: sizes.next(), cursor: step.cursor });
		case 'page':
			state.pageNumber = step.pageNumber;
			return withQuery(first, config, sizes.parameter, { page: step.pageNumber, size: sizes.fixed });
		case 'link': {
			const url = followLink(list, step.link);
			if (list.seenUrls.has(url)) throw list.errors.linkCycle();
			list.seenUrls.add(url);
			state.url = url;
			// The link carries the whole query (filters, cursor, page size) itself.
			return { ...first, url, qs: undefined };
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

function followLink(list: ListRun, link: string): string {
	try {
		return resolveWithinPrefix(list.prefix, link);
	} catch (error) {
		throw list.errors.linkRefused(error);
	}
}

/** Every error a list can end with, worded for the user: the transport names it, `advice` says what to change. */
interface PagingErrors {
	stuck(reason: string): NodeOperationError;
	maxPages(maxPages: number): NodeOperationError;
	cursorCycle(cursor: string): NodeOperationError;
	linkCycle(): NodeOperationError;
	/** A next link that could not be followed (outside the API prefix, or not a URL). */
	linkRefused(error: unknown): NodeOperationError;
}

function pagingErrors(ctx: RequestContext, policy: CallPolicy, first: FlextellCall, advise?: (problem: PagingProblem) => string): PagingErrors {
	const advice = advise ?? (() => 'Check the pagination settings for this list.');
	const item = `(item ${policy.itemIndex})`;
	const error = (message: string, description: string) => new NodeOperationError(ctx.getNode(), `${message} ${item}`, { itemIndex: policy.itemIndex, description });
	return {
		stuck: (reason) => error(reason, `Flextell keeps returning the same page. ${advice({ kind: 'stuck', item: 'cursor' })}`),
		maxPages: (maxPages) => error(`Stopped after ${maxPages} pages of ${pathOf(first.url)}: the list did not end`, advice({ kind: 'max-pages', maxPages })),
		cursorCycle: (cursor) =>
			error(`Flextell returned a cursor it had already returned ("${shorten(cursor)}"), so the list would go round in circles`, advice({ kind: 'stuck', item: 'cursor' })),
		linkCycle: () => error('Flextell returned a next-page link to a page already fetched', advice({ kind: 'stuck', item: 'link' })),
		linkRefused: (cause) => {
			const message = cause instanceof Error ? cause.message : String(cause);
			return error(message, cause instanceof UrlRuleError ? advice({ kind: 'link-outside', hint: cause.hint }) : '');
		},
	};
}
