/**
 * The Flextell node's parameters: method, path, JSON body, Return All / Limit, output shaping and
 * Concurrency of its own, with the Query Parameters, request options and pagination options it
 * shares with the Flextell Trigger.
 */
import type { INodeProperties } from 'n8n-workflow';

import type { WholeNumberSpec } from '../shared/descriptions';
import { paginationOptions, queryParametersProperty, requestOptions, wholeNumberOption } from '../shared/descriptions';
import { CACHE_LIMITS } from './cache';
import { DEFAULT_MAX_CHARACTERS } from './tool-answer';

const bodyMethods = ['POST', 'PUT', 'PATCH'];

const onlyGet = { show: { method: ['GET'] } };

const limitProperty = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	default: 50,
	typeOptions: { minValue: 1, numberPrecision: 0 },
	displayOptions: { show: { method: ['GET'], returnAll: [false] } },
	description: 'Max number of results to return',
} satisfies INodeProperties;

/** `returnAll` and `limit`, shown for GET. */
const listProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: onlyGet,
		description: 'Whether to return all results or only up to a given limit',
	},
	limitProperty,
];

export const CONCURRENCY = {
	displayName: 'Concurrency',
	name: 'concurrency',
	default: 1,
	min: 1,
	max: 16,
	description: 'How many input items to process at the same time. Output order stays the same, and all requests share one rate limit: after a 429 none is sent before Retry-After.',
} as const satisfies WholeNumberSpec;

/**
 * What the model reads about the tool when the node runs as an AI Agent's tool (n8n's Tool
 * Description field starts from it; the user can replace it there).
 */
export const TOOL_DESCRIPTION = [
	'Calls the Flextell REST API (the records of a Flextell account, such as contacts and tickets) and returns its JSON answer.',
	'The path is relative to the API version, never a full URL: a collection such as "contacts" lists its records, "contacts/<id>" is one record (ids look like obj_abc123).',
	'Query parameters filter and page lists: write them after the path, e.g. "contacts?status=open&limit=20", or "contacts?limit=20&cursor=<next_cursor>" for the next page. A body, for creating or changing a record, is a JSON object such as {"name": "Ada"}.',
	'A list comes back as {"shown", "total", "more", "records": [...]}, bounded in size; when records were left out, "note" says how many were shown of how many and how to narrow (a filter, a smaller limit, one record by id) or continue (a cursor).',
	'One record comes back as itself. A failed call returns {"error": {"status", "code", "message", "hint", "next_step", "request"}}: follow next_step, e.g. fix the path or the field named, and call again.',
	"Short rate limits are waited out by the tool. A longer one comes back at once as the error code \"rate_limit_exceeded\" with \"retry_after_seconds\": nothing was done; call again after that many seconds, or tell the user.",
].join(' ');

/** The most one tool call may take (option Max Call Time), under the 60 s after which the MCP SDK's client gives up. */
export const DEFAULT_MAX_CALL_SECONDS = 45;

/**
 * n8n's own Tool Description field, defined here so that its default is the teaching text: n8n
 * adds a field of this name to the tool variant only when the node has none, with the node's
 * one-line description as default, and fills the default in when the workflow runs.
 */
const toolDescriptionProperty: INodeProperties = {
	displayName: 'Description',
	name: 'toolDescription',
	type: 'string',
	default: TOOL_DESCRIPTION,
	required: true,
	typeOptions: { rows: 6 },
	displayOptions: { show: { '@tool': [true] } },
	description:
		"What the AI Agent's model reads about this tool. The default teaches it how Flextell's paths, query parameters, bodies, list answers and errors work; add what this tool is for, or replace it.",
};

/** Options that exist only when the node is an AI Agent's tool (n8n shows them for the tool variant). */
const toolOptionsProperty: INodeProperties = {
	displayName: 'Answer for the Model',
	name: 'toolOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { '@tool': [true] } },
	options: [
		{
			displayName: 'Drop Fields',
			name: 'dropFields',
			type: 'string',
			default: '',
			placeholder: 'notes, address.geo',
			description: 'Fields left out of every record the model receives, separated by commas; dots reach deeper (address.city)',
		},
		{
			displayName: 'Keep Only Fields',
			name: 'keepFields',
			type: 'string',
			default: '',
			placeholder: 'name, email, address.city',
			description: 'If set, the model receives only these fields of each record, separated by commas; dots reach deeper (address.city)',
		},
		{
			displayName: 'Max Call Time (Seconds)',
			name: 'maxCallSeconds',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 3600 },
			default: DEFAULT_MAX_CALL_SECONDS,
			description:
				'The most one tool call may take, waits included (0 = only the limits in Options). A rate limit that would hold it longer is answered at once with retry_after_seconds, and nothing is sent before Flextell allows. Keep it under the AI client\'s timeout (60 s for the MCP SDK\'s client).',
		},
		{
			displayName: 'Max Characters',
			name: 'maxCharacters',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: DEFAULT_MAX_CHARACTERS,
			description:
				'The most characters one answer hands the model (0 = no bound). A list is cut at whole records and a note says how many were shown of how many.',
		},
	],
};

/** What Limit left empty means (its default, shown in the editor). */
export const DEFAULT_LIMIT = limitProperty.default;

export const requestProperties: INodeProperties[] = [
	toolDescriptionProperty,
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
	queryParametersProperty,
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '{}',
		displayOptions: { show: { method: bodyMethods } },
		description: 'The request body as JSON. Expressions are allowed; to send the whole input item, use an expression with JSON.stringify.',
	},
	...listProperties,
	toolOptionsProperty,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: withListOptions([
			...requestOptions,
			{
				displayName: 'Cache GET Responses (Seconds)',
				name: 'cacheSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: CACHE_LIMITS.seconds },
				default: 0,
				displayOptions: { show: { '/method': ['GET'] } },
				description:
					'Reuse a successful answer to the same GET (same credential, path, query and headers) for this long, in any item, node or execution of this n8n process (0 = off). Writes through the credential drop what they change; Return All, Full Response and the trigger always ask Flextell.',
			},
			{
				displayName: 'Full Response',
				name: 'fullResponse',
				type: 'boolean',
				default: false,
				description: 'Whether to output the status code, headers and whole body instead of just the data',
			},
			{
				displayName: 'Split Into Items',
				name: 'splitIntoItems',
				type: 'boolean',
				default: true,
				description: 'Whether to output one item per element when Flextell returns a list',
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
	return [...options, wholeNumberOption(CONCURRENCY), ...getOnly].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
