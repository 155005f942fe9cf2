import type { IExecuteFunctions } from 'n8n-workflow';

import { describeRateLimitCost, systemClock, takeRateLimitCost } from '../shared/transport';

/**
 * Tells the user what the rate limit cost this run, where they look: an execution hint on the
 * output pane (n8n versions that have `addExecutionHints`), n8n's log otherwise. Says nothing when
 * no request was held or rate-limited.
 */
export function reportRateLimitCost(ctx: IExecuteFunctions, startedAt: number): void {
	const message = describeRateLimitCost(takeRateLimitCost(ctx), systemClock.now() - startedAt);
	if (message === undefined) return;
	if (typeof ctx.addExecutionHints === 'function') ctx.addExecutionHints({ message, type: 'info', location: 'outputPane' });
	else ctx.logger?.info(message, { node: ctx.getNode().name });
}
