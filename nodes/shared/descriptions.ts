/**
 * Descriptions both nodes show alike: the Query Parameters, the request options (API version,
 * headers, retries, waits, timeout) and the pagination options. Each node adds its own and
 * sorts its options collection.
 *
 * Every default and bound is written once, in a spec (`NUMBERS`, the names, the pagination
 * scheme): the editor shows it and the parameter readers fall back to it and check it, so what
 * the editor shows is what a parameter left empty means.
 */
import type { INodeProperties } from 'n8n-workflow';

import type { PaginationConfig, PaginationMode } from './transport';

/** A repeatable list of name/value pairs, read as `{ [entry]: [{ name, value }] }`. */
function nameValuePairs(entry: string, entryDisplayName: string) {
	return {
		type: 'fixedCollection' as const,
		typeOptions: { multipleValues: true },
		default: {},
		options: [
			{
				name: entry,
				displayName: entryDisplayName,
				values: [
					{ displayName: 'Name', name: 'name', type: 'string' as const, default: '' },
					{ displayName: 'Value', name: 'value', type: 'string' as const, default: '' },
				],
			},
		],
	};
}

export const queryParametersProperty: INodeProperties = {
	displayName: 'Query Parameters',
	name: 'queryParameters',
	placeholder: 'Add Query Parameter',
	...nameValuePairs('parameters', 'Parameter'),
};

const apiVersionOption = {
	displayName: 'API Version',
	name: 'apiVersion',
	type: 'string',
	default: '',
	placeholder: 'v0.0.1',
	description: "Use this version instead of the credential's API Version",
} satisfies INodeProperties;

const headersOption = {
	displayName: 'Headers',
	name: 'headers',
	placeholder: 'Add Header',
	description: 'Extra request headers. Authorization and Host cannot be set here.',
	...nameValuePairs('header', 'Header'),
} satisfies INodeProperties;

/** A whole-number option: the editor's field and the reader's fallback and bounds, from one spec. */
export interface WholeNumberSpec {
	displayName: string;
	name: string;
	default: number;
	min: number;
	max: number;
	description: string;
}

export function wholeNumberOption(spec: WholeNumberSpec): INodeProperties {
	const { min, max, ...field } = spec;
	return { type: 'number', typeOptions: { minValue: min, maxValue: max, numberPrecision: 0 }, ...field };
}

/** A name (of a query parameter or a response field) that the user may change. */
interface NameSpec {
	displayName: string;
	name: string;
	default: string;
	description: string;
	placeholder?: string;
}

function nameOption(spec: NameSpec): INodeProperties {
	return { type: 'string', ...spec };
}

export const NUMBERS = {
	maxRetries: {
		displayName: 'Max Retries',
		name: 'maxRetries',
		default: 5,
		min: 0,
		max: 10,
		description: 'How often to retry after a 429 (rate limit), and for GET, PUT and DELETE after a server or network error',
	},
	maxWaitSeconds: {
		displayName: 'Max Wait (Seconds)',
		name: 'maxWaitSeconds',
		default: 300,
		min: 1,
		max: 3600,
		description:
			'The longest single wait the node accepts. If Flextell asks for a longer Retry-After, the item fails at once instead of retrying too early.',
	},
	timeout: {
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		default: 60000,
		min: 1,
		max: 600_000,
		description: 'How long to wait for each response before giving up (or retrying a GET, PUT or DELETE)',
	},
	maxPages: {
		displayName: 'Max Pages',
		name: 'maxPages',
		default: 1000,
		min: 1,
		max: 100_000,
		description: 'The most requests made for one list. A list that has not ended by then stops with an error instead of running forever.',
	},
	pageSize: {
		displayName: 'Page Size',
		name: 'pageSize',
		default: 100,
		min: 1,
		max: 1000,
		description: 'How many records to ask for per request, unless Query Parameters already set the page size (then that one is sent)',
	},
} as const satisfies Record<string, WholeNumberSpec>;

const NAMES = {
	cursorParameter: {
		displayName: 'Cursor Parameter',
		name: 'cursorParameter',
		default: 'cursor',
		description: 'Cursor pagination: the query parameter that carries the cursor of the next page',
	},
	nextCursorField: {
		displayName: 'Next Cursor Field',
		name: 'nextCursorField',
		default: 'next_cursor',
		description: 'Cursor pagination: the response field with the next cursor, looked for at the top level and under "meta". The list ends when it is missing or empty.',
	},
	nextLinkField: {
		displayName: 'Next Link Field',
		name: 'nextLinkField',
		default: 'next',
		description: 'Next-link pagination: the response field with the URL of the next page. Without it the Link header is used. Links are only followed on the Base URL and API version of the credential.',
	},
	pageParameter: {
		displayName: 'Page Parameter',
		name: 'pageParameter',
		default: 'page',
		description: 'Page-number pagination: the query parameter with the page number (starting at 1)',
	},
	pageSizeParameter: {
		displayName: 'Page Size Parameter',
		name: 'pageSizeParameter',
		default: '',
		placeholder: 'limit',
		description: 'The query parameter with the page size. Empty means "limit" for cursor and next-link pagination and "per_page" for page numbers.',
	},
} as const satisfies Record<string, NameSpec>;

/** Options of every request: API version, headers, retries, waits, timeout. */
export const requestOptions: INodeProperties[] = [
	apiVersionOption,
	headersOption,
	wholeNumberOption(NUMBERS.maxRetries),
	wholeNumberOption(NUMBERS.maxWaitSeconds),
	wholeNumberOption(NUMBERS.timeout),
];

const paginationOption = {
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
} satisfies INodeProperties;

/** Pagination options, for an `options` collection. */
export const paginationOptions: INodeProperties[] = [
	nameOption(NAMES.cursorParameter),
	wholeNumberOption(NUMBERS.maxPages),
	nameOption(NAMES.nextCursorField),
	nameOption(NAMES.nextLinkField),
	nameOption(NAMES.pageParameter),
	wholeNumberOption(NUMBERS.pageSize),
	nameOption(NAMES.pageSizeParameter),
	paginationOption,
];

/** What a pagination option left empty means: the defaults above. */
export const PAGINATION_DEFAULTS: PaginationConfig = {
	mode: paginationOption.default as PaginationMode,
	pageSize: NUMBERS.pageSize.default,
	maxPages: NUMBERS.maxPages.default,
	cursorParameter: NAMES.cursorParameter.default,
	pageSizeParameter: NAMES.pageSizeParameter.default,
	pageParameter: NAMES.pageParameter.default,
	nextCursorField: NAMES.nextCursorField.default,
	nextLinkField: NAMES.nextLinkField.default,
};
