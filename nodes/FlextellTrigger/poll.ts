/**
 * One active poll of the Flextell Trigger, without n8n around it: claim the trigger, read its
 * state, scan the list newest first back to the watermark, and commit. The node wires it to
 * n8n's context; tests drive it with any list.
 *
 * Guarantees, each kept by one step here:
 * - one poll of a trigger at a time (the lock): a second poll ends at once, emits nothing;
 * - the state is read once, after the lock, and written once, at the end, only when every page
 *   came back and nobody else wrote it meanwhile, in the same synchronous step as the check;
 * - the watermark moves only to the newest record this poll emits, so it never passes a record
 *   that was not emitted, and never moves back (every emitted record is newer than it, or at it).
 * When the process dies before n8n saved the static data, the state saved before stands and the
 * next poll finds the same records again: nothing is lost.
 */
import type { IDataObject } from 'n8n-workflow';

import { claimPoll } from './poll-lock';
import type { RecordFields, WatermarkState } from './watermark';
import { advance, dateValue, idOf, judge, oldestFirst, readState } from './watermark';

export type PollOutcome =
	/** Another poll of this trigger is running: nothing read, nothing written. */
	| { kind: 'busy' }
	/** No state yet (first poll after activation, or a changed setup): the watermark is set, nothing emitted. */
	| { kind: 'first' }
	| { kind: 'none' }
	/** The records to emit, oldest first; the state already points past them. */
	| { kind: 'new'; records: IDataObject[] }
	/** The state changed while this poll ran (it was not the only one): nothing written, nothing emitted. */
	| { kind: 'stale' };

interface PollInput {
	lockKey: string;
	/** The node's static data; read only once the lock is held. */
	staticData: () => IDataObject;
	/** What the state belongs to (list, filters, fields). */
	stateKey: string;
	fields: RecordFields;
	/** The list, newest first, one array of records per page. */
	pages: () => AsyncIterable<IDataObject[]>;
	errors: ScanErrors;
}

interface ScanErrors {
	notNewestFirst(): Error;
	unreadableDate(record: IDataObject): Error;
}

export async function pollOnce(input: PollInput): Promise<PollOutcome> {
	const release = claimPoll(input.lockKey);
	if (!release) return { kind: 'busy' };
	try {
		return await scanAndCommit(input.staticData(), input);
	} finally {
		release();
	}
}

async function scanAndCommit(store: IDataObject, input: PollInput): Promise<PollOutcome> {
	const { fields, stateKey } = input;
	const known = readState(store, stateKey);
	const start: WatermarkState = known ?? { key: stateKey, watermark: null, idsAtWatermark: [] };

	// Newest first, back to the watermark (the first poll: only the records at the newest date).
	const fresh: IDataObject[] = [];
	// Page numbers shift when records arrive mid-scan: a record may show up on two pages.
	const freshIds = new Set<string>();
	let newestMs: number | undefined;
	let previousMs = Infinity;
	scan: for await (const records of input.pages()) {
		for (const record of records) {
			const ms = dateValue(record[fields.dateField]);
			if (Number.isNaN(ms)) throw input.errors.unreadableDate(record);
			if (ms > previousMs) throw input.errors.notNewestFirst();
			previousMs = ms;
			const id = idOf(record, fields.idField);
			if (id !== undefined) {
				if (freshIds.has(id)) continue;
				freshIds.add(id);
			}
			if (!known) {
				newestMs ??= ms;
				if (ms < newestMs) break scan;
				fresh.push(record);
				continue;
			}
			const verdict = judge(record, start, fields);
			if (verdict === 'older') break scan;
			if (verdict === 'new') fresh.push(record);
		}
	}

	// Only now, after every page came back, does the state move; and only if it is still the one
	// this poll started from (no await between this check and the write).
	if (!sameState(readState(store, stateKey), known)) return { kind: 'stale' };
	const next = advance(start, fresh, fields);
	if (!known || next !== start) {
		store.key = next.key;
		store.watermark = next.watermark;
		store.idsAtWatermark = next.idsAtWatermark;
	}
	if (!known) return { kind: 'first' };
	if (fresh.length === 0) return { kind: 'none' };
	return { kind: 'new', records: oldestFirst(fresh, fields.dateField) };
}

function sameState(a: WatermarkState | undefined, b: WatermarkState | undefined): boolean {
	if (a === undefined || b === undefined) return a === b;
	return a.watermark === b.watermark && a.idsAtWatermark.length === b.idsAtWatermark.length && a.idsAtWatermark.every((id, i) => id === b.idsAtWatermark[i]);
}
