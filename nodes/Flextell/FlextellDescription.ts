import type { INodeProperties } from 'n8n-workflow';

import { concurrencyOption, listProperties, paginationOptions } from './ListDescription';
import { CACHE_LIMITS } from './transport/cache';

export const DEFAULTS = {
	timeoutMs: 60_000,
	maxRetries: 5,
	maxWaitSeconds: 300,
} as const;

export const LIMITS = {
	maxRetries: 10,
	maxWaitSeconds: 3600,
	timeoutMs: 600_000,
} as const;

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

const bodyMethods = ['POST', 'PUT', 'PATCH'];

export const requestProperties: INodeProperties[] = [
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'DELETE', value: 'DELETE', description: 'Delete a record', action: 'Delete a record' },
			{ name: 'GET', value: 'GET', description: 'Read a record or a list', action: 'Get records' },
			{ name: 'PATCH', value: 'PATCH', description: 'Change some fields of a record', action: 'Update fields of a record' },
			{ name: 'POST', value: 'POST', description: 'Create a record', action: 'Create a record' },
			{ name: 'PUT', value: 'PUT', description: 'Replace a record', action: 'Replace a record' },
		],
		default: 'GET',
	},
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'contacts/obj_abc123',
		description:
			"Resource path after the credential's Base URL and API version, such as <code>contacts</code> or <code>contacts/obj_abc123</code>. Drag a field in to build it from the input item.",
		hint: 'Relative paths only: the access token is never sent to another host',
	},
	{
		displayName: 'Query Parameters',
		name: 'queryParameters',
		placeholder: 'Add Query Parameter',
		...nameValuePairs('parameters', 'Parameter'),
	},
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '{}',
		displayOptions: { show: { method: bodyMethods } },
		description: 'The request body as JSON. Expressions are allowed; to send the whole input item, use an expression with JSON.stringify.',
	},
	...listProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: withListOptions([
			{
				displayName: 'API Version',
				name: 'apiVersion',
				type: 'string',
				default: '',
				placeholder: 'v0.0.1',
				description: "Use this version instead of the credential's API Version",
			},
			{
				displayName: 'Cache GET Responses (Seconds)',
				name: 'cacheSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: CACHE_LIMITS.seconds },
				default: 0,
				displayOptions: { show: { '/method': ['GET'] } },
				description:
					'Reuse a successful answer to the same GET (same credential, path, query and headers) for this long, in any item, node or execution of this n8n process. 0 = off. Writes through the credential drop what they change; Return All, Full Response and the trigger always ask Flextell.',
			},
			{
				displayName: 'Full Response',
				name: 'fullResponse',
				type: 'boolean',
				default: false,
				description: 'Whether to output the status code, headers and whole body instead of just the data',
			},
			{
				displayName: 'Headers',
				name: 'headers',
				placeholder: 'Add Header',
				description: 'Extra request headers. Authorization and Host cannot be set here.',
				...nameValuePairs('header', 'Header'),
			},
			{
				displayName: 'Max Retries',
				name: 'maxRetries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: LIMITS.maxRetries },
				default: 5,
				description:
					'How often to retry after a 429 (rate limit), and for GET, PUT and DELETE after a server or network error',
			},
			{
				displayName: 'Max Wait (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: LIMITS.maxWaitSeconds },
				default: 300,
				description:
					'The longest single wait the node accepts. If Flextell asks for a longer Retry-After, the item fails at once instead of retrying too early.',
			},
			{
				displayName: 'Split Into Items',
				name: 'splitIntoItems',
				type: 'boolean',
				default: true,
				description: 'Whether to output one item per element when Flextell returns a list',
			},
			{
				displayName: 'Timeout (Ms)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: LIMITS.timeoutMs },
				default: 60000,
				description: 'How long to wait for each response before giving up (or retrying a GET, PUT or DELETE)',
			},
		]),
	},
];

/**
 * Adds Concurrency and the pagination options to the options, in name order. Paging is for
 * Return All only (without it the node makes the one request as written), so they show only then.
 */
function withListOptions(options: INodeProperties[]): INodeProperties[] {
	const getOnly = paginationOptions.map((option) => ({ ...option, displayOptions: { show: { '/method': ['GET'], '/returnAll': [true] } } }));
	return [...options, concurrencyOption, ...getOnly].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
