import type { WatermarkState } from '../../nodes/FlextellTrigger/watermark';
import { advance, dateValue, judge, oldestFirst, readState } from '../../nodes/FlextellTrigger/watermark';

const fields = { idField: 'id', dateField: 'created_at' };
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const state = (watermark: string | null, ids: string[] = []): WatermarkState => ({ key: 'k', watermark, idsAtWatermark: ids });

describe('dates', () => {
	it('reads ISO 8601, epoch seconds and epoch milliseconds; anything else is NaN', () => {
		expect(dateValue('2026-01-01T00:00:01.000Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 1));
		expect(dateValue('2026-01-01T01:00:01+01:00')).toBe(Date.UTC(2026, 0, 1, 0, 0, 1));
		expect(dateValue(1767225601)).toBe(1767225601000);
		expect(dateValue('1767225601')).toBe(1767225601000);
		expect(dateValue(1767225601000)).toBe(1767225601000);
		expect(dateValue('yesterday')).toBeNaN();
		expect(dateValue(undefined)).toBeNaN();
		expect(dateValue('')).toBeNaN();
	});
});

describe('judging records against the watermark', () => {
	it('after the watermark is new, before it is older, at it new unless its id was seen', () => {
		const s = state(T(5), ['a']);
		expect(judge({ id: 'x', created_at: T(6) }, s, fields)).toBe('new');
		expect(judge({ id: 'x', created_at: T(4) }, s, fields)).toBe('older');
		expect(judge({ id: 'a', created_at: T(5) }, s, fields)).toBe('seen');
		expect(judge({ id: 'b', created_at: T(5) }, s, fields)).toBe('new');
	});

	it('compares instants, not text (another offset, same moment)', () => {
		const s = state('2026-01-01T00:00:05Z', ['a']);
		expect(judge({ id: 'a', created_at: '2026-01-01T01:00:05.000+01:00' }, s, fields)).toBe('seen');
	});

	it('without a watermark everything is new', () => {
		expect(judge({ id: 'x', created_at: T(1) }, state(null), fields)).toBe('new');
	});

	it('numeric ids count', () => {
		expect(judge({ id: 7, created_at: T(5) }, state(T(5), ['7']), fields)).toBe('seen');
	});
});

describe('moving the watermark', () => {
	it('moves to the newest emitted date and remembers the ids at it', () => {
		const next = advance(state(T(1), ['old']), [
			{ id: 'a', created_at: T(3) },
			{ id: 'b', created_at: T(4) },
			{ id: 'c', created_at: T(4) },
		], fields);
		expect(next).toEqual({ key: 'k', watermark: T(4), idsAtWatermark: ['b', 'c'] });
	});

	it('adds to the remembered ids when the newest date is the watermark itself', () => {
		expect(advance(state(T(4), ['a']), [{ id: 'b', created_at: T(4) }], fields).idsAtWatermark).toEqual(['a', 'b']);
	});

	it('keeps the state as it is when nothing was emitted', () => {
		const s = state(T(4), ['a']);
		expect(advance(s, [], fields)).toBe(s);
	});

	it('keeps the date text as Flextell wrote it', () => {
		expect(advance(state(null), [{ id: 'a', created_at: '2026-01-01T00:00:05.123456Z' }], fields).watermark).toBe('2026-01-01T00:00:05.123456Z');
	});
});

describe('order and stored state', () => {
	it('emits oldest first; equal dates in creation order (reverse of newest-first)', () => {
		const newestFirst = [
			{ id: 'd', created_at: T(6) },
			{ id: 'c', created_at: T(5) },
			{ id: 'b', created_at: T(5) },
			{ id: 'a', created_at: T(4) },
		];
		expect(oldestFirst(newestFirst, 'created_at').map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
	});

	it('stored state for another setup, or broken state, counts as none', () => {
		expect(readState({ key: 'k', watermark: T(1), idsAtWatermark: ['a'] }, 'k')).toEqual(state(T(1), ['a']));
		expect(readState({ key: 'k', watermark: null, idsAtWatermark: [] }, 'k')).toEqual(state(null));
		expect(readState({ key: 'other', watermark: T(1) }, 'k')).toBeUndefined();
		expect(readState({ key: 'k', watermark: 'not a date' }, 'k')).toBeUndefined();
		expect(readState({}, 'k')).toBeUndefined();
	});
});
