import {
	dropFields,
	isToolNode,
	keepFields,
	modelCharacters,
	readPaging,
	recordAnswer,
	toolAnswer,
} from '../../nodes/Flextell/tool-answer';
import { parseFieldList } from '../../nodes/Flextell/parameters';

const settings = (maxCharacters = 20_000, keep = '', drop = '') => ({ maxCharacters, keep: parseFieldList(keep), drop: parseFieldList(drop) });
const call = { method: 'GET', path: 'contacts', limit: 50 };
/** Records of about `size` characters each. */
const records = (n: number, size = 1000) =>
	Array.from({ length: n }, (_, i) => ({ id: `obj_${i + 1}`, name: `Record ${i + 1}`, notes: 'x'.repeat(size) }));

describe('isToolNode', () => {
	it('is true for the tool variant n8n registers, under any package name, and false for the node', () => {
		expect(isToolNode({ type: 'n8n-nodes-flextell.flextellTool' })).toBe(true);
		expect(isToolNode({ type: 'CUSTOM.flextellTool' })).toBe(true);
		expect(isToolNode({ type: 'n8n-nodes-flextell.flextell' })).toBe(false);
		expect(isToolNode({ type: 'n8n-nodes-flextell.flextellTrigger' })).toBe(false);
		expect(isToolNode({ type: 'other.notflextellTool' })).toBe(false);
	});
});

