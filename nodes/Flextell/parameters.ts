/**
 * The Flextell node's settings for one item, read and checked once, here, into one object the
 * rest of the run uses: the method and path, the shared request (path, query, request options,
 * shared/parameters.ts), the JSON body, how to shape the output, Return All / Limit, the cache,
 * and, when the node runs as an AI model's tool, its Answer for the Model options. Every problem
 * goes through the item's one `fail`, which names the item and the field.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { Fail, Parameters } from '../shared/parameter-source';
import type { PaginationOptionValues, RequestOptions, RequestSetup } from '../shared/parameters';
import { bounded, numberOr, readPagination, readRequest } from '../shared/parameters';
import type { HttpMethod, PaginationConfig } from '../shared/transport';
import { isPlainObject } from '../shared/transport';
import { CACHE_LIMITS } from './cache';
import { CONCURRENCY, DEFAULT_LIMIT, DEFAULT_MAX_CALL_SECONDS } from './FlextellDescription';
import type { ToolAnswerSettings, ToolCall } from './tool-answer';
import { DEFAULT_MAX_CHARACTERS } from './tool-answer';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The Options collection of one item: the shared request and pagination options and the node's own. */
type ItemOptions = RequestOptions &
	PaginationOptionValues &
	IDataObject & { splitIntoItems?: boolean; fullResponse?: boolean; cacheSeconds?: unknown };

/** What the item asks for, as written: read before anything is checked, so a failure can name it. */
interface ItemTarget {
	/** The Method, upper-cased (checked by readItemSettings). */
	method: string;
	/** The Path as the parameter holds it (an expression may make it a number). */
	path: unknown;
}

/** How the output of a request is shaped (Options › Split Into Items, Full Response). */
export interface OutputShape {
	splitIntoItems: boolean;
	fullResponse: boolean;
}

/**
 * How a GET (without Full Response) treats a list. Return All: every page, the node adding its
 * paging parameters where the user did not write them. Otherwise: the one request as written,
 * its records cut to Limit.
 */
type ItemList = { returnAll: true; pagination: PaginationConfig } | { returnAll: false; limit: number };

/** The node as an AI model's tool: what bounds its answer and its call, and what the answer says of the call. */
export interface ToolSettings {
	answer: ToolAnswerSettings;
	/** Answer for the Model › Max Call Time (Seconds); 0 = only the request options bound the call. */
	maxCallSeconds: number;
	call: ToolCall;
}

/** Everything one item runs by. */
export interface ItemSettings extends RequestSetup {
	output: OutputShape;
	/** Undefined when the item is a single request of another kind (not a GET, or Full Response). */
	list?: ItemList;
	/** Options › Cache GET Responses (Seconds); 0 for anything but a GET. */
	cacheSeconds: number;
	/** Only when the node runs as a tool. */
	tool?: ToolSettings;
}

/** The Method and Path as written; reading them cannot fail. */
export function readItemTarget(params: Parameters): ItemTarget {
	return { method: String(params.get('method', 'GET')).toUpperCase(), path: params.get('path', '') };
}

/**
 * Every other parameter of the item, checked in a fixed order (the first problem found is the one
 * reported): the node's own fields first, then the shared request (Path, Query Parameters, request
 * options) and the pagination options. `asTool`: the node runs as an AI model's tool.
 */
