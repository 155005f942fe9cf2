/**
 * Pagination planning, for any sequence of pages a server may send (repeated or cycling cursors,
 * links back to earlier pages, short and empty pages, lists that never end): the node never asks
 * for the same page twice, never makes more than Max Pages requests, and always ends, either
 * because the list ended or with an error that names the item.
 */
import fc from 'fast-check';
import type { IDataObject, IHttpRequestOptions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { PaginationConfig, PaginationMode } from '../../nodes/shared/transport/pagination';
import { listPages } from '../../nodes/shared/transport/pagination';
import type { RequestContext } from '../../nodes/shared/transport/types';
import { resolveApiPrefix } from '../../nodes/shared/transport/url';
import { PAGINATION_DEFAULTS } from '../../nodes/shared/descriptions';
import { check } from './property-config';

const NODE: INode = { id: 'n1', name: 'Flextell', type: 'n8n-nodes-flextell.flextell', typeVersion: 1, position: [0, 0], parameters: {} };
const PREFIX = resolveApiPrefix('https://flextell.example/api', 'v0.0.1');
const FIRST_URL = `${PREFIX.href}contacts`;

const cursor = fc.constantFrom('A', 'B', 'C', '', null, 7);
const nextLink = fc.constantFrom(
	undefined,
	'contacts?c=A',
	'contacts?c=B',
	`${PREFIX.href}contacts?c=C`,
	`${PREFIX.href}contacts`,
	'https://elsewhere.example/api/v0.0.1/contacts?c=D',
);
const page = fc.record({
	records: fc.integer({ min: 0, max: 6 }),
	next_cursor: cursor,
	next: nextLink,
	total: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});
const scenario = fc.record({
	mode: fc.constantFrom<PaginationMode>('cursor', 'page', 'link', 'off'),
	maxPages: fc.integer({ min: 1, max: 15 }),
	pageSize: fc.integer({ min: 1, max: 6 }),
	pages: fc.array(page, { minLength: 1, maxLength: 25 }),
	notAList: fc.boolean(),
});

/** A server that answers request n with page n of the script (the last one again once it runs out). */
function fakeServer(pages: Array<{ records: number; next_cursor: unknown; next?: string; total?: number }>, notAList: boolean) {
	const requests: Array<{ url: string; qs: IDataObject }> = [];
	const ctx: RequestContext = {
		getNode: () => NODE,
		helpers: {
			httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) => {
				requests.push({ url: options.url, qs: { ...(options.qs ?? {}) } });
				const n = requests.length - 1;
				const script = pages[Math.min(n, pages.length - 1)];
				const data = notAList && n === 0 ? { id: 'single' } : Array.from({ length: script.records }, (_, i) => ({ id: `p${n}-${i}` }));
				const body = { data, next_cursor: script.next_cursor, next: script.next, total: script.total };
				return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
			},
		},
	};
	return { ctx, requests };
}

describe('pagination planning (property-based)', () => {
	it('never repeats a request, never passes Max Pages, and always ends', async () => {
		await check(
			fc.asyncProperty(scenario, async ({ mode, maxPages, pageSize, pages, notAList }) => {
				const { ctx, requests } = fakeServer(pages, notAList);
				const config: PaginationConfig = { ...PAGINATION_DEFAULTS, mode, maxPages, pageSize };
				const policy = { itemIndex: 3, gateKey: 'property', timeoutMs: 1000, maxRetries: 0, maxWaitSeconds: 1 };
				let pagesSeen = 0;
				let failure: unknown;
				try {
					for await (const listed of listPages(ctx, { method: 'GET', url: FIRST_URL }, policy, PREFIX, config)) {
						pagesSeen = listed.number;
					}
				} catch (error) {
					failure = error;
				}
				expect(requests.length).toBeLessThanOrEqual(maxPages);
				expect(pagesSeen).toBe(requests.length);
				const keys = requests.map((r) => `${r.url} ${JSON.stringify(r.qs)}`);
				expect(new Set(keys).size).toBe(keys.length);
				if (failure !== undefined) {
					expect(failure).toBeInstanceOf(NodeOperationError);
					expect((failure as Error).message).toMatch(/\(item 3\)$/);
				}
				if (mode === 'off' || notAList) expect(requests).toHaveLength(1);
			}),
		);
	});
});
