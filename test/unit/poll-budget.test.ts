import { cronFields, cronOf, pollBudget, shortestGapSeconds } from '../../nodes/FlextellTrigger/poll-budget';
import { claimPoll, pollLockKey, resetPollLocks } from '../../nodes/FlextellTrigger/poll-lock';

const custom = (...expressions: string[]) => ({ item: expressions.map((cronExpression) => ({ mode: 'custom', cronExpression })) });

describe('the poll budget follows the Poll Times', () => {
	it.each([
		['no Poll Times (n8n default: every minute)', undefined, 60, 54_000],
		['every minute', { item: [{ mode: 'everyMinute' }] }, 60, 54_000],
		['six entries at fixed seconds: every 10 s', custom('0 * * * * *', '10 * * * * *', '20 * * * * *', '30 * * * * *', '40 * * * * *', '50 * * * * *'), 10, 8_000],
		['every 5 minutes', { item: [{ mode: 'everyX', unit: 'minutes', value: 5 }] }, 300, 270_000],
		['every 7 minutes (*/7 restarts each hour: 56 → 0 is 4 minutes)', { item: [{ mode: 'everyX', unit: 'minutes', value: 7 }] }, 240, 216_000],
		['every hour: capped at 5 minutes', { item: [{ mode: 'everyHour', minute: 15 }] }, 3600, 300_000],
		['every day and every week: capped', { item: [{ mode: 'everyDay', hour: 3, minute: 0 }, { mode: 'everyWeek', hour: 5, minute: 0, weekday: 1 }] }, 7200, 300_000],
		['a 5-field cron', custom('*/2 * * * *'), 120, 108_000],
		['lists and ranges', custom('0 0,20 9-17 * * 1-5'), 1200, 300_000],
		['two entries 3 s apart: the floor', custom('0 * * * * *', '3 * * * * *'), 3, 5_000],
		['an expression it cannot read counts as every minute', custom('every tuesday'), 60, 54_000],
	])('%s', (_label, pollTimes, gapSeconds, ms) => {
		expect(pollBudget(pollTimes)).toEqual({ ms, gapSeconds });
	});

	it('never above the budget n8n gives the poll', () => {
		expect(pollBudget(undefined, 2_500).ms).toBe(2_500);
		expect(pollBudget(undefined, 300_000).ms).toBe(54_000);
		expect(pollBudget(undefined, Number.NaN).ms).toBe(54_000);
	});

	it("turns presets into n8n's cron expressions, with 0 for the parts n8n draws at random", () => {
		expect(cronOf({ mode: 'everyMinute' })).toBe('0 * * * * *');
		expect(cronOf({ mode: 'everyHour', minute: 15 })).toBe('0 15 * * * *');
		expect(cronOf({ mode: 'everyX', unit: 'hours', value: 2 })).toBe('0 0 */2 * * *');
		expect(cronOf({ mode: 'everyMonth', hour: 1, minute: 2, dayOfMonth: 3 })).toBe('0 2 1 * * *');
		expect(cronOf({ mode: 'custom', cronExpression: ' 5 * * * * * ' })).toBe('5 * * * * *');
	});

	it('reads the time fields of cron expressions', () => {
		expect(cronFields('*/20 1-2 3 * * *')).toEqual({ seconds: [0, 20, 40], minutes: [1, 2], hours: [3] });
		expect(cronFields('7/25 0 0 * * *')?.seconds).toEqual([7, 32, 57]);
		expect(cronFields('0 60 * * * *')).toBeUndefined();
		expect(cronFields('* * *')).toBeUndefined();
		expect(shortestGapSeconds(custom('0 0 12 * * *'))).toBe(86_400);
	});
});

describe('the poll lock', () => {
	afterEach(() => resetPollLocks());

	it('one poll per trigger (workflow + node) at a time', () => {
		const key = pollLockKey('wf1', 'node1');
		const release = claimPoll(key);
		expect(release).toBeDefined();
		expect(claimPoll(key)).toBeUndefined();
		// Another node, or the same node id in another workflow, is another trigger.
		expect(claimPoll(pollLockKey('wf1', 'node2'))).toBeDefined();
		expect(claimPoll(pollLockKey('wf2', 'node1'))).toBeDefined();
		release!();
		expect(claimPoll(key)).toBeDefined();
	});

	it('a release from before a reset does not free the claim made after it', () => {
		const key = pollLockKey('wf1', 'node1');
		const stale = claimPoll(key)!;
		resetPollLocks();
		const current = claimPoll(key);
		expect(current).toBeDefined();
		stale();
		expect(claimPoll(key)).toBeUndefined();
	});
});
