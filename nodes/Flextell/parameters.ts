/**
 * Reading and checking the node's parameters for one item. Every problem becomes a
 * NodeOperationError that names the item and the field to fix; nothing is sent before all
 * checks pass.
 */
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DEFAULTS, LIMITS } from './FlextellDescription';
import type { PaginationOptionValues } from './ListDescription';
import { LIST_DEFAULTS, readPagination } from './ListDescription';
import type { PaginationConfig } from './transport/pagination';
import type { CallPolicy, FlextellCall } from './transport/request';
import { gateKey } from './transport/rate-gate';
import type { HttpMethod } from './transport/retry-policy';
import type { ApiPrefix } from './transport/url';
import { buildRequestUrl, resolveApiPrefix, UrlRuleError } from './transport/url';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const FORBIDDEN_HEADERS = new Set(['authorization', 'host', 'cookie', 'proxy-authorization', 'content-length', 'transfer-encoding']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const FIELD_LABELS: Record<string, string> = {
	baseUrl: 'Base URL (in the credential)',
	apiVersion: 'API Version',
	path: 'Path',
	nextLink: 'pagination link',
};

export interface RequestOptions {
	apiVersion?: string;
	splitIntoItems?: boolean;
	fullResponse?: boolean;
	timeout?: number;
	maxRetries?: number;
	maxWaitSeconds?: number;
	headers?: { header?: Array<{ name?: string; value?: string }> };
}

export interface ItemRequest {
	call: FlextellCall;
	policy: CallPolicy;
	prefix: ApiPrefix;
	options: { splitIntoItems: boolean; fullResponse: boolean };
}

export function readItemRequest(
	ctx: IExecuteFunctions,
	itemIndex: number,
	credentials: ICredentialDataDecryptedObject,
): ItemRequest {
	const fail = (message: string, description: string): never => {
		throw new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
	};

	const method = String(ctx.getNodeParameter('method', itemIndex, 'GET')).toUpperCase() as HttpMethod;
	if (!METHODS.includes(method)) fail(`Method "${method}" is not supported`, `Use one of ${METHODS.join(', ')}.`);

	const options = ctx.getNodeParameter('options', itemIndex, {}) as RequestOptions;
	const prefix = apiPrefix(ctx, itemIndex, credentials, options.apiVersion);
	const url = withUrlRules(ctx, itemIndex, () => buildRequestUrl(prefix, ctx.getNodeParameter('path', itemIndex, '')));

	const call: FlextellCall = {
		method,
		url,
		qs: readQuery(ctx, itemIndex, fail),
		headers: readHeaders(options, fail),
	};
	if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
		call.body = readJsonBody(ctx, itemIndex, fail);
	}

	return {
		call,
		prefix,
		policy: {
			itemIndex,
			gateKey: gateKey(String(credentials.baseUrl ?? '').replace(/\/+$/, ''), ctx.getNode().credentials?.flextellOAuth2Api?.id ?? undefined),
			timeoutMs: bounded(options.timeout, DEFAULTS.timeoutMs, 1, LIMITS.timeoutMs, 'Timeout (Ms)', fail),
			maxRetries: bounded(options.maxRetries, DEFAULTS.maxRetries, 0, LIMITS.maxRetries, 'Max Retries', fail),
			maxWaitSeconds: bounded(options.maxWaitSeconds, DEFAULTS.maxWaitSeconds, 1, LIMITS.maxWaitSeconds, 'Max Wait (Seconds)', fail),
			secrets: tokenSecrets(credentials),
		},
		options: {
			splitIntoItems: options.splitIntoItems ?? true,
			fullResponse: options.fullResponse ?? false,
		},
	};
}

export function apiPrefix(
	ctx: Pick<IExecuteFunctions, 'getNode'>,
	itemIndex: number,
	credentials: ICredentialDataDecryptedObject,
	apiVersionOverride?: string,
): ApiPrefix {
	const version = apiVersionOverride?.trim() ? apiVersionOverride : credentials.apiVersion;
	return withUrlRules(ctx, itemIndex, () => resolveApiPrefix(credentials.baseUrl, version));
}

/** Runs a URL rule check and turns its failure into an error naming the item and field. */
export function withUrlRules<T>(ctx: Pick<IExecuteFunctions, 'getNode'>, itemIndex: number, build: () => T): T {
	try {
		return build();
	} catch (error) {
		throw toNodeError(ctx, itemIndex, error);
	}
}

