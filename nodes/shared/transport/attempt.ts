/**
 * One attempt at a Flextell call: send it once, read the answer, and say how it went. Nothing
 * here waits, retries or decides: the caller does (request.ts), with the policy (retry-policy.ts)
 * and the gate (rate-gate.ts).
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { RequestSummary, TokenRefreshRefusal } from './errors';
import { describeNotConnected, describeTokenRefreshFailure } from './errors';
import type { ParsedBody } from './body';
import { discardBody, parseBody, readBody } from './body';
import { isErrorEnvelope } from './envelope';
import { headerValue, plainHeaders } from './headers';
import { failureError } from './node-errors';
import { isTlsCertificateCode } from './tls-codes';
import type { FlextellCall, RequestContext } from './types';
import { CREDENTIAL_TYPE } from './types';
import { isPlainObject } from './values';

/** How one attempt went. 2xx answers keep any body; the caller decides what a bad body means. */
export type Outcome =
	| { kind: 'ok'; statusCode: number; headers: IDataObject; body: ParsedBody }
	| Failure;

export type Failure =
	| { kind: 'http'; statusCode: number; headers: IDataObject; body: ParsedBody }
	| { kind: 'network'; code?: string }
	| { kind: 'cancelled' }
	| { kind: 'other'; error: unknown };

export async function attempt(ctx: RequestContext, call: FlextellCall, timeoutMs: number): Promise<Outcome> {
	// One deadline for the whole exchange, body included: n8n's `timeout` covers the wait for the
	// headers, so a body that keeps dripping would otherwise hold the request open. Real time, not
	// the call's clock: n8n's own `timeout` (and its abort, which n8n sets itself) are real time too.
	const deadline = AbortSignal.timeout(timeoutMs);
	const seen: Seen = {};
	try {
		const response = await send(ctx, call, timeoutMs, deadline, seen);
		const { body } = response;
		// Flextell's {error, message} on a 2xx is an error reported with the wrong status.
		const ok = response.statusCode >= 200 && response.statusCode < 300 && !isErrorEnvelope(body);
		return { kind: ok ? 'ok' : 'http', statusCode: response.statusCode, headers: response.headers, body };
	} catch (error) {
		if (deadline.aborted) return { kind: 'network', code: 'ECONNABORTED' };
		const refusal = tokenRefreshRefusal(error);
		if (refusal) return { kind: 'other', error: refreshFailedError(ctx, call, refusal, seen.unauthorized) };
		if (isNotConnected(error)) return { kind: 'other', error: failureError(ctx.getNode(), describeNotConnected(summaryOf(call)), []) };
		return classify(error, await thrownBody(error, deadline));
	}
}

/** What one attempt saw on the way: Flextell's 401 answer, when n8n handed it back before refreshing (1.x). */
interface Seen {
	unauthorized?: ParsedBody;
}

/** Error bodies are read up to this size (Flextell's are a line of JSON). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * When n8n's OAuth2 helper could not refresh the token, the error comes from its OAuth2 client:
 * `AuthError` (the token URL's `{ error, error_description }`, code EAUTH) or `ResponseError`
 * (another status, code ESTATUS). Not a network failure: the token URL answered.
 */
function tokenRefreshRefusal(error: unknown): TokenRefreshRefusal | undefined {
	for (const candidate of [error, (error as { cause?: unknown })?.cause]) {
		if (!(candidate instanceof Error)) continue;
		const { code, body, status } = candidate as Error & { code?: unknown; body?: unknown; status?: unknown };
		if ((code !== 'EAUTH' && code !== 'ESTATUS') || body === undefined) continue;
		const fields = isPlainObject(body) ? body : {};
		const text = typeof fields.error_description === 'string' ? fields.error_description : candidate.message;
		return {
			status: typeof status === 'number' ? status : undefined,
			error: typeof fields.error === 'string' ? fields.error : undefined,
			text: text.slice(0, 300),
		};
	}
	return undefined;
}

