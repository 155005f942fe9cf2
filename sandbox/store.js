// @ts-check
'use strict';
// The in-memory records behind /api/v0.0.1/<collection>. Each collection keeps its records in
// one array in insertion order plus an id -> position map, so reads, appends and paging are cheap
// even for 100 000 records. Filtered or re-sorted lists are materialised once and cached until the
// collection next changes.

const crypto = require('node:crypto');

/**
 * @typedef {{ id: string, created_at: string, updated_at: string, [field: string]: unknown }} StoredRecord
 */

/**
 * A list to page through: records in their final order (sorted by `field`, compared as
 * strings, ties in insertion order) and a way to find one by id.
 * @typedef {Object} View
 * @property {ReadonlyArray<StoredRecord>} records
 * @property {(id: string) => number | undefined} positionOf
 * @property {string} field        the sort field
 * @property {boolean} descending
 */

/** @typedef {'created_at' | '-created_at' | 'updated_at' | '-updated_at' | 'id' | '-id'} SortKey */

const SORT_KEYS = ['created_at', '-created_at', 'updated_at', '-updated_at', 'id', '-id'];
const SERVER_FIELDS = ['id', 'created_at', 'updated_at'];
const MAX_CACHED_VIEWS = 16;

class Collection {
	constructor() {
		/** @type {StoredRecord[]} insertion order */
		this.records = [];
		/** @type {Map<string, number>} id -> index in `records` */
		this.positions = new Map();
		/** true while `records` is also in non-decreasing created_at order */
		this.inCreatedOrder = true;
		/** bumped by every change; cached views of an older version are stale */
		this.version = 0;
		/** @type {Map<string, { version: number, view: View }>} */
		this.views = new Map();
		/** numbering of generated records ("Record N") */
		this.generated = 0;
		/** last timestamp handed out here; keeps created_at/updated_at strictly increasing */
		this.clockMs = 0;
	}

	/** @returns {number} ms since epoch, later than every earlier value of this collection */
	tick() {
		this.clockMs = Math.max(Date.now(), this.clockMs + 1);
		return this.clockMs;
	}

	/** @param {StoredRecord} record */
	append(record) {
		const last = this.records[this.records.length - 1];
		if (last && last.created_at > record.created_at) this.inCreatedOrder = false;
		this.positions.set(record.id, this.records.length);
		this.records.push(record);
		this.version++;
	}

	/**
	 * @param {number} index
	 * @param {StoredRecord} record  same id as the record it replaces
	 */
	replaceAt(index, record) {
		if (this.records[index].created_at !== record.created_at) this.inCreatedOrder = false;
		this.records[index] = record;
		this.version++;
	}

	/** @param {number} index */
	removeAt(index) {
		const [removed] = this.records.splice(index, 1);
		this.positions.delete(removed.id);
		for (let i = index; i < this.records.length; i++) this.positions.set(this.records[i].id, i);
		this.version++;
	}

	/** @returns {View} the records in insertion order, live */
	liveView() {
		return { records: this.records, positionOf: (id) => this.positions.get(id), field: 'created_at', descending: false };
	}
}

/**
 * @param {ReadonlyArray<StoredRecord>} records
 * @param {string} field
 * @param {boolean} descending
 * @returns {View}
 */
function snapshotView(records, field, descending) {
	/** @type {Map<string, number> | null} */
	let positions = null;
	return {
		records,
		field,
		descending,
		positionOf(id) {
			if (!positions) positions = new Map(records.map((r, i) => [r.id, i]));
			return positions.get(id);
		},
	};
}

/**
 * @param {unknown} value
 * @param {string} wanted  query-string value
 */
function matchesFilter(value, wanted) {
	if (value === null) return wanted === 'null';
	if (typeof value === 'object' || value === undefined) return false;
	return String(value) === wanted;
}