function toNodeError(ctx: Pick<IExecuteFunctions, 'getNode'>, itemIndex: number, error: unknown): NodeOperationError {
	if (!(error instanceof UrlRuleError)) return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	return new NodeOperationError(ctx.getNode(), `${error.message} (item ${itemIndex})`, {
		itemIndex,
		description: `Field: ${FIELD_LABELS[error.field] ?? error.field}. ${error.hint}`,
	});
}

export function tokenSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	const tokens = (credentials.oauthTokenData ?? {}) as IDataObject;
	return [tokens.access_token, tokens.refresh_token, credentials.clientSecret].filter(
		(value): value is string => typeof value === 'string' && value !== '',
	);
}

type Fail = (message: string, description: string) => never;

function readQuery(ctx: IExecuteFunctions, itemIndex: number, fail: Fail): IDataObject | undefined {
	const collection = ctx.getNodeParameter('queryParameters', itemIndex, {}) as {
		parameters?: Array<{ name?: unknown; value?: unknown }>;
	};
	const qs: IDataObject = {};
	for (const [position, { name, value }] of (collection.parameters ?? []).entries()) {
		const key = typeof name === 'string' ? name.trim() : '';
		if (!key) {
			fail(
				`Query parameter ${position + 1} has no name (item ${itemIndex})`,
				'Field: Query Parameters. Give every query parameter a name, or remove the empty one.',
			);
		}
		const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
		const existing = qs[key];
		qs[key] = existing === undefined ? text : ([] as string[]).concat(existing as string | string[], text);
	}
	return Object.keys(qs).length ? qs : undefined;
}

function readHeaders(options: RequestOptions, fail: Fail): Record<string, string> | undefined {
	const headers: Record<string, string> = {};
	for (const { name, value } of options.headers?.header ?? []) {
		const key = (name ?? '').trim();
		if (!HEADER_NAME.test(key)) {
			fail(`The header name "${key}" is not valid`, 'Field: Options › Headers. Use letters, digits and dashes, e.g. X-Request-Id.');
		}
		if (FORBIDDEN_HEADERS.has(key.toLowerCase())) {
			fail(
				`The header "${key}" cannot be set in the node`,
				'Field: Options › Headers. Authorization comes from the Flextell credential and Host from its Base URL, and the node sends no cookies; remove this header.',
			);
		}
		const text = String(value ?? '');
		if (/[\r\n\0]/.test(text)) fail(`The value of header "${key}" contains a line break`, 'Field: Options › Headers. Remove line breaks from the value.');
		headers[key] = text;
	}
	return Object.keys(headers).length ? headers : undefined;
}

function readJsonBody(ctx: IExecuteFunctions, itemIndex: number, fail: Fail): unknown {
	const raw = ctx.getNodeParameter('jsonBody', itemIndex, '{}') as unknown;
	if (typeof raw !== 'string') return raw ?? {};
	if (raw.trim() === '') return undefined;
	try {
		return JSON.parse(raw);
	} catch (error) {
		return fail(
			`The JSON Body of item ${itemIndex} is not valid JSON`,
			`Field: JSON Body. ${(error as Error).message}. Check quotes and commas; with expressions, {{ JSON.stringify(...) }} produces valid JSON.`,
		);
	}
}

function bounded(value: unknown, fallback: number, min: number, max: number, label: string, fail: Fail): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min || n > max) {
		fail(`The option ${label} must be a number from ${min} to ${max}`, `Field: Options › ${label}. It is ${String(value)}.`);
	}
	return Math.floor(n);
}

/**
 * How a GET (without Full Response) treats a list. Return All: every page, the node adding its
 * paging parameters where the user did not write them. Otherwise: the one request as written,
 * its records cut to Limit. Undefined when the item is a single request of another kind.
 */
export type ItemList = { returnAll: true; pagination: PaginationConfig } | { returnAll: false; limit: number };

export function readItemList(ctx: IExecuteFunctions, itemIndex: number, request: ItemRequest): ItemList | undefined {
	if (request.call.method !== 'GET' || request.options.fullResponse) return undefined;
	const fail = (message: string, description: string): never => {
		throw new NodeOperationError(ctx.getNode(), `${message} (item ${itemIndex})`, { itemIndex, description });
	};
	if (ctx.getNodeParameter('returnAll', itemIndex, false) === true) {
		const options = ctx.getNodeParameter('options', itemIndex, {}) as PaginationOptionValues & IDataObject;
		return { returnAll: true, pagination: readPagination(options, fail) };
	}
	const limit = Number(ctx.getNodeParameter('limit', itemIndex, LIST_DEFAULTS.limit));
	if (!Number.isInteger(limit) || limit < 1) fail(`The Limit must be a whole number of at least 1`, `Field: Limit. It is ${String(limit)}.`);
	return { returnAll: false, limit };
}
