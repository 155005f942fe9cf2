/**
 * One Flextell call: authenticated request, shared 429 gate, retries with Retry-After or
 * backoff, and the mapping of every failure to an error that says what to do.
 *
 * All HTTP goes through `httpRequestWithAuthentication`, so n8n signs the request with the OAuth2
 * token, refreshes it on a 401, and applies its proxy and TLS settings.
 */
import type { IDataObject, IHttpRequestOptions, INode, Logger } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { FailureReport, RequestSummary } from './errors';
import {
	describeGateTooLong,
	describeHttpFailure,
	describeNetworkFailure,
	describeNotJson,
	describeRedirect,
	describeRetryAfterTooLong,
	redact,
} from './errors';
import { backOffGate, endProbe, enterGate, gateDelay, gateSucceeded, holdGate } from './rate-gate';
import type { ParsedBody } from './response';
import { headerValue, isPlainObject, parseBody, plainHeaders } from './response';
import type { AttemptFailure, HttpMethod } from './retry-policy';
import { backoffDelay, decideRetry, parseRetryAfter } from './retry-policy';
import { waitFor } from './wait';

export const CREDENTIAL_TYPE = 'flextellOAuth2Api';

/** The parts of n8n's execute / poll contexts this module uses. */
export interface RequestContext {
	getNode(): INode;
	helpers: {
		httpRequestWithAuthentication(credentialsType: string, requestOptions: IHttpRequestOptions): Promise<unknown>;
	};
	logger?: Pick<Logger, 'info'>;
	getExecutionCancelSignal?(): AbortSignal | undefined;
}

export interface FlextellCall {
	method: HttpMethod;
	/** Absolute URL, already checked by `buildRequestUrl` / `resolveWithinPrefix`. */
	url: string;
	qs?: IDataObject;
	/** JSON-serialisable body, sent as `application/json`. */
	body?: unknown;
	headers?: Record<string, string>;
}

export interface CallPolicy {
	itemIndex: number;
	gateKey: string;
	timeoutMs: number;
	maxRetries: number;
	maxWaitSeconds: number;
	/** Values that must never appear in an error (e.g. the stored tokens). */
	secrets?: ReadonlyArray<string | undefined>;
	/** When the whole call (attempts, waits, retries) must be over; none: only the limits above. */
	deadline?: CallDeadline;
}

/**
 * A moment the call must not run past, e.g. a trigger poll's time budget. Each attempt's timeout
 * is cut to the time left, and a wait that would end after it fails at once with `error(what)`:
 * the caller words the error, this module only says what did not fit.
 */
export interface CallDeadline {
	/** Epoch ms. */
	at: number;
	error(what: string): Error;
}

export interface FlextellResult {
	statusCode: number;
	headers: IDataObject;
	body: Extract<ParsedBody, { kind: 'empty' | 'json' }>;
}

type Failure =
	| { kind: 'http'; statusCode: number; headers: IDataObject; body: ParsedBody }
	| { kind: 'network'; code?: string }
	| { kind: 'cancelled' }
	| { kind: 'other'; error: unknown };

