// @ts-check
'use strict';
// The store and the pagination in-process, without HTTP.
const { Store } = require('../../sandbox/store');
const { paginate } = require('../../sandbox/pagination');

/**
 * @param {import('../../sandbox/store').View} view
 * @param {import('../../sandbox/config').PaginationScheme} scheme
 * @param {string} query
 */
const page = (view, scheme, query) =>
	paginate(view, { scheme, url: new URL(`https://127.0.0.1:1/api/v0.0.1/x?${query}`), defaultPageSize: 100, maxPageSize: 1000 });

test('walking 100 000 records by 100 costs O(page) per page (the whole walk well under a second)', () => {
	const store = new Store();
	store.generate('big', 100_000);
	const started = process.hrtime.bigint();
	let cursor = '';
	let seen = 0;
	do {
		const { body } = page(store.list('big'), 'cursor', cursor ? `cursor=${cursor}` : '');
		seen += /** @type {unknown[]} */ (body.data).length;
		cursor = /** @type {string} */ (body.next_cursor ?? '');
	} while (cursor);
	const ms = Number(process.hrtime.bigint() - started) / 1e6;
	expect(seen).toBe(100_000);
	expect(ms).toBeLessThan(1000);
});

test('re-sorted and filtered lists are built once per change of the collection', () => {
	const store = new Store();
	store.generate('c', 1000);
	const a = store.list('c', { sort: '-created_at' });
	expect(store.list('c', { sort: '-created_at' })).toBe(a);
	store.create('c', { name: 'new' });
	const b = store.list('c', { sort: '-created_at' });
	expect(b).not.toBe(a);
	expect(b.records[0].name).toBe('new');
	expect(store.list('c', { filters: { name: 'Record 7' } }).records.map((r) => r.index)).toEqual([7]);
});

test('seeded records keep given ids and timestamps; an existing id is replaced; ids are unique', () => {
	const store = new Store();
	const [given, filled] = store.seed('c', [{ id: 'obj_given', name: 'A', created_at: '2026-04-08T10:00:00Z' }, { name: 'B' }]);
	expect(given).toEqual({ id: 'obj_given', name: 'A', created_at: '2026-04-08T10:00:00Z', updated_at: '2026-04-08T10:00:00Z' });
	expect(filled.id).toMatch(/^obj_[0-9a-z]+$/);
	store.seed('c', [{ id: 'obj_given', name: 'A2' }]);
	expect(store.get('c', 'obj_given')?.name).toBe('A2');
	expect(store.list('c').records).toHaveLength(2);
	const ids = new Set(store.generate('d', 5000).map((r) => r.id));
	expect(ids.size).toBe(5000);
});

test('created_at stays strictly increasing when records are created right after generated ones', () => {
	const store = new Store();
	const generated = store.generate('c', 3000);
	const created = store.create('c', { name: 'after' });
	expect(created.created_at > generated[generated.length - 1].created_at).toBe(true);
	const patched = store.merge('c', generated[0].id, { name: 'x' });
	expect(patched?.updated_at > created.created_at).toBe(true);
});
