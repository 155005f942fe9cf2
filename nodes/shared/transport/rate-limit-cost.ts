/**
 * What the rate limit cost one node run: how long its requests were held (wall-clock time during
 * which at least one of them waited, so concurrent waits count once), how many times a request
 * was held, and how many 429s came back. Kept per n8n context object (one per node run), so the
 * request code does not need to hand it around; the node reads it at the end of its run.
 */
export class RateLimitCost {
	waitedMs = 0;
	holds = 0;
	rateLimits = 0;
	private coveredUntil = 0;

	/** A request was held from `from` to `to` (epoch ms). */
	waited(from: number, to: number): void {
		this.holds += 1;
		const start = Math.max(from, this.coveredUntil);
		if (to > start) this.waitedMs += to - start;
		this.coveredUntil = Math.max(this.coveredUntil, to);
	}

	rateLimited(): void {
		this.rateLimits += 1;
	}

	get any(): boolean {
		return this.holds > 0 || this.rateLimits > 0;
	}
}

const costs = new WeakMap<object, RateLimitCost>();

export function rateLimitCostOf(ctx: object): RateLimitCost {
	let cost = costs.get(ctx);
	if (!cost) {
		cost = new RateLimitCost();
		costs.set(ctx, cost);
	}
	return cost;
}

/** What the limit cost the run of `ctx`, forgotten as it is read (the run is over). */
export function takeRateLimitCost(ctx: object): RateLimitCost {
	const cost = rateLimitCostOf(ctx);
	costs.delete(ctx);
	return cost;
}

/** A run that spent at least this share of its time waiting gets the seed's advice. */
export const LARGE_SHARE = 0.25;

/**
 * The hint for a run that the rate limit slowed down, or undefined when it did not. `runMs` is the
 * whole run's wall-clock time.
 */
export function describeRateLimitCost(cost: RateLimitCost, runMs: number): string | undefined {
	if (!cost.any) return undefined;
	const seconds = (cost.waitedMs / 1000).toFixed(1);
	const share = runMs > 0 ? cost.waitedMs / runMs : 0;
	const parts = [
		`Flextell's rate limit held requests for ${seconds} s of this run (${Math.round(share * 100)} %)`,
		`${cost.holds} ${cost.holds === 1 ? 'hold' : 'holds'}`,
		`${cost.rateLimits} × HTTP 429`,
	];
	let text = `${parts.join(', ')}.`;
	if (share >= LARGE_SHARE) {
		text +=
			' To finish faster, send fewer requests (filter or deduplicate the items first, or reuse earlier results),' +
			' or contact Flextell support about a higher tier if you regularly reach the limit.';
	}
	return text;
}
