/**
 * Reading and checking the parameters both nodes share (path, query, headers, the call policy,
 * pagination), from any of their parameter sources (parameter-source.ts). Every problem goes
 * through the source's `fail`, which names the field to fix, and the item where there is one;
 * nothing is sent before all checks pass. Editor labels live here, not in the transport.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ApiPrefix, CallPolicy, FlextellCall, HttpMethod, PaginationConfig, PaginationMode, PagingProblem } from './transport';
import { buildRequestUrl, CREDENTIAL_TYPE, gateKey, PAGINATION_MODES, resolveApiPrefix, UrlRuleError } from './transport';
import type { WholeNumberSpec } from './descriptions';
import { NUMBERS, PAGINATION_DEFAULTS } from './descriptions';
import type { Fail, Parameters } from './parameter-source';

export interface RequestOptions {
	apiVersion?: string;
	timeout?: number;
	maxRetries?: number;
	maxWaitSeconds?: number;
	headers?: { header?: Array<{ name?: string; value?: string }> };
}

/** A request ready to send: what to send, where its API prefix is, and the policy to send it by. */
export interface RequestSetup {
	call: FlextellCall;
	policy: CallPolicy;
	prefix: ApiPrefix;
}

const FORBIDDEN_HEADERS = new Set(['authorization', 'host', 'cookie', 'proxy-authorization', 'content-length', 'transfer-encoding']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const FIELD_LABELS: Record<string, string> = {
	baseUrl: 'Base URL (in the credential)',
	apiVersion: 'API Version',
	path: 'Path',
	nextLink: 'pagination link',
};

/**
 * The request (no body) to `target`: its method, and its Path as the parameter holds it. Reads
 * Query Parameters; the Options collection is read once by the caller and handed in.
 */
export function readRequest(
	params: Parameters,
	credentials: ICredentialDataDecryptedObject,
	target: { method: HttpMethod; path: unknown },
	options: RequestOptions,
): RequestSetup {
	const version = options.apiVersion?.trim() ? options.apiVersion : credentials.apiVersion;
	const prefix = withUrlRules(params, () => resolveApiPrefix(credentials.baseUrl, version));
	const url = withUrlRules(params, () => buildRequestUrl(prefix, target.path));
	return {
		call: { method: target.method, url, qs: readQuery(params), headers: readHeaders(options, params.fail) },
		prefix,
		policy: readCallPolicy(params, options, credentials),
	};
}

/** How to send: the 429 gate of this credential and API, the limits the user set, the secrets to hide. */
function readCallPolicy(params: Parameters, options: RequestOptions, credentials: ICredentialDataDecryptedObject): CallPolicy {
	const { fail } = params;
	return {
		itemIndex: params.itemIndex ?? 0,
		gateKey: gateKey(String(credentials.baseUrl ?? '').replace(/\/+$/, ''), params.node.credentials?.[CREDENTIAL_TYPE]?.id ?? undefined),
		timeoutMs: bounded(options.timeout, NUMBERS.timeout, fail),
		maxRetries: bounded(options.maxRetries, NUMBERS.maxRetries, fail),
		maxWaitSeconds: bounded(options.maxWaitSeconds, NUMBERS.maxWaitSeconds, fail),
		secrets: credentialSecrets(credentials),
	};
}

/** Runs a URL rule check and turns its failure into an error naming the field (and the item). */
function withUrlRules<T>(params: Parameters, build: () => T): T {
	try {
		return build();
	} catch (error) {
		if (!(error instanceof UrlRuleError)) throw new NodeOperationError(params.node, error as Error, { itemIndex: params.itemIndex });
		return params.fail(error.message, `Field: ${FIELD_LABELS[error.field] ?? error.field}. ${error.hint}`);
	}
}

/** The credential's secrets (tokens, client secret), kept out of every text a user or a model reads. */
export function credentialSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	const tokens = (credentials.oauthTokenData ?? {}) as IDataObject;
	return [tokens.access_token, tokens.refresh_token, credentials.clientSecret].filter(
		(value): value is string => typeof value === 'string' && value !== '',
	);
}

function readQuery(params: Parameters): IDataObject | undefined {
	const collection = params.get('queryParameters', {}) as {
		parameters?: Array<{ name?: unknown; value?: unknown }>;
	};
	const qs: IDataObject = {};
	for (const [position, { name, value }] of (collection.parameters ?? []).entries()) {
		const key = typeof name === 'string' ? name.trim() : '';
		if (!key) {
			params.fail(`Query parameter ${position + 1} has no name`, 'Field: Query Parameters. Give every query parameter a name, or remove the empty one.');
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

/** The pagination settings from an options collection; every problem goes through `fail`. */
export function readPagination(options: PaginationOptionValues & IDataObject, fail: Fail): PaginationConfig {
	const defaults = PAGINATION_DEFAULTS;
	const mode = (options.pagination ?? defaults.mode) as PaginationMode;
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
		pageSize: bounded(options.pageSize, NUMBERS.pageSize, fail),
		maxPages: bounded(options.maxPages, NUMBERS.maxPages, fail),
		cursorParameter: name(options.cursorParameter, defaults.cursorParameter, 'Cursor Parameter'),
		pageSizeParameter: name(options.pageSizeParameter, defaults.pageSizeParameter, 'Page Size Parameter', true),
		pageParameter: name(options.pageParameter, defaults.pageParameter, 'Page Parameter'),
		nextCursorField: name(options.nextCursorField, defaults.nextCursorField, 'Next Cursor Field'),
		nextLinkField: name(options.nextLinkField, defaults.nextLinkField, 'Next Link Field'),
	};
}

/**
 * A whole-number option checked against its spec; empty means the spec's default. A fraction is
 * refused like a number out of range (as Limit and Max Characters refuse one), never rounded.
 */
export function bounded(value: unknown, spec: WholeNumberSpec, fail: Fail): number {
	const n = numberOr(value, spec.default);
	const field = `Field: Options › ${spec.displayName}. It is ${String(value)}.`;
	if (!Number.isFinite(n) || n < spec.min || n > spec.max) fail(`The option ${spec.displayName} must be a number from ${spec.min} to ${spec.max}`, field);
	if (!Number.isInteger(n)) fail(`The option ${spec.displayName} must be a whole number from ${spec.min} to ${spec.max}`, field);
	return n;
}

/** A number option as written: empty (unset, null, '') is `fallback`; anything else as Number() reads it (checked by the caller). */
export function numberOr(value: unknown, fallback: number): number {
	return value === undefined || value === null || value === '' ? fallback : Number(value);
}

/** What the user can change when a list goes wrong, in the words of the editor's fields. */
export function pagingAdvice(problem: PagingProblem): string {
	switch (problem.kind) {
		case 'stuck':
			return `Try another Pagination scheme or check the Next ${problem.item === 'cursor' ? 'Cursor' : 'Link'} Field option.`;
		case 'max-pages':
			return (
				`Field: Options › Max Pages. The node fetches at most ${problem.maxPages} pages for one list so a list that never ends cannot run forever. ` +
				'Raise Max Pages or Page Size if the list really is that long, filter it with query parameters, or check that the Pagination scheme matches how Flextell pages this list.'
			);
		case 'link-outside':
			return `Field: ${FIELD_LABELS.nextLink}. ${problem.hint}`;
	}
}
