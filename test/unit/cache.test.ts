import fc from 'fast-check';

import type { CacheEntry } from '../../nodes/Flextell/cache';
import {
	conditionalHeaders,
	entryBytes,
	forbidsStoring,
	isConditional,
	isFresh,
	requestKey,
	resourceSegments,
	ResponseStore,
	utf8Length,
	validatorsOf,
	writeAffects,
} from '../../nodes/Flextell/cache';
import { gateKey } from '../../nodes/shared/transport/rate-gate';

const URL_A = 'https://flextell.test/api/v0.0.1/contacts/obj_1';
const scopeA = gateKey('https://flextell.test/api', 'cred-1');

describe('cache keys', () => {
	it('do not depend on the order of query parameters or the case of header names', () => {
		const a = requestKey(scopeA, { url: URL_A, qs: { b: '2', a: '1' }, headers: { 'X-Trace': 't' } });
		const b = requestKey(scopeA, { url: URL_A, qs: { a: '1', b: '2' }, headers: { 'x-trace': 't' } });
		expect(a).toBe(b);
	});

	it('differ by credential, Base URL, API version, path, query value, repeated value order and header value', () => {
		const base = { url: URL_A, qs: { tag: ['x', 'y'] }, headers: { 'X-Trace': 't' } };
		const keys = [
			requestKey(scopeA, base),
			requestKey(gateKey('https://flextell.test/api', 'cred-2'), base),
			requestKey(gateKey('https://other.test/api', 'cred-1'), base),
			requestKey(scopeA, { ...base, url: URL_A.replace('v0.0.1', 'v0.0.2') }),
			requestKey(scopeA, { ...base, url: URL_A.replace('obj_1', 'obj_2') }),
			requestKey(scopeA, { ...base, qs: { tag: ['y', 'x'] } }),
			requestKey(scopeA, { ...base, qs: { tag: 'x' } }),
			requestKey(scopeA, { ...base, headers: { 'X-Trace': 'u' } }),
			requestKey(scopeA, { ...base, headers: undefined }),
		];
		expect(new Set(keys).size).toBe(keys.length);
	});

	it('never collide for different queries (property)', () => {
		const query = fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 });
		fc.assert(
			fc.property(query, query, (q1, q2) => {
				const same = JSON.stringify(Object.entries(q1).sort()) === JSON.stringify(Object.entries(q2).sort());
				expect(requestKey(scopeA, { url: URL_A, qs: q1 }) === requestKey(scopeA, { url: URL_A, qs: q2 })).toBe(same);
			}),
		);
	});
});

describe('paths a write affects', () => {
	const seg = (url: string) => resourceSegments(url, '/api/v0.0.1/');

	it('are the path itself, the ones above and the ones below, in the same resource', () => {
		expect(seg(`${URL_A}?x=1`)).toEqual(['contacts', 'obj_1']);
		expect(writeAffects(['contacts', 'obj_1'], ['contacts', 'obj_1'])).toBe(true);
		expect(writeAffects(['contacts', 'obj_1'], ['contacts'])).toBe(true);
		expect(writeAffects(['contacts'], ['contacts', 'obj_1'])).toBe(true);
		expect(writeAffects(['contacts', 'obj_1'], ['contacts', 'obj_1', 'notes'])).toBe(true);
		expect(writeAffects(['contacts', 'obj_1'], ['contacts', 'obj_2'])).toBe(false);
		expect(writeAffects(['contacts', 'obj_1'], ['deals'])).toBe(false);
		expect(writeAffects(['contacts'], ['contactsx'])).toBe(false);
	});
});

