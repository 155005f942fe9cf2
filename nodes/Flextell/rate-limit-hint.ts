import type { IExecuteFunctions } from 'n8n-workflow';

import { describeRateLimitCost, describeRateLimitDetails, systemClock, takeRateLimitCost } from '../shared/transport';

/**
 * Tells the user what the rate limit cost this run, where they look: an execution hint on the
 * output pane (n8n versions that have `addExecutionHints`), n8n's log otherwise. Says nothing when
 * no request was held or rate-limited. The whole record (time held per reason, requests per
 * window, what the gate learned and when) goes to n8n's log at level info, with the figures as
 * data (`flextellRateLimit`), so the cause of every slow second is named, also per worker in
 * queue mode.
 */
export function reportRateLimitCost(ctx: IExecuteFunctions, startedAt: number): void {
	const cost = takeRateLimitCost(ctx);
	const message = describeRateLimitCost(cost, systemClock.now() - startedAt);
	if (message === undefined) return;
	const details = describeRateLimitDetails(cost);
	if (details) ctx.logger?.info(details, { node: ctx.getNode().name, executionId: ctx.getExecutionId(), flextellRateLimit: cost.details() });
	if (typeof ctx.addExecutionHints === 'function') ctx.addExecutionHints({ message, type: 'info', location: 'outputPane' });
	else ctx.logger?.info(message, { node: ctx.getNode().name });
}
