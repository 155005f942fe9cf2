import { mapConcurrent } from '../../nodes/Flextell/concurrency';
import type { PaginationConfig, PagingState } from '../../nodes/shared/transport/pagination';
import {
	nextCursorOf,
	nextLinkOf,
	pageRecords,
	pageSizeParameterOf,
	parseLinkHeader,
	planNext,
	readField,
} from '../../nodes/shared/transport/pagination';
import { readConcurrency } from '../../nodes/Flextell/parameters';
import { PAGINATION_DEFAULTS } from '../../nodes/shared/descriptions';
import { readPagination } from '../../nodes/shared/parameters';
import { Flextell } from '../../nodes/Flextell/Flextell.node';
import { FlextellTrigger } from '../../nodes/FlextellTrigger/FlextellTrigger.node';
import type { INodeProperties } from 'n8n-workflow';

/** Every field of a description, options and collections included. */
function fieldsOf(properties: readonly unknown[]): INodeProperties[] {
	return properties.flatMap((p) => {
		const field = p as INodeProperties & { values?: unknown[] };
		const inner = Array.isArray(field.options) ? field.options : Array.isArray(field.values) ? field.values : [];
		return [field, ...fieldsOf(inner.filter((o) => typeof o === 'object' && o !== null && 'type' in o))];
	});
}

const fail = (message: string, description: string): never => {
	throw new Error(`${message} | ${description}`);
};
const config = (changes: Partial<PaginationConfig> = {}): PaginationConfig => ({ ...PAGINATION_DEFAULTS, ...changes });
const state = (changes: Partial<PagingState> = {}): PagingState => ({ pages: 1, pageNumber: 1, url: 'https://h/api/v/x', ...changes });

describe('reading cursors and links', () => {
	it('finds a field at the top level, then under meta, and follows dots', () => {
		expect(readField({ next_cursor: 'a', meta: { next_cursor: 'b' } }, 'next_cursor')).toBe('a');
		expect(readField({ next_cursor: null, meta: { next_cursor: 'b' } }, 'next_cursor')).toBe('b');
		expect(readField({ paging: { next: 'c' } }, 'paging.next')).toBe('c');
		expect(readField({ meta: { paging: { next: 'd' } } }, 'paging.next')).toBe('d');
		expect(readField([1, 2], 'next')).toBeUndefined();
		expect(readField({ a: 1 }, '')).toBeUndefined();
	});

	it('a missing, null or empty cursor ends the list; numbers are cursors too', () => {
		expect(nextCursorOf({}, 'next_cursor')).toBeUndefined();
		expect(nextCursorOf({ next_cursor: null }, 'next_cursor')).toBeUndefined();
		expect(nextCursorOf({ next_cursor: '  ' }, 'next_cursor')).toBeUndefined();
		expect(nextCursorOf({ next_cursor: 42 }, 'next_cursor')).toBe('42');
		expect(nextCursorOf({ meta: { next_cursor: 'abc' } }, 'next_cursor')).toBe('abc');
	});

	it('parses rel="next" out of a Link header with several links', () => {
		expect(parseLinkHeader('<https://h/a?page=1>; rel="prev", <https://h/a?page=3>; rel="next"')).toBe('https://h/a?page=3');
		expect(parseLinkHeader('<https://h/a?x=1,2>; rel=next')).toBe('https://h/a?x=1,2');
		expect(parseLinkHeader('<https://h/a>; rel="next last"; title="x"')).toBe('https://h/a');
		expect(parseLinkHeader('<https://h/a>; rel="last"')).toBeUndefined();
		expect(parseLinkHeader(undefined)).toBeUndefined();
		expect(parseLinkHeader('garbage')).toBeUndefined();
	});

	it('takes the next link from the body first, then the Link header', () => {
		expect(nextLinkOf({ next: 'https://h/b' }, { link: '<https://h/c>; rel="next"' }, 'next')).toBe('https://h/b');
		expect(nextLinkOf({ next: null }, { link: '<https://h/c>; rel="next"' }, 'next')).toBe('https://h/c');
		expect(nextLinkOf({ links: { next: { href: '/x' } } }, {}, 'links.next')).toBe('/x');
		expect(nextLinkOf({}, {}, 'next')).toBeUndefined();
	});

	it('a page is a list when the payload (inside data) is an array', () => {
		expect(pageRecords({ kind: 'json', value: { data: [1, 2] } })).toEqual([1, 2]);
		expect(pageRecords({ kind: 'json', value: [3] })).toEqual([3]);
		expect(pageRecords({ kind: 'json', value: { data: { id: 1 } } })).toBeUndefined();
		expect(pageRecords({ kind: 'empty' })).toBeUndefined();
	});

	it('the page-size parameter defaults by scheme', () => {
		expect(pageSizeParameterOf(config())).toBe('limit');
		expect(pageSizeParameterOf(config({ mode: 'link' }))).toBe('limit');
		expect(pageSizeParameterOf(config({ mode: 'page' }))).toBe('per_page');
		expect(pageSizeParameterOf(config({ mode: 'page', pageSizeParameter: 'size' }))).toBe('size');
	});
});

