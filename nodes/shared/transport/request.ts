/**
 * One Flextell call, start to end: pass the shared gate, make an attempt, and let the retry
 * policy decide what follows (return, wait and try again, or fail with an error that says what
 * to do). The jobs live in their own modules: attempt.ts sends and reads one answer,
 * retry-policy.ts decides, rate-gate.ts holds and paces, the clock (clock.ts) waits.
 *
 * All HTTP goes through `httpRequestWithAuthentication`, so n8n signs the request with the OAuth2
 * token, refreshes it on a 401, and applies its proxy and TLS settings.
 */
import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Failure, Outcome } from './attempt';
import { attempt, isRateLimited } from './attempt';
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
import type { Clock } from './clock';
import { systemClock } from './clock';
import { rateGates } from './rate-gate';
import { rateLimitCostOf } from './rate-limit-cost';
import { readAllowance } from './rate-limit-headers';
import type { SuccessResponse } from './response';
import { headerValue, isPlainObject } from './response';
import type { AttemptFailure } from './retry-policy';
import { backoffDelay, decideRetry, parseRetryAfter } from './retry-policy';
import type { CallDeadline, CallPolicy, FlextellCall, RequestContext } from './types';
import { pathOf } from './url';

export async function callFlextell(ctx: RequestContext, call: FlextellCall, policy: CallPolicy): Promise<SuccessResponse> {
	const signal = ctx.getExecutionCancelSignal?.();
	const clock = policy.clock ?? systemClock;
	const maxWaitMs = policy.maxWaitSeconds * 1000;
	const summary: RequestSummary = { method: call.method, urlPath: pathOf(call.url), retriesDone: 0 };
	const gate = rateGates.gateFor(policy.gateKey, clock);

	const cost = rateLimitCostOf(ctx);

	for (;;) {
		const passed = await gate.pass(maxWaitMs, signal, policy.deadline?.at);
		if (passed.kind === 'cancelled') throw cancelledError(ctx, policy);
		if (passed.kind === 'too-long') throw apiError(ctx, describeGateTooLong(passed.delayMs, policy.maxWaitSeconds, summary, passed.reason), policy);
		if (passed.kind === 'past-deadline') {
			const what = passed.probing
				? 'waiting for another request to test the rate limit'
				: `waiting ${passed.delayMs} ms for the rate limit (Retry-After or backoff)`;
			throw pastDeadline(policy.deadline!, summary, what);
		}
		const { ticket } = passed;
		if (passed.waitedMs > 0) cost.waited(ticket.startedAt - passed.waitedMs, ticket.startedAt, passed.held);
		cost.sent(ticket.startedAt, gate);

		const timeoutMs = attemptTimeout(policy, clock);
		if (timeoutMs === undefined) {
			// No time left: a probe gives its turn back untested, so another request can probe.
			gate.answered(ticket, { rateLimited: true, succeeded: false });
			throw pastDeadline(policy.deadline!, summary, 'sending the request');
		}
		const outcome = await attempt(ctx, call, timeoutMs);
		const now = clock.now();
		gate.answered(
			ticket,
			{
				rateLimited: isRateLimited(outcome),
				succeeded: outcome.kind === 'ok',
				allowance: outcome.kind === 'ok' || outcome.kind === 'http' ? readAllowance(outcome.headers, now) : undefined,
			},
			now,
		);
		if (outcome.kind === 'ok') return toResult(ctx, outcome, policy, summary);
		if (outcome.kind === 'cancelled') throw cancelledError(ctx, policy);
		if (outcome.kind === 'other') throw withItemIndex(outcome.error, policy.itemIndex);
		if (policy.deadline && outcome.kind === 'network' && timeoutMs < policy.timeoutMs && isTimeout(outcome.code)) {
			throw pastDeadline(policy.deadline, summary, `waiting for the answer (${timeoutMs} ms were left)`);
		}

		const failure: AttemptFailure =
			outcome.kind === 'http'
				? { kind: 'http', statusCode: outcome.statusCode, retryAfter: headerValue(outcome.headers, 'retry-after') }
				: { kind: 'network', code: outcome.code };
		const decision = decideRetry(failure, {
			method: call.method,
			retriesDone: summary.retriesDone,
			maxRetries: policy.maxRetries,
			maxWaitMs,
			now,
			random: clock.random,
		});
		// A 429 closes the gate for everyone (also when this request gives up): until the moment
		// Flextell named, or, without one, for the gate's shared backoff step.
		let opensAt: number | undefined;
		if (isRateLimited(outcome)) {
			cost.rateLimited();
			const asked = parseRetryAfter(failure.kind === 'http' ? failure.retryAfter : undefined, now);
			opensAt = gate.rateLimited(ticket, now, asked, (level) => Math.min(maxWaitMs, backoffDelay(level, clock.random)));
		}

		if (!decision.retry) {
			if (decision.reason === 'wait-too-long') {
				const header = outcome.kind === 'http' ? headerValue(outcome.headers, 'retry-after') : undefined;
				throw apiError(ctx, describeRetryAfterTooLong(decision.waitMs, policy.maxWaitSeconds, header, summary), policy);
			}
			throw apiError(ctx, describeFailure(outcome, summary, policy.timeoutMs), policy);
		}

		// A 429's wait happens in the gate at the top of the loop, together with everyone else's.
		const waitMs = opensAt === undefined ? decision.waitMs : Math.max(0, opensAt - now);
		checkDeadline(policy, clock, summary, waitMs, `waiting ${waitMs} ms before retry ${summary.retriesDone + 1}`);
		summary.retriesDone += 1;
		ctx.logger?.info(
			`Flextell: ${failureLabel(outcome)} on ${summary.method} ${summary.urlPath}; waiting ${waitMs} ms ` +
				`(${decision.fromRetryAfter ? 'Retry-After' : 'backoff'}) before retry ${summary.retriesDone} of ${policy.maxRetries}`,
		);
		if (opensAt === undefined && !(await clock.sleep(decision.waitMs, signal))) throw cancelledError(ctx, policy);
	}
}