/** @param {unknown} value */
function isPlainObject(value) {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Store {
	constructor() {
		/** @type {Map<string, Collection>} */
		this.collections = new Map();
		/** ids are obj_<base36 counter>, all of the same length, so sorting by id is creation order */
		this.idCounter = 36 ** 7 + crypto.randomInt(36 ** 6);
	}

	newId() {
		return `obj_${(this.idCounter++).toString(36)}`;
	}

	/** @param {string} name */
	collection(name) {
		let collection = this.collections.get(name);
		if (!collection) {
			collection = new Collection();
			this.collections.set(name, collection);
		}
		return collection;
	}

	/**
	 * Whether records were ever put in this collection since the last reset (seeded or created).
	 * @param {string} name
	 */
	has(name) {
		return this.collections.has(name);
	}

	/**
	 * @param {string} name
	 * @param {{ filters?: Record<string, string>, sort?: SortKey }} [options]
	 * @returns {View}
	 */
	list(name, options = {}) {
		const collection = this.collection(name);
		const filters = Object.entries(options.filters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
		const sort = options.sort ?? 'created_at';
		if (filters.length === 0 && sort === 'created_at' && collection.inCreatedOrder) {
			return collection.liveView();
		}
		const key = JSON.stringify([sort, filters]);
		const cached = collection.views.get(key);
		if (cached && cached.version === collection.version) return cached.view;

		let records = collection.records.filter((r) => filters.every(([field, wanted]) => matchesFilter(r[field], wanted)));
		const descending = sort.startsWith('-');
		const field = descending ? sort.slice(1) : sort;
		// Array.prototype.sort is stable: ties keep insertion order.
		records.sort((a, b) => {
			const x = String(a[field]);
			const y = String(b[field]);
			return x < y ? -1 : x > y ? 1 : 0;
		});
		if (descending) records = records.reverse();
		const view = snapshotView(records, field, descending);
		for (const [k, v] of collection.views) if (v.version !== collection.version) collection.views.delete(k);
		if (collection.views.size >= MAX_CACHED_VIEWS) collection.views.clear();
		collection.views.set(key, { version: collection.version, view });
		return view;
	}

	/**
	 * @param {string} name
	 * @param {string} id
	 * @returns {StoredRecord | undefined}
	 */
	get(name, id) {
		const collection = this.collections.get(name);
		const index = collection?.positions.get(id);
		return collection && index !== undefined ? collection.records[index] : undefined;
	}

	/**
	 * @param {string} name
	 * @param {Record<string, unknown>} fields  client fields; id/created_at/updated_at are ignored
	 * @returns {StoredRecord}
	 */
	create(name, fields) {
		const collection = this.collection(name);
		const now = new Date(collection.tick()).toISOString();
		const record = { id: this.newId(), ...withoutServerFields(fields), created_at: now, updated_at: now };
		collection.append(record);
		return record;
	}

	/**
	 * PUT: the new fields replace the old ones; id and created_at stay.
	 * @param {string} name
	 * @param {string} id
	 * @param {Record<string, unknown>} fields
	 * @returns {StoredRecord | undefined}
	 */
	replace(name, id, fields) {
		return this.update(name, id, () => fields);
	}

	/**
	 * PATCH: the given top-level fields are set, the others kept.
	 * @param {string} name
	 * @param {string} id
	 * @param {Record<string, unknown>} fields
	 * @returns {StoredRecord | undefined}
	 */
	merge(name, id, fields) {
		return this.update(name, id, (old) => ({ ...old, ...fields }));
	}

	/**
	 * @param {string} name
	 * @param {string} id
	 * @param {(old: StoredRecord) => Record<string, unknown>} makeFields
	 * @returns {StoredRecord | undefined}
	 */
	update(name, id, makeFields) {
		const collection = this.collections.get(name);
		const index = collection?.positions.get(id);
		if (!collection || index === undefined) return undefined;
		const old = collection.records[index];
		const record = {
			id: old.id,
			...withoutServerFields(makeFields(old)),
			created_at: old.created_at,
			updated_at: new Date(collection.tick()).toISOString(),
		};
		collection.replaceAt(index, record);
		return record;
	}

	/**
	 * @param {string} name
	 * @param {string} id
	 * @returns {boolean} whether it existed
	 */
	remove(name, id) {
		const collection = this.collections.get(name);
		const index = collection?.positions.get(id);
		if (!collection || index === undefined) return false;
		collection.removeAt(index);
		return true;
	}

	/**
	 * Stores the records as given; id, created_at and updated_at are filled in when missing.
	 * A record whose id already exists replaces it.
	 * @param {string} name
	 * @param {ReadonlyArray<Record<string, unknown>>} records
	 * @returns {StoredRecord[]}
	 */
	seed(name, records) {
		const collection = this.collection(name);
		return records.map((fields) => {
			if (!isPlainObject(fields)) throw new TypeError('seed records must be objects');
			const now = new Date(collection.tick()).toISOString();
			const id = typeof fields.id === 'string' && fields.id ? fields.id : this.newId();
			const createdAt = typeof fields.created_at === 'string' ? fields.created_at : now;
			const updatedAt = typeof fields.updated_at === 'string' ? fields.updated_at : createdAt;
			const record = { id, ...withoutServerFields(fields), created_at: createdAt, updated_at: updatedAt };
			const index = collection.positions.get(id);
			if (index === undefined) collection.append(record);
			else collection.replaceAt(index, record);
			return record;
		});
	}

	/**
	 * Adds `count` generated records `{ name: 'Record N', index: N }` whose created_at values are
	 * 1 ms apart and end about now (after every earlier record of the collection).
	 * @param {string} name
	 * @param {number} count
	 * @returns {StoredRecord[]}
	 */
	generate(name, count) {
		if (!Number.isInteger(count) || count < 0) throw new TypeError('count must be an integer >= 0');
		const collection = this.collection(name);
		const start = Math.max(Date.now() - count + 1, collection.clockMs + 1);
		/** @type {StoredRecord[]} */
		const added = [];
		for (let i = 0; i < count; i++) {
			const n = ++collection.generated;
			const at = new Date(start + i).toISOString();
			const record = { id: this.newId(), name: `Record ${n}`, index: n, created_at: at, updated_at: at };
			collection.append(record);
			added.push(record);
		}
		if (count > 0) collection.clockMs = start + count - 1;
		return added;
	}

	/** Forgets every record. */
	reset() {
		this.collections.clear();
	}
}

/**
 * @param {Record<string, unknown>} fields
 * @returns {Record<string, unknown>}
 */
function withoutServerFields(fields) {
	const copy = { ...fields };
	for (const key of SERVER_FIELDS) delete copy[key];
	return copy;
}

module.exports = { Store, SORT_KEYS };