describe('planning the next request', () => {
	const page = (body: unknown, records: unknown[] | undefined, perPage = 2, headers = {}) => ({ body, records, perPage, headers });

	it('cursor: next while there is a cursor; done on none, on an empty page or a non-list', () => {
		expect(planNext(config(), state(), page({ next_cursor: 'c2' }, [1, 2]))).toEqual({ kind: 'cursor', cursor: 'c2' });
		expect(planNext(config(), state(), page({ next_cursor: null }, [1, 2]))).toEqual({ kind: 'done' });
		expect(planNext(config(), state(), page({ next_cursor: 'c2' }, []))).toEqual({ kind: 'done' });
		expect(planNext(config(), state(), page({ next_cursor: 'c2' }, undefined))).toEqual({ kind: 'done' });
	});

	it('cursor: the same cursor again is reported as stuck', () => {
		expect(planNext(config(), state({ cursor: 'c2' }), page({ next_cursor: 'c2' }, [1])).kind).toBe('stuck');
	});

	it('page: next while pages are full; done on a short page or when meta.total is reached', () => {
		const pages = config({ mode: 'page' });
		expect(planNext(pages, state({ pageNumber: 3 }), page({}, [1, 2]))).toEqual({ kind: 'page', pageNumber: 4 });
		expect(planNext(pages, state(), page({}, [1]))).toEqual({ kind: 'done' });
		expect(planNext(pages, state({ pageNumber: 2 }), page({ meta: { total: 4 } }, [1, 2]))).toEqual({ kind: 'done' });
		expect(planNext(pages, state({ pageNumber: 1 }), page({ meta: { total: 5 } }, [1, 2]))).toEqual({ kind: 'page', pageNumber: 2 });
		// The server's per_page wins over what was asked (it may cap the page size).
		expect(planNext(pages, state(), page({ meta: { per_page: 2 } }, [1, 2], 500))).toEqual({ kind: 'page', pageNumber: 2 });
	});

	it('link: the body link, else the Link header; done without either', () => {
		const links = config({ mode: 'link' });
		expect(planNext(links, state(), page({ next: 'https://h/2' }, [1]))).toEqual({ kind: 'link', link: 'https://h/2' });
		expect(planNext(links, state(), page({}, [1], 2, { link: '<https://h/3>; rel="next"' }))).toEqual({ kind: 'link', link: 'https://h/3' });
		expect(planNext(links, state(), page({ next: null }, [1]))).toEqual({ kind: 'done' });
	});

	it('off: always done after one request', () => {
		expect(planNext(config({ mode: 'off' }), state(), page({ next_cursor: 'x' }, [1, 2]))).toEqual({ kind: 'done' });
	});
});