export function readItemSettings(params: Parameters, credentials: ICredentialDataDecryptedObject, target: ItemTarget, asTool: boolean): ItemSettings {
	const { fail } = params;
	const tool = asTool ? readToolOptions(params) : undefined;
	const method = target.method as HttpMethod;
	if (!METHODS.includes(method)) fail(`Method "${method}" is not supported`, `Use one of ${METHODS.join(', ')}.`);
	const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? readJsonBody(params) : undefined;
	if (tool && body !== undefined && !isPlainObject(body)) {
		fail(
			`The body must be a JSON object, such as {"name": "Ada"}; it is ${Array.isArray(body) ? 'a list' : typeof body}`,
			'Field: JSON Body. Flextell creates and changes one record per call, described by a JSON object of its fields.',
		);
	}
	const options = params.get('options', {}) as ItemOptions;
	const output: OutputShape = { splitIntoItems: options.splitIntoItems ?? true, fullResponse: options.fullResponse ?? false };
	const isList = method === 'GET' && !output.fullResponse;
	const returnAll = isList && params.get('returnAll', false) === true;
	const limit = isList && !returnAll ? readLimit(params) : undefined;
	// Return All does not go through the cache; a tool reads the option all the same.
	const cacheSeconds = method === 'GET' && (tool || !returnAll) ? readCacheSeconds(options.cacheSeconds, fail) : 0;

	const request = readRequest(params, credentials, { method, path: target.path }, options);
	// A tool's answer names the node's own cursor field and parameter (Options › Pagination) in its list note.
	const pagination = returnAll || tool ? readPagination(options, fail) : undefined;

	if (body !== undefined) request.call.body = body;
	const list: ItemList | undefined = returnAll ? { returnAll, pagination: pagination as PaginationConfig } : limit !== undefined ? { returnAll, limit } : undefined;
	if (!tool || !pagination) return { ...request, output, list, cacheSeconds };
	const call: ToolCall = {
		method,
		path: String(target.path ?? ''),
		limit,
		returnAll,
		cursor: { field: pagination.nextCursorField, parameter: pagination.cursorParameter },
	};
	return { ...request, output, list, cacheSeconds, tool: { ...tool, call } };
}

function readJsonBody(params: Parameters): unknown {
	const raw = params.get('jsonBody', '{}');
	if (typeof raw !== 'string') return raw ?? {};
	if (raw.trim() === '') return undefined;
	try {
		return JSON.parse(raw);
	} catch (error) {
		return params.fail(
			`The JSON Body of item ${params.itemIndex} is not valid JSON`,
			`Field: JSON Body. ${(error as Error).message}. Check quotes and commas; with expressions, {{ JSON.stringify(...) }} produces valid JSON.`,
		);
	}
}

function readLimit(params: Parameters): number {
	const limit = Number(params.get('limit', DEFAULT_LIMIT));
	if (!Number.isInteger(limit) || limit < 1) params.fail(`The Limit must be a whole number of at least 1`, `Field: Limit. It is ${String(limit)}.`);
	return limit;
}

function readCacheSeconds(value: unknown, fail: Fail): number {
	const seconds = numberOr(value, 0);
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > CACHE_LIMITS.seconds) {
		fail(`The option Cache GET Responses (Seconds) must be a number from 0 to ${CACHE_LIMITS.seconds}`, `Field: Options › Cache GET Responses (Seconds). It is ${String(value)}.`);
	}
	return seconds;
}

/** Answer for the Model (toolOptions): Max Call Time, Max Characters, Keep Only Fields, Drop Fields. */
function readToolOptions(params: Parameters): Omit<ToolSettings, 'call'> {
	const options = params.get('toolOptions', {}) as { maxCharacters?: unknown; keepFields?: unknown; dropFields?: unknown; maxCallSeconds?: unknown };
	const rawCall = options.maxCallSeconds;
	const maxCallSeconds = numberOr(rawCall, DEFAULT_MAX_CALL_SECONDS);
	if (!Number.isFinite(maxCallSeconds) || maxCallSeconds < 0 || maxCallSeconds > 3600) {
		params.fail(`The option Max Call Time must be a number of seconds from 0 to 3600`, `Field: Answer for the Model › Max Call Time (Seconds). It is ${String(rawCall)}.`);
	}
	const raw = options.maxCharacters;
	const maxCharacters = numberOr(raw, DEFAULT_MAX_CHARACTERS);
	if (!Number.isInteger(maxCharacters) || maxCharacters < 0) {
		params.fail(`The option Max Characters must be a whole number of at least 0`, `Field: Answer for the Model › Max Characters. It is ${String(raw)}.`);
	}
	return { answer: { maxCharacters, keep: parseFieldList(options.keepFields), drop: parseFieldList(options.dropFields) }, maxCallSeconds };
}

/**
 * Parses a field list: names separated by commas or new lines, dots reaching deeper
 * (`address.city`); empty entries are ignored.
 */
export function parseFieldList(text: unknown): string[][] {
	if (typeof text !== 'string') return [];
	return text
		.split(/[,\n]/)
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '')
		.map((entry) =>
			entry
				.split('.')
				.map((part) => part.trim())
				.filter((part) => part !== ''),
		)
		.filter((path) => path.length > 0);
}

/** Options › Concurrency: how many items run at once (an option of the whole node). */
export function readConcurrency(value: unknown, fail: Fail): number {
	return bounded(value, CONCURRENCY, fail);
}
