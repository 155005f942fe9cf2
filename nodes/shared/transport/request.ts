/**
 * One Flextell call, start to end: pass the shared gate, make an attempt, and let the retry
 * policy decide what follows (return, wait and try again, or fail with an error that says what
 * to do). The jobs live in their own modules: attempt.ts sends and reads one answer,
 * retry-policy.ts decides, rate-gate.ts holds and paces, the clock (clock.ts) waits. One call is
 * four named steps, in a loop: pass the gate, attempt, settle the outcome, wait to retry.
 *
 * All HTTP goes through `httpRequestWithAuthentication`, so n8n signs the request with the OAuth2
 * token, refreshes it on a 401, and applies its proxy and TLS settings.
 */
import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Failure, Outcome } from './attempt';
import { attempt, isRateLimited } from './attempt';
import type { RequestSummary, WaitLimit } from './errors';
import {
	describeGateTooLong,
	describeHttpFailure,
	describeNetworkFailure,
	describeNotJson,
	describeRedirect,
	describeRetryAfterTooLong,
	describeToolTimeUp,
} from './errors';
import type { FailureRecord } from './failure';
import type { Clock } from './clock';
import { systemClock } from './clock';
import type { GateTicket, RateGate } from './rate-gate';
import { rateGates } from './rate-gate';
import type { RateLimitCost } from './rate-limit-cost';
import { rateLimitCostOf } from './rate-limit-cost';
import { readAllowance } from './rate-limit-headers';
import { headerValue } from './headers';
import { failureError } from './node-errors';
import type { SuccessResponse } from './response';
import type { AttemptFailure } from './retry-policy';
import { backoffDelay, decideRetry, parseRetryAfter } from './retry-policy';
import type { CallDeadline, CallPolicy, FlextellCall, RequestContext } from './types';
import { pathOf } from './url';
import { isPlainObject } from './values';

/** One call as it goes through its steps: what it asked, under which policy, and where it is. */
interface CallRun {
	ctx: RequestContext;
	call: FlextellCall;
	policy: CallPolicy;
	clock: Clock;
	signal: AbortSignal | undefined;
	maxWaitMs: number;
	summary: RequestSummary;
	gate: RateGate;
	cost: RateLimitCost;
	/** The earliest of the policy's deadline and the tool-call bound (epoch ms), if any. */
	endsAt: number | undefined;
}

/** What an attempt that failed leads to: a retry after `waitMs`, in the gate or here. */
interface RetryPlan {
	waitMs: number;
	/** The gate holds the retry (a 429): no wait of its own. */
	inGate: boolean;
	fromRetryAfter: boolean;
	label: string;
	/** A 429's wait: past the tool-call bound it is answered as the rate limit, with the seconds. */
	retryAfterHeader?: string;
}

export async function callFlextell(ctx: RequestContext, call: FlextellCall, policy: CallPolicy): Promise<SuccessResponse> {
	const clock = policy.clock ?? systemClock;
	const { toolBound } = policy;
	const ends = [policy.deadline?.at, toolBound?.at].filter((at): at is number => at !== undefined);
	const run: CallRun = {
		ctx,
		call,
		policy,
		clock,
		signal: ctx.getExecutionCancelSignal?.(),
		maxWaitMs: Math.min(policy.maxWaitSeconds, toolBound?.seconds ?? Infinity) * 1000,
		summary: { method: call.method, urlPath: pathOf(call.url), retriesDone: 0 },
		gate: rateGates.gateFor(policy.gateKey, clock),
		cost: rateLimitCostOf(ctx),
		endsAt: ends.length > 0 ? Math.min(...ends) : undefined,
	};
	for (;;) {
		const ticket = await passGate(run);
		const attempted = await attemptOnce(run, ticket);
		const settled = settle(run, ticket, attempted);
		if ('result' in settled) return settled.result;
		await waitToRetry(run, settled);
	}
}

/** Step 1: waits in the shared gate until this request may go; fails when it may not. */
async function passGate(run: CallRun): Promise<GateTicket> {
	const { policy, summary, gate, cost } = run;
	const passed = await gate.pass(run.maxWaitMs, run.signal, run.endsAt);
	if (passed.kind === 'cancelled') throw cancelledError(run.ctx, policy);
	if (passed.kind === 'too-long') throw apiError(run.ctx, describeGateTooLong(passed.delayMs, waitLimitOf(run), summary, passed.reason), policy);
	if (passed.kind === 'past-deadline') {
		const what = passed.probing
			? 'waiting for another request to test the rate limit'
			: `waiting ${passed.delayMs} ms for the rate limit (Retry-After or backoff)`;
		if (toolBoundFirst(run) && !passed.probing) throw apiError(run.ctx, describeGateTooLong(passed.delayMs, waitLimitOf(run), summary, 'unknown'), policy);
		throw pastDeadline(run, what, { rateLimited: true, sent: run.summary.retriesDone > 0 });
	}
	const { ticket } = passed;
	if (passed.waitedMs > 0) cost.waited(ticket.startedAt - passed.waitedMs, ticket.startedAt, passed.held);
	cost.sent(ticket.startedAt, gate);
	return ticket;
}