describe('reading the options', () => {
	it('defaults', () => {
		expect(readPagination({}, fail)).toEqual(PAGINATION_DEFAULTS);
		expect(readConcurrency(undefined, fail)).toBe(1);
	});

	it('refuses unknown schemes, bad numbers and names with spaces or query characters', () => {
		expect(() => readPagination({ pagination: 'offset' }, fail)).toThrow(/Pagination/);
		expect(() => readPagination({ pageSize: 0 }, fail)).toThrow(/Page Size must be a number from 1 to 1000/);
		expect(() => readPagination({ maxPages: -1 }, fail)).toThrow(/Max Pages/);
		expect(() => readPagination({ cursorParameter: 'a&b' }, fail)).toThrow(/Cursor Parameter/);
		expect(() => readConcurrency(17, fail)).toThrow(/Concurrency must be a number from 1 to 16/);
		expect(() => readConcurrency(0, fail)).toThrow(/Concurrency/);
	});

	it('refuses a fraction in a whole-number option (it is not rounded), and takes a whole number written as text', () => {
		expect(() => readPagination({ pageSize: 2.5 }, fail)).toThrow(/^The option Page Size must be a whole number from 1 to 1000 \| Field: Options › Page Size\. It is 2\.5\.$/);
		expect(() => readPagination({ maxPages: 10.01 }, fail)).toThrow(/^The option Max Pages must be a whole number from 1 to 100000 \|/);
		expect(() => readConcurrency(2.5, fail)).toThrow(/^The option Concurrency must be a whole number from 1 to 16 \|/);
		expect(readPagination({ pageSize: 25, maxPages: '7' as unknown as number }, fail)).toMatchObject({ pageSize: 25, maxPages: 7 });
		expect(readConcurrency(3, fail)).toBe(3);
	});

	it('the editor takes no fraction where the run refuses one: every whole-number field has numberPrecision 0', () => {
		const whole = ['limit', 'maxCharacters', 'pageSize', 'maxPages', 'concurrency', 'maxRetries', 'maxWaitSeconds', 'timeout'];
		for (const node of [new Flextell(), new FlextellTrigger()]) {
			const numbers = fieldsOf(node.description.properties).filter((f) => whole.includes(f.name) && f.type === 'number');
			expect(numbers.length).toBeGreaterThanOrEqual(node instanceof Flextell ? 8 : 5);
			for (const field of numbers) expect({ field: field.name, precision: field.typeOptions?.numberPrecision }).toEqual({ field: field.name, precision: 0 });
		}
	});

	it('empty names fall back to the defaults', () => {
		expect(readPagination({ cursorParameter: ' ', nextCursorField: '' }, fail)).toMatchObject({ cursorParameter: 'cursor', nextCursorField: 'next_cursor' });
	});
});

describe('mapConcurrent', () => {
	const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

	it('keeps results in index order and never has more than the limit in flight', async () => {
		let inFlight = 0;
		let most = 0;
		const results = await mapConcurrent(10, 3, async (i) => {
			inFlight++;
			most = Math.max(most, inFlight);
			await tick((10 - i) * 3);
			inFlight--;
			return i * 2;
		});
		expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
		expect(most).toBe(3);
	});

	it('after a failure starts nothing new, lets the running tasks finish, and throws the lowest failed index', async () => {
		const started: number[] = [];
		const finished: number[] = [];
		const run = mapConcurrent(10, 3, async (i) => {
			started.push(i);
			await tick(i === 2 ? 5 : 20);
			if (i === 1 || i === 2) throw new Error(`task ${i}`);
			finished.push(i);
			return i;
		});
		await expect(run).rejects.toThrow('task 1');
		expect(started).toEqual([0, 1, 2]);
		expect(finished).toEqual([0]);
	});

	it('handles zero tasks and a limit above the count', async () => {
		expect(await mapConcurrent(0, 4, async () => 1)).toEqual([]);
		expect(await mapConcurrent(2, 16, async (i) => i)).toEqual([0, 1]);
	});
});
