/**
 * Error mapping: what the user reads when a Flextell request fails. Pure functions that build the
 * failure record (failure.ts) from the facts where they are known; node-errors.ts turns a record
 * into the n8n error and the continue-on-fail item.
 *
 * Messages come from Flextell where it gave one (`{"error": "code", "message": "…"}`); the advice
 * says what to do next. Nothing here ever includes request headers, so the bearer token cannot
 * end up in an error (node-errors.ts redacts the record all the same).
 */
import type { ParsedBody } from './body';
import { flextellError } from './envelope';
import type { FailureRecord } from './failure';
import type { HoldReason } from './rate-limit-cost';
import { isIdempotent } from './retry-policy';
import { isTlsCertificateCode } from './tls-codes';

export interface RequestSummary {
	method: string;
	/** Path below the origin, e.g. `/api/v0.0.1/contacts/obj_1` (never includes credentials). */
	urlPath: string;
	retriesDone: number;
}

/**
 * The most a call may wait, and whose bound it is: the node's option Max Wait (Seconds), or the
 * bound on a whole tool call (option Max Call Time), which answers at once instead of waiting.
 */
export interface WaitLimit {
	seconds: number;
	tool: boolean;
}

/** A wait limit given as plain seconds is the node's Max Wait. */
function waitLimit(limit: number | WaitLimit): WaitLimit {
	return typeof limit === 'number' ? { seconds: limit, tool: false } : limit;
}

function where(request: RequestSummary): Pick<FailureRecord, 'method' | 'path'> {
	return { method: request.method, path: request.urlPath };
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
	extra: { retryAfterHeader?: string; retryAfterMs?: number } = {},
): FailureRecord {
	const flextell = flextellError(body);
	const code = flextell.code ?? defaultCode(statusCode);

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
		status: statusCode,
		code,
		message,
		...(flextell.code ? { flextellCode: flextell.code } : {}),
		...(flextell.message ? { flextellMessage: flextell.message } : {}),
		advice,
		sent: true,
		...(statusCode === 429 ? retryAfterField(extra.retryAfterMs) : {}),
		...where(request),
		answered: statusCode,
	};
}

function retryAfterField(ms: number | undefined): Pick<FailureRecord, 'retryAfterSeconds'> {
	return ms !== undefined ? { retryAfterSeconds: Math.ceil(ms / 1000) } : {};
}

export function describeRetryAfterTooLong(
	waitMs: number,
	limit: number | WaitLimit,
	retryAfterHeader: string | undefined,
	request: RequestSummary,
): FailureRecord {
	return {
		...waitRefused(waitMs, limit, request, (seconds, bound) => ({
			message: `Flextell asked to wait ${seconds} s before retrying, ${beyond(bound)}`,
			advice: `The rate limit was hit (Retry-After "${retryAfterHeader ?? ''}"). Retrying earlier could get the account suspended, so ${stopped(bound, seconds)}`,
		})),
		sent: true,
		answered: 429,
	};
}

/** A rate-limit wait the call would not make: 429, the seconds to wait, and the words for them. */
function waitRefused(
	waitMs: number,
	limit: number | WaitLimit,
	request: RequestSummary,
	words: (seconds: number, bound: WaitLimit) => Pick<FailureRecord, 'message' | 'advice'>,
): Omit<FailureRecord, 'sent'> {
	const seconds = Math.ceil(waitMs / 1000);
	return { status: 429, code: 'rate_limit_exceeded', ...words(seconds, waitLimit(limit)), retryAfterSeconds: seconds, ...where(request) };
}

/** "longer than the 300 s this node may wait" / "past the 45 s a tool call may take". */
function beyond(limit: WaitLimit): string {
	return limit.tool ? `past the ${limit.seconds} s a tool call may take` : `longer than the ${limit.seconds} s this node may wait`;
}

function stopped(limit: WaitLimit, seconds: number): string {
	return limit.tool
		? `the tool answered at once instead of waiting. Call again in ${seconds} s or later; the tool's option Max Call Time (Seconds) sets how long a call may take.`
		: `the node stopped. Raise the option Max Wait (Seconds) to at least ${seconds}, or run the workflow later.`;
}

/** Why the shared gate holds requests (see rate-gate.ts). */
const HOLD_REASONS: Record<HoldReason | 'unknown', string> = {
	'rate-limited': 'Another request with the same credential got a 429 and Flextell asked to wait.',
	allowance: "Flextell's rate-limit headers say the allowance for this credential is spent until then.",
	'learned-limit': "Earlier 429s set this process's budget of requests per window (its share of Flextell's limit), and this window's budget is spent.",
	unknown: "Flextell's rate limit holds the requests with this credential.",
};

export function describeGateTooLong(
	waitMs: number,
	limit: number | WaitLimit,
	request: RequestSummary,
	reason: HoldReason | 'unknown' = 'rate-limited',
): FailureRecord {
	return {
		...waitRefused(waitMs, limit, request, (seconds, bound) => ({
			message: `Flextell's rate limit holds requests with this credential for another ${seconds} s, ${beyond(bound)}`,
			advice: `${HOLD_REASONS[reason]} Sending earlier could get the account suspended, so ${stopped(bound, seconds)}`,
		})),
		// The gate stopped this request before it went; earlier attempts of the call did go.
		sent: request.retriesDone > 0,
	};
}

/**
 * A tool call out of time (option Max Call Time) for another reason than a rate-limit wait: an
 * answer that did not come in time, a server-error backoff, another request testing the limit.
 */
