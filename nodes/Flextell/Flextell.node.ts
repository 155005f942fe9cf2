import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { itemParameters, nodeParameters, pagingAdvice } from '../shared/parameters';
import { mapConcurrent } from './concurrency';
import { requestProperties } from './FlextellDescription';
import type { ItemRequest } from './parameters';
import { readConcurrency, readItemList, readItemRequest } from './parameters';
import { reportRateLimitCost } from './rate-limit-hint';
import type { PaginationConfig, RequestContext, SuccessResponse } from '../shared/transport';
import { asNodeError, CREDENTIAL_TYPE, errorItem, listPages, pageRecords, payloadToItems, shapeOutput } from '../shared/transport';
import { CACHE_LIMITS } from './cache';
import { callWithCache } from './cached-call';

export class Flextell implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Flextell',
		name: 'flextell',
		icon: { light: 'file:../../icons/flextell.svg', dark: 'file:../../icons/flextell.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["method"] + " " + $parameter["path"] }}',
		description: 'Call any resource of the Flextell API, with rate limits handled',
		defaults: { name: 'Flextell' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: requestProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const startedAt = Date.now();
		const items = this.getInputData();
		const credentials: ICredentialDataDecryptedObject = await this.getCredentials(CREDENTIAL_TYPE);
		const node = nodeParameters(this);
		const concurrency = items.length > 1 ? readConcurrency(node.get('options.concurrency', 1), node.fail) : 1;

		// Up to `concurrency` items in flight; results come back in item order.
		const perItem = await mapConcurrent(items.length, concurrency, async (itemIndex) => {
			try {
				const json = await runItem(this, itemIndex, credentials);
				return json.map((entry): INodeExecutionData => ({ json: entry, pairedItem: { item: itemIndex } }));
			} catch (error) {
				if (!this.continueOnFail()) throw asNodeError(this.getNode(), error, itemIndex);
				// Not the item's `error` field: n8n would replace the json with the bare message.
				return [{ json: errorItem(error) as unknown as IDataObject, pairedItem: { item: itemIndex } }];
			}
		});

		const output: INodeExecutionData[] = [];
		for (const entries of perItem) for (const entry of entries) output.push(entry);
		reportRateLimitCost(this, startedAt);
		return [output];
	}
}

/**
 * One input item. Return All: every page of the list. Otherwise exactly one request, as the user
 * wrote it (path and Query Parameters, nothing added), with a list cut to Limit.
 */
async function runItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	credentials: ICredentialDataDecryptedObject,
): Promise<IDataObject[]> {
	const params = itemParameters(ctx, itemIndex);
	const request = readItemRequest(params, credentials);
	const list = readItemList(params, request);
	if (list?.returnAll) return await collectList(ctx, request, list.pagination);
	// One request, through the shared GETs and (Options › Cache GET Responses) the cache.
	const cacheSeconds = readCacheSeconds(ctx, itemIndex, request);
	const result = await callWithCache(ctx, request.call, request.policy, {
		pathPrefix: request.prefix.pathPrefix,
		cacheSeconds,
		fullResponse: request.options.fullResponse,
	});
	if (list) return firstRecords(result, request.options, list.limit);
	const output = shapeOutput(result, request.options);
	// A Full Response is always Flextell's own answer: with the cache on, the output says so.
	if (request.options.fullResponse && cacheSeconds > 0) output[0].fromCache = result.fromCache;
	return output;
}

function readCacheSeconds(ctx: IExecuteFunctions, itemIndex: number, request: ItemRequest): number {
	if (request.call.method !== 'GET') return 0;
	const value = ctx.getNodeParameter('options.cacheSeconds', itemIndex, 0) as unknown;
	const seconds = value === '' || value === null || value === undefined ? 0 : Number(value);
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > CACHE_LIMITS.seconds) {
		throw new NodeOperationError(ctx.getNode(), `The option Cache GET Responses (Seconds) must be a number from 0 to ${CACHE_LIMITS.seconds} (item ${itemIndex})`, {
			itemIndex,
			description: `Field: Options › Cache GET Responses (Seconds). It is ${String(value)}.`,
		});
	}
	return seconds;
}

/** The output of one request, a list cut to its first `limit` records. */
function firstRecords(result: SuccessResponse, options: ItemRequest['options'], limit: number): IDataObject[] {
	const records = pageRecords(result.body);
	if (records === undefined || records.length <= limit) return shapeOutput(result, options);
	return payloadToItems(records.slice(0, limit), options.splitIntoItems);
}

/** Streams every page's records into one array (no copying of what is already in). */
async function collectList(
	ctx: RequestContext,
	request: Pick<ItemRequest, 'call' | 'policy' | 'prefix' | 'options'>,
	pagination: PaginationConfig,
): Promise<IDataObject[]> {
	const records: unknown[] = [];
	for await (const page of listPages(ctx, request.call, request.policy, request.prefix, pagination, { advice: pagingAdvice })) {
		if (page.records === undefined) {
			// Not a list (a single record, an empty answer): shaped as without paging.
			if (page.number === 1) return shapeOutput(page.result, request.options);
			break;
		}
		for (const record of page.records) records.push(record);
	}
	return payloadToItems(records, request.options.splitIntoItems);
}
