/**
 * The Flextell node's own parameters for one item, on top of the shared ones (path, query,
 * request options): the method, the JSON body, how to shape the output, and Return All / Limit.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { Fail, PaginationOptionValues, Parameters, RequestSetup } from '../shared/parameters';
import { bounded, readPagination, readRequest } from '../shared/parameters';
import { CONCURRENCY, DEFAULT_LIMIT } from './FlextellDescription';
import type { HttpMethod, PaginationConfig } from '../shared/transport';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface ItemRequest extends RequestSetup {
	options: { splitIntoItems: boolean; fullResponse: boolean };
}

export function readItemRequest(params: Parameters, credentials: ICredentialDataDecryptedObject): ItemRequest {
	const method = String(params.get('method', 'GET')).toUpperCase() as HttpMethod;
	if (!METHODS.includes(method)) params.fail(`Method "${method}" is not supported`, `Use one of ${METHODS.join(', ')}.`);

	const request = readRequest(params, credentials, method);
	if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
		request.call.body = readJsonBody(params);
	}
	const options = params.get('options', {}) as { splitIntoItems?: boolean; fullResponse?: boolean };
	return {
		...request,
		options: {
			splitIntoItems: options.splitIntoItems ?? true,
			fullResponse: options.fullResponse ?? false,
		},
	};
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

/**
 * How a GET (without Full Response) treats a list. Return All: every page, the node adding its
 * paging parameters where the user did not write them. Otherwise: the one request as written,
 * its records cut to Limit. Undefined when the item is a single request of another kind.
 */
type ItemList = { returnAll: true; pagination: PaginationConfig } | { returnAll: false; limit: number };

export function readItemList(params: Parameters, request: ItemRequest): ItemList | undefined {
	if (request.call.method !== 'GET' || request.options.fullResponse) return undefined;
	if (params.get('returnAll', false) === true) {
		const options = params.get('options', {}) as PaginationOptionValues & IDataObject;
		return { returnAll: true, pagination: readPagination(options, params.fail) };
	}
	const limit = Number(params.get('limit', DEFAULT_LIMIT));
	if (!Number.isInteger(limit) || limit < 1) params.fail(`The Limit must be a whole number of at least 1`, `Field: Limit. It is ${String(limit)}.`);
	return { returnAll: false, limit };
}

/** Options › Concurrency: how many items run at once. */
export function readConcurrency(value: unknown, fail: Fail): number {
	return bounded(value, CONCURRENCY, fail);
}