/** The attempt's timeout: the policy's, cut to the time left before the deadline (undefined: none left). */
function attemptTimeout(policy: CallPolicy, clock: Clock): number | undefined {
	const { deadline } = policy;
	if (!deadline) return policy.timeoutMs;
	const left = deadline.at - clock.now();
	return left <= 0 ? undefined : Math.min(policy.timeoutMs, left);
}

/** Fails now when waiting `ms` would end past the deadline (a wait never outlives it). */
function checkDeadline(policy: CallPolicy, clock: Clock, summary: RequestSummary, ms: number, what: string): void {
	const { deadline } = policy;
	if (deadline && clock.now() + ms > deadline.at) throw pastDeadline(deadline, summary, what);
}

function pastDeadline(deadline: CallDeadline, summary: RequestSummary, what: string): Error {
	return deadline.error(`${summary.method} ${summary.urlPath}: ${what}`);
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

function isTimeout(code: string | undefined): boolean {
	return code !== undefined && TIMEOUT_CODES.has(code);
}

function toResult(ctx: RequestContext, outcome: Extract<Outcome, { kind: 'ok' }>, policy: CallPolicy, summary: RequestSummary): SuccessResponse {
	const { statusCode, headers, body } = outcome;
	if (body.kind !== 'json' && body.kind !== 'empty') throw apiError(ctx, describeNotJson(statusCode, body, summary), policy);
	return { statusCode, headers, body };
}

function describeFailure(failure: Exclude<Failure, { kind: 'cancelled' | 'other' }>, summary: RequestSummary, timeoutMs: number): FailureReport {
	if (failure.kind === 'network') return describeNetworkFailure(failure.code, summary, timeoutMs);
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
