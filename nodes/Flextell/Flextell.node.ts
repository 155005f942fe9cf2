import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { itemParameters, nodeParameters, pagingAdvice, readPagination } from '../shared/parameters';
import { mapConcurrent } from './concurrency';
import { DEFAULT_MAX_CALL_SECONDS, requestProperties } from './FlextellDescription';
import type { ItemRequest } from './parameters';
import { readConcurrency, readItemList, readItemRequest } from './parameters';
import { reportRateLimitCost } from './rate-limit-hint';
import type { PaginationConfig, RequestContext, SuccessResponse } from '../shared/transport';
import { asNodeError, CREDENTIAL_TYPE, errorItem, listPages, pageRecords, payloadToItems, shapeOutput, systemClock } from '../shared/transport';
import { CACHE_LIMITS } from './cache';
import { callWithCache } from './cached-call';
import type { ToolAnswerSettings } from './tool-answer';
import { DEFAULT_MAX_CHARACTERS, isToolNode, parseFieldList, recordAnswer, toolAnswer } from './tool-answer';
import { toolErrorResult } from './tool-errors';

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
		// n8n also registers it as an AI Agent's tool (flextellTool); see toolDescription and toolOptions.
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: requestProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const startedAt = systemClock.now();
		const items = this.getInputData();
		const credentials: ICredentialDataDecryptedObject = await this.getCredentials(CREDENTIAL_TYPE);
		const node = nodeParameters(this);
		const concurrency = items.length > 1 ? readConcurrency(node.get('options.concurrency', 1), node.fail) : 1;
		const asTool = isToolNode(this.getNode());

		// Up to `concurrency` items in flight; results come back in item order.
		const perItem = await mapConcurrent(items.length, concurrency, async (itemIndex) => {
			if (asTool) return [{ json: await runToolItem(this, itemIndex, credentials, startedAt), pairedItem: { item: itemIndex } }];
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
	const result = await callItem(ctx, request, cacheSeconds);
	if (list) return firstRecords(result, request.options, list.limit);
	const output = shapeOutput(result, request.options);
	// A Full Response is always Flextell's own answer: with the cache on, the output says so.
	if (request.options.fullResponse && cacheSeconds > 0) output[0].fromCache = result.fromCache;
	return output;
}

/** An item's one request, through the shared GETs and (Options › Cache GET Responses) the cache. */
async function callItem(ctx: IExecuteFunctions, request: ItemRequest, cacheSeconds: number) {
	return await callWithCache(ctx, request.call, request.policy, {
		pathPrefix: request.prefix.pathPrefix,
		cacheSeconds,
		fullResponse: request.options.fullResponse,
	});
}

/**
 * One call made by an AI model (an AI Agent, or an MCP client through n8n's MCP Server Trigger):
 * the answer sized for the model (tool-answer.ts), or, when it fails, a result the model can act
 * on (tool-errors.ts) instead of an error. n8n would hand the model only a thrown error's message
 * (2.40.7) or stop the whole execution (1.123.81). A node set to Settings › On Error › Stop
 * Workflow still throws. The whole call, waits included, is over within Max Call Time: a client
 * waits for it (the MCP SDK's client gives up after 60 s).
 */
async function runToolItem(ctx: IExecuteFunctions, itemIndex: number, credentials: ICredentialDataDecryptedObject, startedAt: number): Promise<IDataObject> {
	const params = itemParameters(ctx, itemIndex);
	let method = 'GET';
	let path = '';
	let sent = false;
	try {
		method = String(params.get('method', 'GET')).toUpperCase();
		path = String(params.get('path', '') ?? '');
		const settings = readToolSettings(ctx, itemIndex);
		const request = readItemRequest(params, credentials);
		if (settings.maxCallSeconds > 0) request.policy.toolBound = { at: startedAt + settings.maxCallSeconds * 1000, seconds: settings.maxCallSeconds };
		if (request.call.body !== undefined && !isJsonObject(request.call.body)) {
			params.fail(
				`The body must be a JSON object, such as {"name": "Ada"}; it is ${Array.isArray(request.call.body) ? 'a list' : typeof request.call.body}`,
				'Field: JSON Body. Flextell creates and changes one record per call, described by a JSON object of its fields.',
			);
		}
		const list = readItemList(params, request);
		const cacheSeconds = readCacheSeconds(ctx, itemIndex, request);
		sent = true;
		// The list note names the node's own cursor field and parameter (Options › Pagination).
		const paging = list?.returnAll ? list.pagination : readPagination(params.get('options', {}) as IDataObject, params.fail);
		const call = {
			method,
			path,
			limit: list && !list.returnAll ? list.limit : undefined,
			returnAll: list?.returnAll === true,
			cursor: { field: paging.nextCursorField, parameter: paging.cursorParameter },
		};
		if (list?.returnAll) {
			// Every record, one per element, then bounded like any list.
			const records = await collectList(ctx, { ...request, options: { ...request.options, splitIntoItems: true } }, list.pagination);
			return toolAnswer({ data: records }, undefined, call, settings);
		}
		const result = await callItem(ctx, request, cacheSeconds);
		if (request.options.fullResponse) return recordAnswer(shapeOutput(result, request.options)[0], settings.maxCharacters);
		return toolAnswer(result.body.kind === 'json' ? result.body.value : undefined, result.headers, call, settings);
	} catch (error) {
		if (ctx.getNode().onError === 'stopWorkflow' || ctx.getExecutionCancelSignal?.()?.aborted) throw asNodeError(ctx.getNode(), error, itemIndex);
		return toolErrorResult(error, { method, path, sent }, secretsOf(credentials));
	}
}

function readToolSettings(ctx: IExecuteFunctions, itemIndex: number): ToolAnswerSettings & { maxCallSeconds: number } {
	const options = ctx.getNodeParameter('toolOptions', itemIndex, {}) as { maxCharacters?: unknown; keepFields?: unknown; dropFields?: unknown; maxCallSeconds?: unknown };
	const rawCall = options.maxCallSeconds;
	const maxCallSeconds = rawCall === undefined || rawCall === null || rawCall === '' ? DEFAULT_MAX_CALL_SECONDS : Number(rawCall);
	if (!Number.isFinite(maxCallSeconds) || maxCallSeconds < 0 || maxCallSeconds > 3600) {
		throw new NodeOperationError(ctx.getNode(), `The option Max Call Time must be a number of seconds from 0 to 3600 (item ${itemIndex})`, {
			itemIndex,
			description: `Field: Answer for the Model › Max Call Time (Seconds). It is ${String(rawCall)}.`,
		});
	}
	const raw = options.maxCharacters;
	const maxCharacters = raw === undefined || raw === null || raw === '' ? DEFAULT_MAX_CHARACTERS : Number(raw);
	if (!Number.isInteger(maxCharacters) || maxCharacters < 0) {
		throw new NodeOperationError(ctx.getNode(), `The option Max Characters must be a whole number of at least 0 (item ${itemIndex})`, {
			itemIndex,
			description: `Field: Answer for the Model › Max Characters. It is ${String(raw)}.`,
		});
	}
	return { maxCharacters, maxCallSeconds, keep: parseFieldList(options.keepFields), drop: parseFieldList(options.dropFields) };
}

function isJsonObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The credential's secrets, kept out of anything the model reads. */
function secretsOf(credentials: ICredentialDataDecryptedObject): string[] {
	const tokens = (credentials.oauthTokenData ?? {}) as IDataObject;
	return [tokens.access_token, tokens.refresh_token, credentials.clientSecret].filter((value): value is string => typeof value === 'string' && value !== '');
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