/**
 * n8n's OAuth2 helper refuses to sign a request when the credential holds no access token: a
 * credential saved and never connected. n8n 2.x defaults its token data to `{}` and the OAuth2
 * client says "Unable to sign without access token"; n8n 1.x says "OAuth credentials not
 * connected". Neither error has a code, so these exact messages (n8n's, not ours) are the signal.
 */
const NOT_CONNECTED_MESSAGES: ReadonlySet<string> = new Set(['Unable to sign without access token', 'OAuth credentials not connected']);

function isNotConnected(error: unknown): boolean {
	for (const candidate of [error, (error as { cause?: unknown })?.cause]) {
		if (candidate instanceof Error && NOT_CONNECTED_MESSAGES.has(candidate.message)) return true;
	}
	return false;
}

function refreshFailedError(ctx: RequestContext, call: FlextellCall, refusal: TokenRefreshRefusal, unauthorized: ParsedBody | undefined): NodeApiError {
	return failureError(ctx.getNode(), describeTokenRefreshFailure(refusal, unauthorized, summaryOf(call)), []);
}

function summaryOf(call: FlextellCall): RequestSummary {
	return { method: call.method, urlPath: new URL(call.url).pathname, retriesDone: 0 };
}

/**
 * The body of an HTTP error n8n threw, read (within the deadline, up to MAX_ERROR_BODY_BYTES) when
 * it is still a stream: a 401 after n8n refreshed the token and repeated the request carries
 * Flextell's reason this way.
 */
async function thrownBody(error: unknown, deadline: AbortSignal): Promise<ParsedBody | undefined> {
	for (const candidate of [error, (error as { cause?: unknown })?.cause, (error as { errorResponse?: unknown })?.errorResponse]) {
		const response = (candidate as { response?: unknown } | undefined)?.response;
		if (!isPlainObject(response) || typeof (response.data as { pipe?: unknown } | undefined)?.pipe !== 'function') continue;
		try {
			return await readBody(response.data, headerValue(plainHeaders(response.headers), 'content-type'), { deadline, maxBytes: MAX_ERROR_BODY_BYTES });
		} catch {
			return undefined;
		}
	}
	return undefined;
}

export function isRateLimited(outcome: Outcome): boolean {
	return outcome.kind === 'http' && outcome.statusCode === 429;
}

/**
 * Sends one attempt. Error statuses come back as responses, not exceptions, so their status,
 * headers (Retry-After) and Flextell's body are always at hand: n8n 1.x drops the response from
 * the errors it throws. A 401 is the exception: n8n's OAuth2 helper refreshes the token only when
 * the request throws it. n8n 2.x throws it straight away (`except: [401]`); n8n 1.x knows only
 * `ignoreHttpStatusErrors: true`, returns the 401, and gets the request once more with status
 * errors on, so that n8n refreshes the token and repeats the request with the new one.
 * The body comes as a stream and is read here, within `deadline` and the size cap (readBody).
 */
async function send(
	ctx: RequestContext,
	call: FlextellCall,
	timeoutMs: number,
	deadline: AbortSignal,
	seen: Seen,
): Promise<FullResponse<ParsedBody>> {
	const request = (ignoreHttpStatusErrors: IHttpRequestOptions['ignoreHttpStatusErrors']) =>
		ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
			...toRequestOptions(call, timeoutMs),
			ignoreHttpStatusErrors,
		});
	let response = fullResponse(await request({ ignore: true, except: [401] }));
	if (response.statusCode === 401) {
		// kept: if the refresh fails, Flextell's reason for the 401 goes into the error
		seen.unauthorized = await readBody(response.body, headerValue(response.headers, 'content-type'), { deadline, maxBytes: MAX_ERROR_BODY_BYTES }).catch(() => undefined);
		response = fullResponse(await request(false));
	}
	return { ...response, body: await readBody(response.body, headerValue(response.headers, 'content-type'), { deadline }) };
}