export function describeToolTimeUp(limit: WaitLimit, what: string, request: RequestSummary, facts: { rateLimited: boolean; sent: boolean }): FailureRecord {
	const { rateLimited } = facts;
	return {
		...(rateLimited ? { status: 429 } : {}),
		code: rateLimited ? 'rate_limit_exceeded' : 'timeout',
		message: `The Flextell call could not finish within the ${limit.seconds} s a tool call may take (${what})`,
		advice: rateLimited
			? "Flextell's rate limit holds the requests with this credential and another request is testing whether it has lifted. Call again in a few seconds."
			: `Flextell did not answer in time. Call again later; the tool's option Max Call Time (Seconds) sets how long a call may take.`,
		sent: facts.sent,
		...where(request),
	};
}

export function describeNetworkFailure(errorCode: string | undefined, request: RequestSummary, timeoutMs: number): FailureRecord {
	if (errorCode !== undefined && isTlsCertificateCode(errorCode)) {
		return {
			code: 'untrusted_certificate',
			message: 'Could not reach Flextell: its TLS certificate is not trusted',
			advice: `The server at the Base URL did not present a certificate this n8n trusts, so nothing (and no access token) was sent to it. Check that the credential's Base URL is Flextell's; if Flextell sits behind your own certificate authority, add it to n8n's trusted certificates (NODE_EXTRA_CA_CERTS).`,
			sent: false,
			...where(request),
			systemCode: errorCode,
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
		code: timedOut ? 'timeout' : 'network_error',
		message,
		advice: `${advice}${retried}`,
		sent: true,
		...where(request),
		...(errorCode ? { systemCode: errorCode } : {}),
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

export function describeNotJson(statusCode: number, body: ParsedBody, request: RequestSummary): FailureRecord {
	if (body.kind === 'too-large') {
		const mb = Math.round(body.maxBytes / (1024 * 1024));
		return {
			status: statusCode,
			code: 'response_too_large',
			message: `Flextell's answer is larger than ${mb} MB, the most this node reads`,
			advice: `The node stopped reading at ${mb} MB so that n8n's memory stays bounded. Ask for less per request: a smaller Page Size or Limit, or query parameters that filter the list.`,
			sent: true,
			...where(request),
			answered: statusCode,
		};
	}
	if (body.kind === 'not-utf8') {
		return {
			status: statusCode,
			code: 'invalid_response',
			message: `Flextell answered HTTP ${statusCode} but the body is not valid UTF-8`,
			advice: `The answer contains bytes that are not UTF-8 text, so it was not turned into items (its characters would have been replaced). A proxy or gateway may have changed it; check the Base URL.`,
			sent: true,
			...where(request),
		};
	}
	const detail =
		body.kind === 'not-json'
			? body.truncated
				? 'The JSON in the response was cut short or malformed.'
				: `It sent ${body.contentType || 'an unknown content type'}: "${body.snippet}"`
			: '';
	return {
		status: statusCode,
		code: 'invalid_response',
		message: `Flextell answered HTTP ${statusCode} but the body is not JSON`,
		advice: `${detail} A proxy or gateway between n8n and Flextell may have answered instead; check the Base URL.`,
		sent: true,
		...where(request),
	};
}

export function describeRedirect(statusCode: number, location: string | undefined, request: RequestSummary): FailureRecord {
	return {
		status: statusCode,
		code: 'redirect_refused',
		message: `Flextell answered with a redirect (HTTP ${statusCode}), which the node does not follow`,
		advice: `Following it could send the access token to ${location ?? 'another address'}. Check the Base URL in the credential.`,
		sent: true,
		...where(request),
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
export function describeTokenRefreshFailure(refusal: TokenRefreshRefusal, unauthorized: ParsedBody | undefined, request: RequestSummary): FailureRecord {
	const flextell = unauthorized ? flextellError(unauthorized) : {};
	const answered = [refusal.status ? `HTTP ${refusal.status}` : '', refusal.error ? `"${refusal.error}"` : ''].filter(Boolean).join(' ');
	const said = `The token URL answered${answered ? ` ${answered}` : ' with an error'}${refusal.text ? `: ${refusal.text.replace(/\.?$/, '.')}` : '.'}`;
	const advice = REFRESH_ADVICE[refusal.error ?? ''] ?? "Open the Flextell credential and reconnect it; if that fails too, check its Access Token URL.";
	return {
		status: 401,
		code: 'token_refresh_failed',
		message: `Flextell refused the access token${flextell.message ? ` ("${flextell.message}")` : ''}, and refreshing it failed`,
		...(flextell.code ? { flextellCode: flextell.code } : {}),
		...(flextell.message ? { flextellMessage: flextell.message } : {}),
		advice: `${said} ${advice}`,
		sent: true,
		...where(request),
		answered: 401,
	};
}

/**
 * n8n could not sign the request: the credential holds no access token. A credential saved and
 * never connected (Authorization Code, PKCE), or, with Client Credentials, a token URL that gave
 * none. Nothing was sent to Flextell.
 */
export function describeNotConnected(request: RequestSummary): FailureRecord {
	const advice =
		'Open the Flextell credential and click "Connect my account" (sign in to Flextell and allow access): saving the credential does not connect it. ' +
		"With the grant type Client Credentials n8n fetches the token itself and got none: check the credential's Access Token URL, Client ID and Client Secret. Then run again.";
	return {
		code: 'credential_not_connected',
		message: 'The Flextell credential is not connected: it holds no access token',
		advice,
		sent: false,
		...where(request),
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
