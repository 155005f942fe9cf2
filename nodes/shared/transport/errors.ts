/**
 * Error mapping: what the user reads when a Flextell request fails. Pure functions that build
 * `{ message, description, code, statusCode }`; the request module turns that into n8n errors.
 * Not pure: `asNodeError`, which sets the item index on the n8n error it is given.
 *
 * Messages come from Flextell where it gave one (`{"error": "code", "message": "…"}`); the
 * description says what to do next. Nothing here ever includes request headers, so the bearer
 * token cannot end up in an error.
 */
import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { HoldReason } from './rate-limit-cost';
import type { ParsedBody } from './response';
import { flextellError } from './response';
import { isIdempotent } from './retry-policy';

export interface FailureReport {
	message: string;
	description: string;
	/** Flextell's error code, or our own for failures without one (e.g. `network_error`). */
	code: string;
	statusCode?: number;
}

export interface RequestSummary {
	method: string;
	/** Path below the origin, e.g. `/api/v0.0.1/contacts/obj_1` (never includes credentials). */
	urlPath: string;
	retriesDone: number;
}

const WHAT_TO_DO: Record<number, string> = {
	400: 'Flextell found the request malformed. Check the JSON Body and the Query Parameters.',
	401: 'The access token was refused, and refreshing it did not help. Open the Flextell credential and reconnect it.',
	403: 'The credential is connected but not allowed to do this. Check the scopes granted to the credential and the permissions of the Flextell account.',
	404: 'Check the Path and the API version: Flextell has nothing at this address.',
	422: 'Flextell understood the request but could not accept the data. Fix the field named in the message and run again.',
};

export function describeHttpFailure(
	statusCode: number,
	body: ParsedBody,
	request: RequestSummary,
	extra: { retryAfterHeader?: string } = {},
): FailureReport {
	const flextell = flextellError(body);
	const code = flextell.code ?? defaultCode(statusCode);
	const where = `${request.method} ${request.urlPath}`;
	const codeNote = flextell.code ? ` (Flextell error "${flextell.code}")` : '';

	let message = flextell.message ?? messageWithoutFlextellBody(statusCode, body);
	let advice: string;
	if (statusCode === 429) {
		message = `Flextell's rate limit was still exceeded after ${plural(request.retriesDone, 'retry', 'retries')}`;
		const asked =
			extra.retryAfterHeader !== undefined
				? `Flextell last asked to wait: Retry-After "${extra.retryAfterHeader}".`
				: 'Flextell sent no Retry-After, so the node backed off exponentially.';
		advice = `${asked}${flextell.message ? ` Its message: "${flextell.message}"` : ''} Run fewer requests at once, raise Max Retries, or run the workflow later.`;
	} else if (statusCode >= 500) {
		advice =
			request.retriesDone > 0
				? `Flextell had a server error; the node retried ${plural(request.retriesDone, 'time', 'times')} without success. Try again later.`
				: !isIdempotent(request.method)
					? `Flextell had a server error. ${request.method} requests are not retried automatically because Flextell may already have processed them: check before running again.`
					: 'Flextell had a server error. Try again later.';
	} else if (statusCode < 300) {
		advice = `Flextell reported an error in an answer with the success status HTTP ${statusCode}, so nothing was returned as data.`;
	} else {
		advice = WHAT_TO_DO[statusCode] ?? `Flextell answered with HTTP ${statusCode}.`;
	}

	return {
		message,
		description: `${advice}${codeNote} — ${where} → HTTP ${statusCode}`,
		code,
		statusCode,
	};
}

export function describeRetryAfterTooLong(
	waitMs: number,
	maxWaitSeconds: number,
	retryAfterHeader: string | undefined,
	request: RequestSummary,
): FailureReport {
	const seconds = Math.ceil(waitMs / 1000);
	return {
		message: `Flextell asked to wait ${seconds} s before retrying, longer than the ${maxWaitSeconds} s this node may wait`,
		description: `The rate limit was hit (Retry-After "${retryAfterHeader ?? ''}"). Retrying earlier could get the account suspended, so the node stopped. Raise the option Max Wait (Seconds) to at least ${seconds}, or run the workflow later. — ${request.method} ${request.urlPath} → HTTP 429`,
		code: 'rate_limit_exceeded',
		statusCode: 429,
	};
}

/** Why the shared gate holds requests (see rate-gate.ts). */
const HOLD_REASONS: Record<HoldReason, string> = {
	'rate-limited': 'Another request with the same credential got a 429 and Flextell asked to wait.',
	allowance: "Flextell's rate-limit headers say the allowance for this credential is spent until then.",
	'learned-limit': 'Earlier 429s showed how many requests Flextell allows per window, and this window is full.',
};

