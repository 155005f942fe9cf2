/**
 * Parameters for lists (Return All / Limit, pagination) and for running items concurrently, and
 * reading them. Shared by the Flextell node and the Flextell Trigger.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { PaginationConfig, PaginationMode } from './transport/pagination';
import { PAGINATION_DEFAULTS, PAGINATION_LIMITS, PAGINATION_MODES } from './transport/pagination';

export const LIST_DEFAULTS = { limit: 50, concurrency: 1 } as const;
export const LIST_LIMITS = { concurrency: 16 } as const;

const onlyGet = { show: { method: ['GET'] } };

/** `returnAll` and `limit`, shown for GET. */
export const listProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: onlyGet,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		displayOptions: { show: { method: ['GET'], returnAll: [false] } },
		description: 'Max number of results to return',
	},
];

/** Pagination options, for an `options` collection. */
export const paginationOptions: INodeProperties[] = [
	{
		displayName: 'Cursor Parameter',
		name: 'cursorParameter',
		type: 'string',
		default: 'cursor',
		description: 'Cursor pagination: the query parameter that carries the cursor of the next page',
	},
	{
		displayName: 'Max Pages',
		name: 'maxPages',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: PAGINATION_LIMITS.maxPages },
		default: 1000,
		description: 'The most requests made for one list. A list that has not ended by then stops with an error instead of running forever.',
	},
	{
		displayName: 'Next Cursor Field',
		name: 'nextCursorField',
		type: 'string',
		default: 'next_cursor',
		description: 'Cursor pagination: the response field with the next cursor, looked for at the top level and under "meta". The list ends when it is missing or empty.',
	},
	{
		displayName: 'Next Link Field',
		name: 'nextLinkField',
		type: 'string',
		default: 'next',
		description: 'Next-link pagination: the response field with the URL of the next page. Without it the Link header is used. Links are only followed on the Base URL and API version of the credential.',
	},
	{
		displayName: 'Page Parameter',
		name: 'pageParameter',
		type: 'string',
		default: 'page',
		description: 'Page-number pagination: the query parameter with the page number (starting at 1)',
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: PAGINATION_LIMITS.pageSize },
		default: 100,
		description: 'How many records to ask for per request, unless Query Parameters already set the page size (then that one is sent)',
	},
	{
		displayName: 'Page Size Parameter',
		name: 'pageSizeParameter',
		type: 'string',
		default: '',
		placeholder: 'limit',
		description: 'The query parameter with the page size. Empty means "limit" for cursor and next-link pagination and "per_page" for page numbers.',
	},
	{
		displayName: 'Pagination',
		name: 'pagination',
		type: 'options',
		options: [
			{ name: 'Cursor', value: 'cursor', description: 'Send limit and cursor; read the next cursor from the response' },
			{ name: 'Next Link', value: 'link', description: 'Follow the next-page URL from the response or its Link header' },
			{ name: 'Off (One Request)', value: 'off', description: 'Make one request and return what it gives' },
			{ name: 'Page Number', value: 'page', description: 'Send page and per_page; stop at a short or empty page' },
		],
		default: 'cursor',
		description: 'How Flextell pages this list',
	},
];

export const concurrencyOption: INodeProperties = {
	displayName: 'Concurrency',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: LIST_LIMITS.concurrency },
	default: 1,
	description: 'How many input items to process at the same time. Output order stays the same, and all requests share one rate limit: after a 429 none is sent before Retry-After.',
};

export interface PaginationOptionValues {
	pagination?: string;
	pageSize?: number;
	maxPages?: number;
	cursorParameter?: string;
	pageSizeParameter?: string;
	pageParameter?: string;
	nextCursorField?: string;
	nextLinkField?: string;
}

type Fail = (message: string, description: string) => never;

/** The pagination settings from an options collection; every problem goes through `fail`. */
export function readPagination(options: PaginationOptionValues & IDataObject, fail: Fail): PaginationConfig {
	const mode = (options.pagination ?? PAGINATION_DEFAULTS.mode) as PaginationMode;
	if (!PAGINATION_MODES.includes(mode)) {
		fail(`The pagination scheme "${String(mode)}" is not supported`, `Field: Options › Pagination. Use one of ${PAGINATION_MODES.join(', ')}.`);
	}
	const name = (value: unknown, fallback: string, label: string, allowEmpty = false): string => {
		if (value === undefined || value === null) return fallback;
		const text = String(value).trim();
		if (text === '' && !allowEmpty) return fallback;
		if (/[\s&=?#]/.test(text)) fail(`The option ${label} "${text}" is not a valid name`, `Field: Options › ${label}. Use the plain name, e.g. "${fallback || 'limit'}".`);
		return text;
	};
	return {
		mode,
		pageSize: whole(options.pageSize, PAGINATION_DEFAULTS.pageSize, 1, PAGINATION_LIMITS.pageSize, 'Page Size', fail),
		maxPages: whole(options.maxPages, PAGINATION_DEFAULTS.maxPages, 1, PAGINATION_LIMITS.maxPages, 'Max Pages', fail),
		cursorParameter: name(options.cursorParameter, PAGINATION_DEFAULTS.cursorParameter, 'Cursor Parameter'),
		pageSizeParameter: name(options.pageSizeParameter, PAGINATION_DEFAULTS.pageSizeParameter, 'Page Size Parameter', true),
		pageParameter: name(options.pageParameter, PAGINATION_DEFAULTS.pageParameter, 'Page Parameter'),
		nextCursorField: name(options.nextCursorField, PAGINATION_DEFAULTS.nextCursorField, 'Next Cursor Field'),
		nextLinkField: name(options.nextLinkField, PAGINATION_DEFAULTS.nextLinkField, 'Next Link Field'),
	};
}

export function readConcurrency(value: unknown, fail: Fail): number {
	return whole(value, LIST_DEFAULTS.concurrency, 1, LIST_LIMITS.concurrency, 'Concurrency', fail);
}

export function whole(value: unknown, fallback: number, min: number, max: number, label: string, fail: Fail): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min || n > max) {
		fail(`The option ${label} must be a number from ${min} to ${max}`, `Field: Options › ${label}. It is ${String(value)}.`);
	}
	return Math.floor(n);
}