export async function callFlextell(ctx: RequestContext, call: FlextellCall, policy: CallPolicy): Promise<FlextellResult> {
	const signal = ctx.getExecutionCancelSignal?.();
	const maxWaitMs = policy.maxWaitSeconds * 1000;
	const summary: RequestSummary = { method: call.method, urlPath: pathOf(call.url), retriesDone: 0 };

	for (;;) {
		const turn = await passGate(ctx, policy, summary, signal);

		const timeoutMs = attemptTimeout(policy, summary, turn);
		let failure: Failure;
		try {
			const response = fullResponse(await send(ctx, call, timeoutMs));
			const body = parseBody(response.body, headerValue(response.headers, 'content-type'));
			if (response.statusCode >= 200 && response.statusCode < 300) {
				gateSucceeded(policy.gateKey);
				return toResult(ctx, response, body, policy, summary);
			}
			failure = { kind: 'http', statusCode: response.statusCode, headers: response.headers, body };
		} catch (error) {
			failure = classify(error);
		} finally {
			if (turn === 'probe') endProbe(policy.gateKey, isRateLimited(failure!));
		}

		if (failure.kind === 'cancelled') throw cancelledError(ctx, policy);
		if (failure.kind === 'other') throw withItemIndex(failure.error, policy.itemIndex);
		if (policy.deadline && failure.kind === 'network' && timeoutMs < policy.timeoutMs && isTimeout(failure.code)) {
			throw pastDeadline(policy.deadline, summary, `waiting for the answer (${timeoutMs} ms were left)`);
		}

		const attempt: AttemptFailure =
			failure.kind === 'http'
				? { kind: 'http', statusCode: failure.statusCode, retryAfter: headerValue(failure.headers, 'retry-after') }
				: { kind: 'network', code: failure.code };
		const now = Date.now();
		const decision = decideRetry(attempt, {
			method: call.method,
			retriesDone: summary.retriesDone,
			maxRetries: policy.maxRetries,
			maxWaitMs,
			now,
		});

		let waitMs = decision.retry ? decision.waitMs : 0;
		if (attempt.kind === 'http' && attempt.statusCode === 429) {
			// Hold every request with this credential until the moment Flextell named, or, without
			// one, for the gate's shared backoff step.
			const asked = parseRetryAfter(attempt.retryAfter, now);
			if (asked !== undefined) holdGate(policy.gateKey, now + asked);
			else {
				const opensAt = backOffGate(policy.gateKey, now, (level) => Math.min(maxWaitMs, backoffDelay(level)));
				waitMs = opensAt - now;
			}
		}

		if (!decision.retry) {
			if (decision.reason === 'wait-too-long') {
				const header = failure.kind === 'http' ? headerValue(failure.headers, 'retry-after') : undefined;
				throw apiError(ctx, describeRetryAfterTooLong(decision.waitMs, policy.maxWaitSeconds, header, summary), policy);
			}
			throw apiError(ctx, describeFailure(failure, summary, policy.timeoutMs), policy);
		}

		checkDeadline(policy, summary, waitMs, `waiting ${waitMs} ms before retry ${summary.retriesDone + 1}`);
		summary.retriesDone += 1;
		ctx.logger?.info(
			`Flextell: ${failureLabel(failure)} on ${summary.method} ${summary.urlPath}; waiting ${waitMs} ms ` +
				`(${decision.fromRetryAfter ? 'Retry-After' : 'backoff'}) before retry ${summary.retriesDone} of ${policy.maxRetries}`,
		);
		// A 429's wait happens in the gate at the top of the loop, together with everyone else's.
		if (!(failure.kind === 'http' && failure.statusCode === 429)) {
			await wait(ctx, decision.waitMs, signal, policy);
		}
	}
}

/** How often a request waiting for another's probe looks again. */
const PROBE_POLL_MS = 50;

/**
 * Waits until the gate lets this request send: past the held moment, and, after a backoff, until
 * the probing request got through. Returns 'probe' when this request is the probe.
 */
async function passGate(
	ctx: RequestContext,
	policy: CallPolicy,
	summary: RequestSummary,
	signal?: AbortSignal,
): Promise<'go' | 'probe'> {
	const maxWaitMs = policy.maxWaitSeconds * 1000;
	const giveUpAt = Date.now() + maxWaitMs;
	for (;;) {
		const delay = gateDelay(policy.gateKey);
		if (delay > maxWaitMs) throw apiError(ctx, describeGateTooLong(delay, policy.maxWaitSeconds, summary), policy);
		if (delay > 0) {
			checkDeadline(policy, summary, delay, `waiting ${delay} ms for the rate limit (Retry-After or backoff)`);
			await wait(ctx, delay, signal, policy);
			continue;
		}
		const turn = enterGate(policy.gateKey);
		if (turn !== 'wait') return turn;
		// Another request is testing the limit: its answer (bounded by its timeout) decides.
		if (Date.now() > giveUpAt) throw apiError(ctx, describeGateTooLong(maxWaitMs, policy.maxWaitSeconds, summary), policy);
		checkDeadline(policy, summary, PROBE_POLL_MS, 'waiting for another request to test the rate limit');
		await wait(ctx, PROBE_POLL_MS, signal, policy);
	}
}

/**
 * The attempt's timeout: the policy's, cut to the time left before the deadline. With no time
 * left a probe gives its turn back untested, so another request can probe.
 */
function attemptTimeout(policy: CallPolicy, summary: RequestSummary, turn: 'go' | 'probe'): number {
	const { deadline } = policy;
	if (!deadline) return policy.timeoutMs;
	const left = deadline.at - Date.now();
	if (left <= 0) {
		if (turn === 'probe') endProbe(policy.gateKey, true);
		throw pastDeadline(deadline, summary, 'sending the request');
	}
	return Math.min(policy.timeoutMs, left);
}

/** Fails now when waiting `ms` would end past the deadline (a wait never outlives it). */
function checkDeadline(policy: CallPolicy, summary: RequestSummary, ms: number, what: string): void {
	const { deadline } = policy;
	if (deadline && Date.now() + ms > deadline.at) throw pastDeadline(deadline, summary, what);
}