export function describeGateTooLong(
	waitMs: number,
	maxWaitSeconds: number,
	request: RequestSummary,
	reason: HoldReason = 'rate-limited',
): FailureReport {
	const seconds = Math.ceil(waitMs / 1000);
	return {
		message: `Flextell's rate limit holds requests with this credential for another ${seconds} s, longer than the ${maxWaitSeconds} s this node may wait`,
		description: `${HOLD_REASONS[reason]} Sending earlier could get the account suspended, so the node stopped. Raise the option Max Wait (Seconds) to at least ${seconds}, or run the workflow later. — ${request.method} ${request.urlPath}`,
		code: 'rate_limit_exceeded',
		statusCode: 429,
	};
}

/**
 * Node's codes for a TLS certificate that could not be verified. Never retried, and never
 * worked around: the token must only go to a host that proves it is the credential's.
 */
const TLS_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'CERT_UNTRUSTED',
	'CERT_REVOKED',
	'CERT_SIGNATURE_FAILURE',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isTlsCertificateCode(code: string): boolean {
	return TLS_CERTIFICATE_CODES.has(code);
}

export function describeNetworkFailure(errorCode: string | undefined, request: RequestSummary, timeoutMs: number): FailureReport {
	if (errorCode !== undefined && isTlsCertificateCode(errorCode)) {
		return {
			message: 'Could not reach Flextell: its TLS certificate is not trusted',
			description: `The server at the Base URL did not present a certificate this n8n trusts, so nothing (and no access token) was sent to it. Check that the credential's Base URL is Flextell's; if Flextell sits behind your own certificate authority, add it to n8n's trusted certificates (NODE_EXTRA_CA_CERTS). — ${request.method} ${request.urlPath} (${errorCode})`,
			code: 'untrusted_certificate',
		};
	}
	const timedOut = errorCode === 'ECONNABORTED' || errorCode === 'ETIMEDOUT' || errorCode === 'ESOCKETTIMEDOUT';
	// The raw code goes into the description only: n8n replaces any message naming a common
	// network error code with its own generic text.
	const message = timedOut
		? `Flextell did not answer within ${timeoutMs} ms`
		: `Could not reach Flextell: ${NETWORK_PHRASES[errorCode ?? ''] ?? 'the network request failed'}`;
	const retried =
		request.retriesDone > 0
			? ` The node retried ${plural(request.retriesDone, 'time', 'times')}.`
			: !isIdempotent(request.method)
				? ` ${request.method} requests are not retried automatically because Flextell may already have processed them.`
				: '';
	const advice = timedOut
		? 'Raise the Timeout option or try again later.'
		: 'Check the Base URL in the credential, and the network or proxy between n8n and Flextell.';
	return {
		message,
		description: `${advice}${retried} — ${request.method} ${request.urlPath}${errorCode ? ` (${errorCode})` : ''}`,
		code: timedOut ? 'timeout' : 'network_error',
	};
}

const NETWORK_PHRASES: Record<string, string> = {
	ECONNRESET: 'the connection was closed unexpectedly',
	ECONNREFUSED: 'the connection was refused',
	EPIPE: 'the connection was closed while sending',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be resolved right now',
	ENETUNREACH: 'the network is unreachable',
	EHOSTUNREACH: 'the host is unreachable',
};

export function describeNotJson(statusCode: number, body: ParsedBody, request: RequestSummary): FailureReport {
	const where = `${request.method} ${request.urlPath}`;
	if (body.kind === 'too-large') {
		const mb = Math.round(body.maxBytes / (1024 * 1024));
		return {
			message: `Flextell's answer is larger than ${mb} MB, the most this node reads`,
			description: `The node stopped reading at ${mb} MB so that n8n's memory stays bounded. Ask for less per request: a smaller Page Size or Limit, or query parameters that filter the list. — ${where} → HTTP ${statusCode}`,
			code: 'response_too_large',
			statusCode,
		};
	}
	if (body.kind === 'not-utf8') {
		return {
			message: `Flextell answered HTTP ${statusCode} but the body is not valid UTF-8`,
			description: `The answer contains bytes that are not UTF-8 text, so it was not turned into items (its characters would have been replaced). A proxy or gateway may have changed it; check the Base URL. — ${where}`,
			code: 'invalid_response',
			statusCode,
		};
	}
	const detail =
		body.kind === 'not-json'
			? body.truncated
				? 'The JSON in the response was cut short or malformed.'
				: `It sent ${body.contentType || 'an unknown content type'}: "${body.snippet}"`
			: '';
	return {
		message: `Flextell answered HTTP ${statusCode} but the body is not JSON`,
		description: `${detail} A proxy or gateway between n8n and Flextell may have answered instead; check the Base URL. — ${where}`,
		code: 'invalid_response',
		statusCode,
	};
}

