import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { itemParameters, nodeParameters } from '../shared/parameter-source';
import { credentialSecrets, pagingAdvice } from '../shared/parameters';
import { mapConcurrent } from './concurrency';
import { requestProperties } from './FlextellDescription';
import type { ItemSettings, OutputShape, ToolSettings } from './parameters';
import { readConcurrency, readItemSettings, readItemTarget } from './parameters';
import { reportRateLimitCost } from './rate-limit-hint';
import type { PaginationConfig, RequestContext, SuccessResponse } from '../shared/transport';
import { asNodeError, CREDENTIAL_TYPE, errorItem, listPages, pageRecords, payloadToItems, shapeOutput, systemClock } from '../shared/transport';
import { callWithCache } from './cached-call';
import { isToolNode, recordAnswer, toolAnswer } from './tool-answer';
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
	const settings = readItemSettings(params, credentials, readItemTarget(params), false);
	const { list, output } = settings;
	if (list?.returnAll) return await collectList(ctx, settings, list.pagination);
	// One request, through the shared GETs and (Options › Cache GET Responses) the cache.
	const result = await callItem(ctx, settings);
	if (list) return firstRecords(result, output, list.limit);
	const json = shapeOutput(result, output);
	// A Full Response is always Flextell's own answer: with the cache on, the output says so.
	if (output.fullResponse && settings.cacheSeconds > 0) json[0].fromCache = result.fromCache;
	return json;
}

/** An item's one request, through the shared GETs and (Options › Cache GET Responses) the cache. */
async function callItem(ctx: IExecuteFunctions, settings: ItemSettings) {
	return await callWithCache(ctx, settings.call, settings.policy, {
		pathPrefix: settings.prefix.pathPrefix,
		cacheSeconds: settings.cacheSeconds,
		fullResponse: settings.output.fullResponse,
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
	const target = readItemTarget(params);
	let sent = false;
	try {
		const settings = readItemSettings(params, credentials, target, true);
		const { list, output } = settings;
		const tool = settings.tool as ToolSettings;
		if (tool.maxCallSeconds > 0) settings.policy.toolBound = { at: startedAt + tool.maxCallSeconds * 1000, seconds: tool.maxCallSeconds };
		sent = true;
		if (list?.returnAll) {
			// Every record, one per element, then bounded like any list.
			const records = await collectList(ctx, { ...settings, output: { ...output, splitIntoItems: true } }, list.pagination);
			return toolAnswer({ data: records }, undefined, tool.call, tool.answer);
		}
		const result = await callItem(ctx, settings);
		if (output.fullResponse) return recordAnswer(shapeOutput(result, output)[0], tool.answer.maxCharacters);
		return toolAnswer(result.body.kind === 'json' ? result.body.value : undefined, result.headers, tool.call, tool.answer);
	} catch (error) {
		if (ctx.getNode().onError === 'stopWorkflow' || ctx.getExecutionCancelSignal?.()?.aborted) throw asNodeError(ctx.getNode(), error, itemIndex);
		return toolErrorResult(error, { method: target.method, path: String(target.path ?? ''), sent }, credentialSecrets(credentials));
	}
}

/** The output of one request, a list cut to its first `limit` records. */
function firstRecords(result: SuccessResponse, output: OutputShape, limit: number): IDataObject[] {
	const records = pageRecords(result.body);
	if (records === undefined || records.length <= limit) return shapeOutput(result, output);
	return payloadToItems(records.slice(0, limit), output.splitIntoItems);
}

/** Streams every page's records into one array (no copying of what is already in). */
async function collectList(
	ctx: RequestContext,
	settings: Pick<ItemSettings, 'call' | 'policy' | 'prefix' | 'output'>,
	pagination: PaginationConfig,
): Promise<IDataObject[]> {
	const records: unknown[] = [];
	for await (const page of listPages(ctx, settings.call, settings.policy, settings.prefix, pagination, { advice: pagingAdvice })) {
		if (page.records === undefined) {
			// Not a list (a single record, an empty answer): shaped as without paging.
			if (page.number === 1) return shapeOutput(page.result, settings.output);
			break;
		}
		for (const record of page.records) records.push(record);
	}
	return payloadToItems(records, settings.output.splitIntoItems);
}
