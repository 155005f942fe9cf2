/**
 * How long one poll may run. A poll that outlives the gap to the next poll time makes n8n start
 * the next one beside it; the poll lock skips that one, but a poll stuck behind a long
 * Retry-After would still hold the trigger for minutes. So the whole poll (waits, retries, pages)
 * gets a budget tied to its schedule:
 *
 *   budget = the shortest gap between two poll times, minus a tenth of it (at least 2 s),
 *            kept between 5 s and 5 minutes (n8n's own default poll budget),
 *            and never above the budget n8n gives the poll, where it gives one.
 *
 * The gap is read from the Poll Times the way n8n turns them into cron expressions. Only the
 * second, minute and hour fields count (a schedule on some days only is taken as daily: its gaps
 * can only come out shorter). For the presets n8n draws the second (and for "every X hours" the
 * minute) at random when the workflow is activated; the node cannot see it and takes 0.
 * Expressions it cannot read count as every minute, the shortest schedule n8n accepts.
 */

const POLL_BUDGET = {
	floorMs: 5_000,
	ceilingMs: 5 * 60_000,
	minMarginMs: 2_000,
	marginShare: 0.1,
} as const;

const DAY_SECONDS = 24 * 60 * 60;
const EVERY_MINUTE = '0 * * * * *';
const EVERY_MINUTE_FIELDS: TimeFields = {
	seconds: [0],
	minutes: Array.from({ length: 60 }, (_, minute) => minute),
	hours: Array.from({ length: 24 }, (_, hour) => hour),
};

export interface PollBudget {
	/** Milliseconds the poll may run. */
	ms: number;
	/** The shortest gap between two poll times, in seconds. */
	gapSeconds: number;
}

/** The budget for the node's `pollTimes` parameter; `engineBudgetMs`: what n8n allows, if anything. */
export function pollBudget(pollTimes: unknown, engineBudgetMs?: number): PollBudget {
	const gapSeconds = shortestGapSeconds(pollTimes);
	const gapMs = gapSeconds * 1000;
	const margin = Math.max(POLL_BUDGET.minMarginMs, gapMs * POLL_BUDGET.marginShare);
	let ms = Math.min(POLL_BUDGET.ceilingMs, Math.max(POLL_BUDGET.floorMs, gapMs - margin));
	if (typeof engineBudgetMs === 'number' && Number.isFinite(engineBudgetMs) && engineBudgetMs > 0) ms = Math.min(ms, engineBudgetMs);
	return { ms: Math.floor(ms), gapSeconds };
}

/** The shortest gap, in seconds, between two moments of the day the Poll Times fire at. */
export function shortestGapSeconds(pollTimes: unknown): number {
	const items = (pollTimes as { item?: unknown } | null | undefined)?.item;
	const entries = Array.isArray(items) && items.length ? items : [{ mode: 'everyMinute' }];
	const fires = new Uint8Array(DAY_SECONDS);
	for (const entry of entries) {
		const fields = cronFields(cronOf(entry)) ?? EVERY_MINUTE_FIELDS;
		for (const hour of fields.hours) {
			for (const minute of fields.minutes) {
				for (const second of fields.seconds) fires[hour * 3600 + minute * 60 + second] = 1;
			}
		}
	}
	let first = -1;
	let previous = -1;
	let gap = DAY_SECONDS;
	for (let at = 0; at < DAY_SECONDS; at++) {
		if (!fires[at]) continue;
		if (first === -1) first = at;
		else gap = Math.min(gap, at - previous);
		previous = at;
	}
	if (first !== -1 && previous !== first) gap = Math.min(gap, first + DAY_SECONDS - previous);
	return gap;
}

/** n8n's cron expression for one Poll Times entry, with 0 where n8n draws a random value. */
export function cronOf(entry: unknown): string {
	const item = (entry ?? {}) as Record<string, unknown>;
	const n = (value: unknown, fallback = 0): string => (Number.isInteger(Number(value)) ? String(Number(value)) : String(fallback));
	switch (item.mode) {
		case 'everyMinute':
			return '0 * * * * *';
		case 'everyHour':
			return `0 ${n(item.minute)} * * * *`;
		case 'everyX':
			if (item.unit === 'minutes') return `0 */${n(item.value, 1)} * * * *`;
			if (item.unit === 'hours') return `0 0 */${n(item.value, 1)} * * *`;
			return EVERY_MINUTE;
		case 'everyDay':
		case 'everyWeek':
		case 'everyMonth':
			return `0 ${n(item.minute)} ${n(item.hour)} * * *`;
		case 'custom':
			return typeof item.cronExpression === 'string' ? item.cronExpression.trim() : EVERY_MINUTE;
		default:
			return EVERY_MINUTE;
	}
}

interface TimeFields {
	seconds: number[];
	minutes: number[];
	hours: number[];
}

/** The second, minute and hour fields of a 5- or 6-field cron expression; undefined if unreadable. */
export function cronFields(expression: string): TimeFields | undefined {
	const parts = expression.trim().split(/\s+/);
	if (parts.length !== 5 && parts.length !== 6) return undefined;
	const [second, minute, hour] = parts.length === 6 ? parts : ['0', ...parts];
	const seconds = cronField(second, 0, 59);
	const minutes = cronField(minute, 0, 59);
	const hours = cronField(hour, 0, 23);
	return seconds && minutes && hours ? { seconds, minutes, hours } : undefined;
}

/** One cron field (`*`, `?`, `5`, `1-5`, `*\/15`, `10-40/5`, `7/10`, lists of these) as its values. */
function cronField(field: string, min: number, max: number): number[] | undefined {
	const values = new Set<number>();
	for (const part of field.split(',')) {
		const match = /^(\*|\?|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
		if (!match) return undefined;
		const [, from, to, step] = match;
		const wild = from === '*' || from === '?';
		const start = wild ? min : Number(from);
		const end = to !== undefined ? Number(to) : wild || step !== undefined ? max : start;
		const stride = step !== undefined ? Number(step) : 1;
		if (start < min || end > max || start > end || stride < 1) return undefined;
		for (let value = start; value <= end; value += stride) values.add(value);
	}
	return values.size ? [...values].sort((a, b) => a - b) : undefined;
}