export function describeRedirect(statusCode: number, location: string | undefined, request: RequestSummary): FailureReport {
	return {
		message: `Flextell answered with a redirect (HTTP ${statusCode}), which the node does not follow`,
		description: `Following it could send the access token to ${location ?? 'another address'}. Check the Base URL in the credential. — ${request.method} ${request.urlPath}`,
		code: 'redirect_refused',
		statusCode,
	};
}

/** What the token URL answered when n8n's refresh of the access token failed. */
export interface TokenRefreshRefusal {
	status?: number;
	/** The OAuth2 error code (`invalid_grant`, `invalid_client`, …), when the token URL sent one. */
	error?: string;
	/** The token URL's own words (`error_description`), else the client library's. */
	text?: string;
}

const REFRESH_ADVICE: Record<string, string> = {
	invalid_grant: 'The refresh token is no longer valid (revoked, expired or already used): open the Flextell credential and reconnect it.',
	invalid_client: 'Flextell did not accept the client: check the Client ID, the Client Secret and Authentication in the Flextell credential, then reconnect it.',
};

/**
 * Flextell answered 401, and n8n's refresh of the access token failed. `unauthorized` is
 * Flextell's answer to the request when the node still has it (with n8n 1.x, which hands the 401
 * back before refreshing); n8n 2.x refreshes inside its own helper and drops that answer.
 */
export function describeTokenRefreshFailure(refusal: TokenRefreshRefusal, unauthorized: ParsedBody | undefined, request: RequestSummary): FailureReport {
	const flextell = unauthorized ? flextellError(unauthorized) : {};
	const answered = [refusal.status ? `HTTP ${refusal.status}` : '', refusal.error ? `"${refusal.error}"` : ''].filter(Boolean).join(' ');
	const said = `The token URL answered${answered ? ` ${answered}` : ' with an error'}${refusal.text ? `: ${refusal.text.replace(/\.?$/, '.')}` : '.'}`;
	const advice = REFRESH_ADVICE[refusal.error ?? ''] ?? "Open the Flextell credential and reconnect it; if that fails too, check its Access Token URL.";
	return {
		message: `Flextell refused the access token${flextell.message ? ` ("${flextell.message}")` : ''}, and refreshing it failed`,
		description: `${said} ${advice}${flextell.code ? ` (Flextell error "${flextell.code}")` : ''} — ${request.method} ${request.urlPath} → HTTP 401`,
		code: 'token_refresh_failed',
		statusCode: 401,
	};
}

function messageWithoutFlextellBody(statusCode: number, body: ParsedBody): string {
	if (body.kind === 'not-json' && body.isHtml) {
		return `Flextell answered HTTP ${statusCode} with an HTML page${body.snippet ? ` ("${body.snippet}")` : ''} instead of JSON`;
	}
	if (body.kind === 'not-json' && body.snippet) return `Flextell answered HTTP ${statusCode}: ${body.snippet}`;
	return `Flextell answered HTTP ${statusCode}`;
}

function defaultCode(statusCode: number): string {
	const codes: Record<number, string> = {
		400: 'invalid_request',
		401: 'unauthorized',
		403: 'forbidden',
		404: 'not_found',
		422: 'validation_failed',
		429: 'rate_limit_exceeded',
	};
	return codes[statusCode] ?? (statusCode >= 500 ? 'server_error' : `http_${statusCode}`);
}

function plural(n: number, one: string, many: string): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** Removes bearer tokens and any of the given secrets from a text meant for users or logs. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
	let out = text.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]');
	for (const secret of secrets) {
		if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
	}
	return out;
}

interface ErrorItemDetails {
	message: string;
	/** Flextell's error code (e.g. not_found), else node_error. */
	code: string;
	statusCode: number | null;
	/** What to do about it, when the error says. */
	description?: string;
}

/**
 * The json a failed input item becomes when the node continues on fail. Everything sits under the
 * one key `error`: n8n takes an item whose json is only `error` for an error item (1.x accepts no
 * other key beside it but `message`), so On Error "Continue (using error output)" routes it to the
 * error output, merged with its input item.
 */
export function errorItem(error: unknown): { error: ErrorItemDetails } {
	const err = error as { message?: unknown; httpCode?: unknown; errorResponse?: { error?: unknown }; description?: unknown };
	const code = typeof err?.errorResponse?.error === 'string' ? err.errorResponse.error : 'node_error';
	const status = Number(err?.httpCode);
	const details: ErrorItemDetails = {
		message: typeof err?.message === 'string' ? err.message : String(error),
		code,
		statusCode: Number.isInteger(status) && status > 0 ? status : null,
	};
	if (typeof err?.description === 'string' && err.description.trim() !== '') details.description = err.description;
	return { error: details };
}

/** n8n errors pass through (with the item index set); anything else is wrapped. */
export function asNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