describe('a list answer for the model', () => {
	it('2 000 records of 1 KB, Limit 50: at most 20 000 characters, whole records from the first, valid JSON, a note with shown and total', () => {
		const all = records(2000);
		const answer = toolAnswer({ data: all, next_cursor: null }, {}, call, settings());
		const text = JSON.stringify([answer]);
		expect(text.length).toBeLessThanOrEqual(20_000);
		expect(JSON.parse(text)[0]).toEqual(answer);
		const shown = answer.shown as number;
		expect(shown).toBeGreaterThan(10);
		expect(shown).toBeLessThan(20);
		expect(answer.records).toEqual(all.slice(0, shown));
		expect(answer.total).toBe(2000);
		expect(answer.more).toBe(true);
		expect(answer.note).toMatch(new RegExp(`^Showing ${shown} of 2000 records`));
		expect(answer.note).toMatch(/Limit of 50/);
		expect(answer.note).toMatch(/20000-character bound/);
		expect(answer.note).toMatch(new RegExp(`limit=${shown} and cursor`));
		expect(answer.note).toMatch(/contacts\/<id>/);
		// the next record would not have fitted
		const one = JSON.stringify(all[shown]).length;
		expect(text.length + one).toBeGreaterThan(20_000 - 40);
	});

	it('a list that fits whole: every record, total, no note, more false', () => {
		const all = records(3, 10);
		const answer = toolAnswer({ data: all, next_cursor: null }, {}, call, settings());
		expect(answer).toEqual({ shown: 3, total: 3, more: false, records: all });
	});

	it('Limit alone leaves records out: the note says so even when the size is fine', () => {
		const all = records(80, 10);
		const answer = toolAnswer({ data: all }, {}, call, settings());
		expect(answer.shown).toBe(50);
		expect(answer.total).toBe(80);
		expect(answer.note).toMatch(/^Showing 50 of 80 records\. Left out by the tool's Limit of 50 records\. To see others: /);
	});

	it('Flextell has more pages (next_cursor): total unknown, "more" and the cursor to continue with', () => {
		const all = records(10, 10);
		const answer = toolAnswer({ data: all, next_cursor: 'c_10' }, {}, call, settings());
		expect(answer.total).toBeNull();
		expect(answer.more).toBe(true);
		expect(answer.next_cursor).toBe('c_10');
		expect(answer.note).toMatch(/^Showing 10 records; Flextell has more \(total unknown\)\. Left out by Flextell's paging\./);
		expect(answer.note).toMatch(/cursor=c_10/);
	});

	it('a cursor is not offered when records of that answer were cut (it would skip them)', () => {
		const answer = toolAnswer({ data: records(100, 10), meta: { next_cursor: 'c_100' } }, {}, call, settings());
		expect(answer.shown).toBe(50);
		expect(answer.next_cursor).toBeUndefined();
		expect(answer.note).toMatch(/limit=50 and cursor=<next_cursor of each answer>/);
	});

	it('meta.total of page-number paging is the total', () => {
		const answer = toolAnswer({ data: records(5, 10), meta: { page: 1, per_page: 5, total: 12 } }, {}, call, settings());
		expect(answer.total).toBe(12);
		expect(answer.more).toBe(true);
		expect(answer.note).toMatch(/^Showing 5 of 12 records/);
	});

	it('Return All: no Limit, nothing more beyond, still bounded', () => {
		const answer = toolAnswer({ data: records(300, 100) }, undefined, { ...call, returnAll: true }, settings(5000));
		expect(modelCharacters([answer])).toBeLessThanOrEqual(5000);
		expect(answer.total).toBe(300);
		expect(answer.note).not.toMatch(/Limit/);
	});

	it('0 = no bound: the whole Limit goes through', () => {
		const answer = toolAnswer({ data: records(60) }, {}, call, settings(0));
		expect(answer.shown).toBe(50);
		expect(modelCharacters([answer])).toBeGreaterThan(50_000);
	});

	it('a bound too small for one record: no record, the note still tells how to narrow', () => {
		const answer = toolAnswer({ data: records(3, 5000) }, {}, call, settings(2000));
		expect(answer.shown).toBe(0);
		expect(answer.records).toEqual([]);
		expect(modelCharacters([answer])).toBeLessThanOrEqual(2000);
	});

	it('field selection applies before the bound: more records fit', () => {
		const answer = toolAnswer({ data: records(2000) }, {}, call, settings(20_000, 'id, name'));
		expect(answer.shown).toBe(50);
		expect((answer.records as object[])[0]).toEqual({ id: 'obj_1', name: 'Record 1' });
		const dropped = toolAnswer({ data: records(2000) }, {}, call, settings(20_000, '', 'notes'));
		expect(dropped.records).toEqual((answer.records as object[]).map((r) => r));
	});
});

describe('other answers', () => {
	it('one record comes back as itself; an empty answer as success', () => {
		expect(toolAnswer({ data: { id: 'obj_1', name: 'Ada' } }, {}, { method: 'GET', path: 'contacts/obj_1' }, settings())).toEqual({ id: 'obj_1', name: 'Ada' });
		expect(toolAnswer(undefined, {}, { method: 'DELETE', path: 'contacts/obj_1' }, settings())).toEqual({ success: true });
		expect(toolAnswer({ data: 5 }, {}, call, settings())).toEqual({ data: 5 });
	});

	it('a record over the bound keeps the fields that fit and names the others', () => {
		const record = { id: 'obj_1', name: 'Ada', notes: 'x'.repeat(3000), email: 'ada@example.com' };
		const answer = recordAnswer(record, 1000);
		expect(modelCharacters([answer])).toBeLessThanOrEqual(1000);
		expect(answer.record).toEqual({ id: 'obj_1', name: 'Ada', email: 'ada@example.com' });
		expect(answer.fields_left_out).toEqual(['notes']);
		expect(answer.note).toMatch(/left out: notes/);
		// The options as the tool has them (there is no "Fields" option).
		expect(answer.note).toMatch(/the tool's option Keep Only Fields \(or the ones you do not need in Drop Fields\)/);
		expect(answer.note).not.toMatch(/Fields option/);
	});
});

describe('fields (dot paths)', () => {
	const record = { id: 1, name: 'Ada', address: { city: 'Oslo', zip: '0150', geo: { lat: 1, lng: 2 } }, tags: [{ id: 't', label: 'L' }] };

	it('parses commas and new lines, trims, ignores empties', () => {
		expect(parseFieldList(' id, address.city\n\n tags.label ,')).toEqual([['id'], ['address', 'city'], ['tags', 'label']]);
		expect(parseFieldList(undefined)).toEqual([]);
	});

	it('keeps only the paths, through objects and lists, in the record\'s order', () => {
		expect(keepFields(record, parseFieldList('address.city, id, tags.label'))).toEqual({ id: 1, address: { city: 'Oslo' }, tags: [{ label: 'L' }] });
		expect(keepFields([record], parseFieldList('name'))).toEqual([{ name: 'Ada' }]);
	});

	it('drops the paths and leaves the rest untouched', () => {
		expect(dropFields(record, parseFieldList('address.geo, tags.id, name'))).toEqual({
			id: 1,
			address: { city: 'Oslo', zip: '0150' },
			tags: [{ label: 'L' }],
		});
		expect(record.address.geo).toEqual({ lat: 1, lng: 2 });
	});
});

describe('readPaging', () => {
	it('reads a next cursor, a next link, has_more and a Link header; an empty cursor is the end', () => {
		expect(readPaging({ data: [], next_cursor: '' }, {}, 0)).toEqual({ more: false });
		expect(readPaging({ data: [], meta: { next_cursor: 'a' } }, {}, 0)).toEqual({ more: true, nextCursor: 'a' });
		expect(readPaging({ data: [], next: 'https://x/next' }, {}, 0).more).toBe(true);
		expect(readPaging({ data: [], has_more: true }, {}, 0).more).toBe(true);
		expect(readPaging({ data: [] }, { link: '<https://x?page=2>; rel="next"' }, 0).more).toBe(true);
		expect(readPaging([], undefined, 0)).toEqual({ more: false });
	});

	it("reads the node's own Next Cursor Field (dots reach deeper, also under meta), not a fixed name", () => {
		expect(readPaging({ data: [], paging: { after: 'p2' } }, {}, 0, 'paging.after')).toEqual({ more: true, nextCursor: 'p2' });
		expect(readPaging({ data: [], meta: { after: 'p3' } }, {}, 0, 'after')).toEqual({ more: true, nextCursor: 'p3' });
		// next_cursor is not the cursor field here: no cursor offered from it
		expect(readPaging({ data: [], next_cursor: 'c' }, {}, 0, 'after').nextCursor).toBeUndefined();
	});

	it("the list note names the node's own cursor parameter", () => {
		const cursor = { field: 'paging.after', parameter: 'after' };
		const answer = toolAnswer({ data: records(3, 10), paging: { after: 'p2' } }, {}, { ...call, cursor }, settings());
		expect(answer.next_cursor).toBe('p2');
		expect(answer.note).toMatch(/continue with the query parameter after=p2/);
		const cut = toolAnswer({ data: records(100, 10), paging: { after: 'p2' } }, {}, { ...call, cursor }, settings());
		expect(cut.note).toMatch(/limit=50 and after=<next_cursor of each answer>/);
		expect(cut.note).not.toMatch(/cursor=/);
	});
});