interface FullResponse<Body = unknown> {
	statusCode: number;
	headers: IDataObject;
	body: Body;
}

function fullResponse(response: unknown): FullResponse {
	const full = isPlainObject(response) ? response : {};
	return {
		statusCode: typeof full.statusCode === 'number' ? full.statusCode : 200,
		headers: plainHeaders(full.headers),
		body: full.body,
	};
}

function toRequestOptions(call: FlextellCall, timeoutMs: number): IHttpRequestOptions {
	const hasBody = call.body !== undefined;
	return {
		method: call.method,
		url: call.url,
		qs: call.qs && Object.keys(call.qs).length ? call.qs : undefined,
		headers: {
			...call.headers,
			Accept: 'application/json',
			...(hasBody ? { 'Content-Type': 'application/json' } : {}),
		},
		// A string body is sent as it is, also when it is "{}" (an empty object would be dropped).
		body: hasBody ? JSON.stringify(call.body) : undefined,
		// Read as a stream: the node caps the size and checks the UTF-8 itself (see readBody).
		encoding: 'stream',
		json: false,
		returnFullResponse: true,
		timeout: timeoutMs,
		// A redirect could carry the bearer token to another host: never follow one.
		disableFollowRedirect: true,
	};
}

/** Finds what went wrong inside whatever n8n threw (it wraps axios errors in NodeApiError). */
export function classify(error: unknown, body?: ParsedBody): Failure {
	const candidates = [error, (error as { cause?: unknown })?.cause, (error as { errorResponse?: unknown })?.errorResponse];
	for (const candidate of candidates) {
		if (!isPlainObject(candidate) && !(candidate instanceof Error)) continue;
		const response = (candidate as { response?: unknown }).response;
		if (isPlainObject(response) && typeof response.status === 'number') {
			const headers = plainHeaders(response.headers);
			return {
				kind: 'http',
				statusCode: response.status,
				headers,
				body: body ?? parseBody(bodyText(response.data), headerValue(headers, 'content-type')),
			};
		}
	}
	for (const candidate of candidates) {
		const code = (candidate as { code?: unknown })?.code;
		if (typeof code !== 'string') continue;
		if (code === 'ERR_CANCELED' || (candidate as Error).name === 'CanceledError') return { kind: 'cancelled' };
		if (/^E[A-Z_]+$/.test(code) || code === 'ERR_SOCKET_CONNECTION_TIMEOUT' || isTlsCertificateCode(code)) return { kind: 'network', code };
	}
	return classifyWithoutCause(error);
}

/**
 * n8n 1.x's NodeApiError loses the axios error it wraps; what is left is its HTTP code and the
 * original messages ("read ECONNRESET", "timeout of 300ms exceeded", "canceled").
 */
function classifyWithoutCause(error: unknown): Failure {
	const { httpCode, messages } = (error ?? {}) as { httpCode?: unknown; messages?: unknown };
	const status = Number(httpCode);
	if (Number.isInteger(status) && status >= 300) return { kind: 'http', statusCode: status, headers: {}, body: { kind: 'empty' } };
	const texts = Array.isArray(messages) ? messages.filter((m): m is string => typeof m === 'string') : [];
	if (texts.includes('canceled')) return { kind: 'cancelled' };
	if (texts.some((text) => /^timeout of \d+ms exceeded$/.test(text))) return { kind: 'network', code: 'ECONNABORTED' };
	for (const text of texts) {
		const code = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text)?.[1];
		if (code) return { kind: 'network', code };
	}
	return { kind: 'other', error };
}

function bodyText(data: unknown): string {
	if (typeof data === 'string') return data;
	if (data === undefined || data === null) return '';
	// A streamed body of a thrown error is not read: let go of it.
	if (typeof (data as { pipe?: unknown }).pipe === 'function') {
		discardBody(data);
		return '';
	}
	if (Buffer.isBuffer(data)) return data.toString('utf8');
	return JSON.stringify(data);
}