/** Step 2: sends the request once and hands the gate its answer. */
async function attemptOnce(run: CallRun, ticket: GateTicket): Promise<{ outcome: Outcome; timeoutMs: number; now: number }> {
	const { policy, gate } = run;
	const timeoutMs = attemptTimeout(policy, run.clock, run.endsAt);
	if (timeoutMs === undefined) {
		// No time left: a probe gives its turn back untested, so another request can probe.
		gate.answered(ticket, { rateLimited: true, succeeded: false });
		throw pastDeadline(run, 'sending the request', { rateLimited: false, sent: run.summary.retriesDone > 0 });
	}
	const outcome = await attempt(run.ctx, run.call, timeoutMs);
	const now = run.clock.now();
	const allowance = outcome.kind === 'ok' || outcome.kind === 'http' ? readAllowance(outcome.headers, now) : undefined;
	gate.answered(ticket, { rateLimited: isRateLimited(outcome), succeeded: outcome.kind === 'ok', allowance }, now);
	return { outcome, timeoutMs, now };
}

/** Step 3: what the answer means: the result, an error, or a retry (a 429 also closes the gate). */
function settle(run: CallRun, ticket: GateTicket, attempted: { outcome: Outcome; timeoutMs: number; now: number }): { result: SuccessResponse } | RetryPlan {
	const { ctx, policy, summary } = run;
	const { outcome, timeoutMs, now } = attempted;
	if (outcome.kind === 'ok') return { result: toResult(ctx, outcome, policy, summary) };
	if (outcome.kind === 'cancelled') throw cancelledError(ctx, policy);
	if (outcome.kind === 'other') throw withItemIndex(outcome.error, policy.itemIndex);
	if (run.endsAt !== undefined && outcome.kind === 'network' && timeoutMs < policy.timeoutMs && isTimeout(outcome.code)) {
		throw pastDeadline(run, `waiting for the answer (${timeoutMs} ms were left)`, { rateLimited: false, sent: true });
	}
	return retryOrFail(run, ticket, outcome, now);
}

/** The retry decision for a failed attempt; a 429 closes the gate for everyone, retried or not. */
function retryOrFail(run: CallRun, ticket: GateTicket, outcome: Exclude<Failure, { kind: 'cancelled' | 'other' }>, now: number): RetryPlan {
	const { ctx, policy, summary, clock, maxWaitMs } = run;
	const retryAfter = outcome.kind === 'http' ? headerValue(outcome.headers, 'retry-after') : undefined;
	const failure: AttemptFailure = outcome.kind === 'http' ? { kind: 'http', statusCode: outcome.statusCode, retryAfter } : { kind: 'network', code: outcome.code };
	const decision = decideRetry(failure, { method: run.call.method, retriesDone: summary.retriesDone, maxRetries: policy.maxRetries, maxWaitMs, now, random: clock.random });
	// Until the moment Flextell named, or, without one, for the gate's shared backoff step.
	let opensAt: number | undefined;
	if (isRateLimited(outcome)) {
		run.cost.rateLimited();
		opensAt = run.gate.rateLimited(ticket, now, parseRetryAfter(retryAfter, now), (level) => Math.min(maxWaitMs, backoffDelay(level, clock.random)));
	}
	if (!decision.retry) {
		if (decision.reason === 'wait-too-long') throw apiError(ctx, describeRetryAfterTooLong(decision.waitMs, waitLimitOf(run), retryAfter, summary), policy);
		throw apiError(ctx, describeFailure(outcome, summary, policy.timeoutMs, now), policy);
	}
	// A 429's wait happens in the gate at the next pass, together with everyone else's.
	const waitMs = opensAt === undefined ? decision.waitMs : Math.max(0, opensAt - now);
	return { waitMs, inGate: opensAt !== undefined, fromRetryAfter: decision.fromRetryAfter, label: failureLabel(outcome), ...(opensAt !== undefined ? { retryAfterHeader: retryAfter ?? '' } : {}) };
}

