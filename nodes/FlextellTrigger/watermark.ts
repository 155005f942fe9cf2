/**
 * The Flextell Trigger's memory between polls, and the pure decisions made with it.
 *
 * The trigger remembers a watermark (the newest date it has emitted, as Flextell wrote it) and the
 * ids of the records that carry exactly that date. A record is new when its date is after the
 * watermark, or equal to it and its id is not among the remembered ones — so records sharing a
 * timestamp are each emitted once, however the polls fall between them.
 */
import type { IDataObject } from 'n8n-workflow';

export interface WatermarkState {
	/** The date of the newest record emitted so far, as Flextell wrote it; null: none yet. */
	watermark: string | null;
	/** Ids of the records whose date equals the watermark. */
	idsAtWatermark: string[];
	/** What the state belongs to (path, event, fields): another setup starts over. */
	key: string;
}

export interface RecordFields {
	idField: string;
	dateField: string;
}

/** A date as milliseconds: ISO 8601 text, or epoch seconds / milliseconds. NaN if unreadable. */
export function dateValue(value: unknown): number {
	if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
	if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return dateValue(Number(text));
	return Date.parse(text);
}

export function idOf(record: IDataObject, idField: string): string | undefined {
	const value = record[idField];
	if (typeof value === 'string' && value !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** Reads the stored state; anything unusable, or a state for another setup, counts as none. */
export function readState(stored: IDataObject, key: string): WatermarkState | undefined {
	if (stored.key !== key) return undefined;
	const watermark = stored.watermark;
	if (watermark !== null && (typeof watermark !== 'string' || Number.isNaN(dateValue(watermark)))) return undefined;
	const ids = Array.isArray(stored.idsAtWatermark) ? stored.idsAtWatermark.filter((id): id is string => typeof id === 'string') : [];
	return { watermark, idsAtWatermark: ids, key };
}

type Verdict = 'new' | 'seen' | 'older';

/**
 * Is this record new? `older` (strictly before the watermark) tells a newest-first scan that it
 * has gone far enough back.
 */
export function judge(record: IDataObject, state: Pick<WatermarkState, 'watermark' | 'idsAtWatermark'>, fields: RecordFields): Verdict {
	if (state.watermark === null) return 'new';
	const date = dateValue(record[fields.dateField]);
	const mark = dateValue(state.watermark);
	if (date > mark) return 'new';
	if (date < mark) return 'older';
	const id = idOf(record, fields.idField);
	return id !== undefined && state.idsAtWatermark.includes(id) ? 'seen' : 'new';
}

/**
 * Oldest first: by date, and for equal dates the reverse of the order received (the list came
 * newest first, so that is the order Flextell created them in).
 */
export function oldestFirst(newestFirst: IDataObject[], dateField: string): IDataObject[] {
	return newestFirst
		.map((record, position) => ({ record, position, date: dateValue(record[dateField]) }))
		.sort((a, b) => a.date - b.date || b.position - a.position)
		.map(({ record }) => record);
}

/**
 * The state after emitting `emitted` (any order): the watermark moves to the newest date among
 * them, and the ids at that date are remembered (added to the old ones when the date is unchanged).
 */
export function advance(state: WatermarkState, emitted: IDataObject[], fields: RecordFields): WatermarkState {
	let newest: { text: string; ms: number } | undefined;
	for (const record of emitted) {
		const ms = dateValue(record[fields.dateField]);
		if (!newest || ms > newest.ms) newest = { text: String(record[fields.dateField]), ms };
	}
	if (!newest) return state;
	const idsNow = emitted
		.filter((record) => dateValue(record[fields.dateField]) === newest.ms)
		.map((record) => idOf(record, fields.idField))
		.filter((id): id is string => id !== undefined);
	const same = state.watermark !== null && dateValue(state.watermark) === newest.ms;
	const ids = same ? [...new Set([...state.idsAtWatermark, ...idsNow])] : [...new Set(idsNow)];
	return { key: state.key, watermark: newest.text, idsAtWatermark: ids };
}