function pastDeadline(deadline: CallDeadline, summary: RequestSummary, what: string): Error {
	return deadline.error(`${summary.method} ${summary.urlPath}: ${what}`);
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

function isTimeout(code: string | undefined): boolean {
	return code !== undefined && TIMEOUT_CODES.has(code);
}

function isRateLimited(failure: Failure | undefined): boolean {
	return failure?.kind === 'http' && failure.statusCode === 429;
}

async function wait(ctx: RequestContext, ms: number, signal: AbortSignal | undefined, policy: CallPolicy) {
	if (!(await waitFor(ms, signal))) throw cancelledError(ctx, policy);
}

/**
 * Sends one attempt. Error statuses come back as responses, not exceptions, so their status,
 * headers (Retry-After) and Flextell's body are always at hand: n8n 1.x drops the response from
 * the errors it throws. A 401 is the exception: n8n's OAuth2 helper refreshes the token only when
 * the request throws it. n8n 2.x throws it straight away (`except: [401]`); n8n 1.x knows only
 * `ignoreHttpStatusErrors: true`, returns the 401, and gets the request once more with status
 * errors on, so that n8n refreshes the token and repeats the request with the new one.
 */
async function send(ctx: RequestContext, call: FlextellCall, timeoutMs: number): Promise<unknown> {
	const request = (ignoreHttpStatusErrors: IHttpRequestOptions['ignoreHttpStatusErrors']) =>
		ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
			...toRequestOptions(call, timeoutMs),
			ignoreHttpStatusErrors,
		});
	const response = await request({ ignore: true, except: [401] });
	if (fullResponse(response).statusCode !== 401) return response;
	return await request(false);
}

interface FullResponse {
	statusCode: number;
	headers: IDataObject;
	body: unknown;
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
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		timeout: timeoutMs,
		// A redirect could carry the bearer token to another host: never follow one.
		disableFollowRedirect: true,
	};
}

function toResult(
	ctx: RequestContext,
	response: FullResponse,
	body: ParsedBody,
	policy: CallPolicy,
	summary: RequestSummary,
): FlextellResult {
	if (body.kind === 'not-json') throw apiError(ctx, describeNotJson(response.statusCode, body, summary), policy);
	return { statusCode: response.statusCode, headers: response.headers, body };
}

/** Finds what went wrong inside whatever n8n threw (it wraps axios errors in NodeApiError). */
export function classify(error: unknown): Failure {
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
				body: parseBody(bodyText(response.data), headerValue(headers, 'content-type')),
			};
		}
	}
	for (const candidate of candidates) {
		const code = (candidate as { code?: unknown })?.code;
		if (typeof code !== 'string') continue;
		if (code === 'ERR_CANCELED' || (candidate as Error).name === 'CanceledError') return { kind: 'cancelled' };
		if (/^E[A-Z_]+$/.test(code) || code === 'ERR_SOCKET_CONNECTION_TIMEOUT') return { kind: 'network', code };
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
	if (Buffer.isBuffer(data)) return data.toString('utf8');
	return JSON.stringify(data);
}

function describeFailure(failure: Failure, summary: RequestSummary, timeoutMs: number): FailureReport {
	if (failure.kind === 'network') return describeNetworkFailure(failure.code, summary, timeoutMs);
	if (failure.kind !== 'http') throw new Error('unreachable');
	if (failure.statusCode >= 300 && failure.statusCode < 400) {
		return describeRedirect(failure.statusCode, headerValue(failure.headers, 'location'), summary);
	}
	return describeHttpFailure(failure.statusCode, failure.body, summary, {
		retryAfterHeader: headerValue(failure.headers, 'retry-after'),
	});
}

function failureLabel(failure: Failure): string {
	if (failure.kind === 'http') return `HTTP ${failure.statusCode}`;
	if (failure.kind === 'network') return failure.code ?? 'network error';
	return failure.kind;
}

function apiError(ctx: RequestContext, report: FailureReport, policy: CallPolicy): NodeApiError {
	const message = redact(report.message, policy.secrets ?? []);
	const description = redact(report.description, policy.secrets ?? []);
	const error = new NodeApiError(
		ctx.getNode(),
		{ error: report.code, message, ...(report.statusCode ? { statusCode: report.statusCode } : {}) },
		{
			message,
			description,
			httpCode: report.statusCode ? String(report.statusCode) : undefined,
			itemIndex: policy.itemIndex,
		},
	);
	return error;
}

function cancelledError(ctx: RequestContext, policy: CallPolicy): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), 'The execution was cancelled while the Flextell request was waiting', {
		itemIndex: policy.itemIndex,
	});
}

function withItemIndex(error: unknown, itemIndex: number): unknown {
	const context = (error as { context?: IDataObject })?.context;
	if (isPlainObject(context) && context.itemIndex === undefined) context.itemIndex = itemIndex;
	return error;
}

function pathOf(url: string): string {
	const parsed = new URL(url);
	return parsed.pathname;
}