/** Step 4: says what is retried and why, and waits (unless the gate does) within the deadline. */
async function waitToRetry(run: CallRun, plan: RetryPlan): Promise<void> {
	const { policy, summary } = run;
	if (run.endsAt !== undefined && run.clock.now() + plan.waitMs > run.endsAt) {
		// A 429 past the tool-call bound: the rate-limit answer, with the seconds Flextell named
		// (or, without a Retry-After, the gate's backoff step).
		if (toolBoundFirst(run) && plan.retryAfterHeader !== undefined) {
			const limit = waitLimitOf(run);
			throw apiError(
				run.ctx,
				plan.retryAfterHeader !== ''
					? describeRetryAfterTooLong(plan.waitMs, limit, plan.retryAfterHeader, summary)
					: { ...describeGateTooLong(plan.waitMs, limit, summary, 'rate-limited'), sent: true },
				policy,
			);
		}
		throw pastDeadline(run, `waiting ${plan.waitMs} ms before retry ${summary.retriesDone + 1}`, { rateLimited: plan.retryAfterHeader !== undefined, sent: true });
	}
	summary.retriesDone += 1;
	run.ctx.logger?.info(
		`Flextell: ${plan.label} on ${summary.method} ${summary.urlPath}; waiting ${plan.waitMs} ms ` +
			`(${plan.fromRetryAfter ? 'Retry-After' : 'backoff'}) before retry ${summary.retriesDone} of ${policy.maxRetries}`,
	);
	if (!plan.inGate && !(await run.clock.sleep(plan.waitMs, run.signal))) throw cancelledError(run.ctx, policy);
}

/** The attempt's timeout: the policy's, cut to the time left before the deadline (undefined: none left). */
function attemptTimeout(policy: CallPolicy, clock: Clock, endsAt: number | undefined): number | undefined {
	if (endsAt === undefined) return policy.timeoutMs;
	const left = endsAt - clock.now();
	return left <= 0 ? undefined : Math.min(policy.timeoutMs, left);
}

/** Whether the bound the call meets first is the tool call's (else the policy's deadline). */
function toolBoundFirst(run: CallRun): boolean {
	const { toolBound, deadline } = run.policy;
	return toolBound !== undefined && (deadline === undefined || toolBound.at <= deadline.at);
}

/** The most this call may wait: the node's Max Wait, or the tool-call bound when that is shorter. */
function waitLimitOf(run: CallRun): WaitLimit {
	const { toolBound, maxWaitSeconds } = run.policy;
	return toolBound !== undefined && toolBound.seconds < maxWaitSeconds ? { seconds: toolBound.seconds, tool: true } : { seconds: maxWaitSeconds, tool: false };
}

/**
 * The call would run past its end: the tool-call bound's failure, or the deadline's own error.
 * `rateLimited`: it was waiting for the rate limit; `sent`: a request of the call went out.
 */
function pastDeadline(run: CallRun, what: string, facts: { rateLimited: boolean; sent: boolean }): Error {
	const { policy, summary } = run;
	if (toolBoundFirst(run)) return apiError(run.ctx, describeToolTimeUp({ seconds: policy.toolBound!.seconds, tool: true }, what, summary, facts), policy);
	return (policy.deadline as CallDeadline).error(`${summary.method} ${summary.urlPath}: ${what}`);
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

function describeFailure(failure: Exclude<Failure, { kind: 'cancelled' | 'other' }>, summary: RequestSummary, timeoutMs: number, now: number): FailureRecord {
	if (failure.kind === 'network') return describeNetworkFailure(failure.code, summary, timeoutMs);
	if (failure.statusCode >= 300 && failure.statusCode < 400) {
		return describeRedirect(failure.statusCode, headerValue(failure.headers, 'location'), summary);
	}
	const retryAfterHeader = headerValue(failure.headers, 'retry-after');
	return describeHttpFailure(failure.statusCode, failure.body, summary, { retryAfterHeader, retryAfterMs: parseRetryAfter(retryAfterHeader, now) });
}

function failureLabel(failure: Failure): string {
	if (failure.kind === 'http') return `HTTP ${failure.statusCode}`;
	if (failure.kind === 'network') return failure.code ?? 'network error';
	return failure.kind;
}

function apiError(ctx: RequestContext, failure: FailureRecord, policy: CallPolicy): NodeApiError {
	return failureError(ctx.getNode(), failure, policy.secrets ?? [], policy.itemIndex);
}

/** The error of a call whose execution was cancelled while it waited (here, or for a shared answer). */
export function cancelledError(ctx: RequestContext, policy: Pick<CallPolicy, 'itemIndex'>): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), 'The execution was cancelled while the Flextell request was waiting', {
		itemIndex: policy.itemIndex,
	});
}

function withItemIndex(error: unknown, itemIndex: number): unknown {
	const context = (error as { context?: IDataObject })?.context;
	if (isPlainObject(context) && context.itemIndex === undefined) context.itemIndex = itemIndex;
	return error;
}