describe('validators and conditional requests', () => {
	it('turn ETag and Last-Modified into If-None-Match and If-Modified-Since', () => {
		const validators = validatorsOf({ etag: '"abc"', 'last-modified': 'Sun, 29 Nov 2026 04:00:00 GMT' });
		expect(conditionalHeaders(validators)).toEqual({ 'If-None-Match': '"abc"', 'If-Modified-Since': 'Sun, 29 Nov 2026 04:00:00 GMT' });
		expect(conditionalHeaders(validatorsOf({}))).toEqual({});
	});

	it("leave GETs alone whose own headers are conditional, and answers Flextell says not to keep", () => {
		expect(isConditional({ 'if-none-match': '"x"' })).toBe(true);
		expect(isConditional({ 'X-Trace': '1' })).toBe(false);
		expect(forbidsStoring({ 'cache-control': 'private, no-store' })).toBe(true);
		expect(forbidsStoring({ 'cache-control': 'no-cache' })).toBe(true);
		expect(forbidsStoring({ 'cache-control': 'max-age=60' })).toBe(false);
	});

	it('fresh means younger than the reader’s seconds', () => {
		expect(isFresh({ storedAt: 1_000 }, 60, 60_999)).toBe(true);
		expect(isFresh({ storedAt: 1_000 }, 60, 61_000)).toBe(false);
	});
});

describe('UTF-8 length', () => {
	it('equals the encoded length for any string', () => {
		fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length)));
	});
});

function entry(bodyText: string, segments = ['contacts', 'x'], scope = scopeA): CacheEntry {
	return { scope, segments, statusCode: 200, headers: {}, bodyText, validators: {}, storedAt: 0, bytes: entryBytes(bodyText, {}) };
}

describe('the store', () => {
	it('evicts the least recently used entry beyond the entry cap', () => {
		const store = new ResponseStore({ entries: 3, bytes: 1e6, entryBytes: 1e6 });
		store.set('a', entry('1'));
		store.set('b', entry('2'));
		store.set('c', entry('3'));
		store.get('a'); // a is now the most recently used
		store.set('d', entry('4'));
		expect(store.keys()).toEqual(['c', 'a', 'd']);
	});

	it('evicts until the bytes fit, refuses an entry over the per-entry cap, and keeps its byte count exact', () => {
		const store = new ResponseStore({ entries: 100, bytes: 30 + 3 * 2, entryBytes: 20 });
		store.set('a', entry('x'.repeat(10)));
		store.set('b', entry('y'.repeat(10)));
		store.set('c', entry('z'.repeat(10)));
		expect(store.bytes).toBe(36); // each: 10 bytes of body + "{}"
		store.set('d', entry('w'.repeat(10)));
		expect(store.keys()).toEqual(['b', 'c', 'd']);
		expect(store.set('big', entry('v'.repeat(21)))).toBe(false);
		expect(store.keys()).toEqual(['b', 'c', 'd']);
		store.set('c', entry('short'));
		expect(store.bytes).toBe(12 + 7 + 12);
	});

	it('never holds more than its caps, whatever is stored and read (property)', () => {
		const limits = { entries: 5, bytes: 200, entryBytes: 80 };
		const op = fc.oneof(
			fc.record({ set: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), size: fc.nat(100) }),
			fc.record({ get: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h') }),
		);
		fc.assert(
			fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
				const store = new ResponseStore(limits);
				for (const o of ops) {
					if ('set' in o) store.set(o.set, entry('x'.repeat(o.size)));
					else store.get(o.get);
					expect(store.size).toBeLessThanOrEqual(limits.entries);
					expect(store.bytes).toBeLessThanOrEqual(limits.bytes);
				}
			}),
		);
	});

	it('drops on a write only the related paths of the same credential', () => {
		const store = new ResponseStore();
		const other = gateKey('https://flextell.test/api', 'cred-2');
		store.set('list', entry('[]', ['contacts']));
		store.set('one', entry('{}', ['contacts', 'obj_1']));
		store.set('two', entry('{}', ['contacts', 'obj_2']));
		store.set('deals', entry('{}', ['deals']));
		store.set('other credential', entry('{}', ['contacts', 'obj_1'], other));
		expect(store.invalidate(scopeA, ['contacts', 'obj_1'])).toBe(2);
		expect(store.keys()).toEqual(['two', 'deals', 'other credential']);
	});
});
