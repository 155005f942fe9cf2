/**
 * `callFlextell` with fewer requests for the same answer, used where the node sends an item's
 * request:
 *
 * - Identical GETs in flight at the same moment (same credential, URL, query, headers and request
 *   options) share one request: the first one sends, the others wait for its answer and each get
 *   their own copy. An error is shared the same way and each item fails (or continues) with its
 *   own item index. If the sending item's execution is cancelled, the others send again.
 * - With Options › Cache GET Responses (Seconds) above 0, a successful (200) JSON answer is kept
 *   in the process-wide store and reused for that long. An expired answer that came with an ETag
 *   or Last-Modified is revalidated (If-None-Match / If-Modified-Since); a 304 reuses it.
 * - Every POST, PUT, PATCH or DELETE through the credential drops the stored answers of its path
 *   and of the paths above and below it in the same resource, before it is sent and after it ended.
 *
 * Never from the store: errors and 204s (never stored), Full Response (always Flextell's own
 * answer of the moment), GETs whose own headers are conditional. The trigger and Return All do not
 * come through here.
 */
import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { CacheEntry, Flight } from './cache';
import {
	conditionalHeaders,
	entryBytes,
	flights,
	forbidsStoring,
	invalidateForWrite,
	isConditional,
	isFresh,
	requestKey,
	resourceSegments,
	responseStore,
	validatorsOf,
} from './cache';
import type { CallPolicy, FlextellCall, RequestContext, SuccessResponse } from '../shared/transport';
import { asNodeError, callFlextell, cancelledError, isPlainObject, systemClock } from '../shared/transport';

interface CacheOptions {
	/** The API prefix's path (`/api/v0.0.1/`): what follows it names the resource. */
	pathPrefix: string;
	/** 0: share identical GETs in flight only. */
	cacheSeconds: number;
	/** Full Response: never read from or written to the store. */
	fullResponse: boolean;
}

interface CachedResult extends SuccessResponse {
	/** Served from the store (fresh, or confirmed by a 304), not by a request of its own. */
	fromCache: boolean;
}

export async function callWithCache(
	ctx: RequestContext,
	call: FlextellCall,
	policy: CallPolicy,
	options: CacheOptions,
): Promise<CachedResult> {
	const scope = policy.gateKey;
	const segments = resourceSegments(call.url, options.pathPrefix);
	if (call.method !== 'GET') {
		invalidateForWrite(scope, segments);
		try {
			return { ...(await callFlextell(ctx, call, policy)), fromCache: false };
		} finally {
			// A GET that overlapped the write may have read the old record: keep it out too.
			invalidateForWrite(scope, segments);
		}
	}

	const key = requestKey(scope, call);
	const useStore = options.cacheSeconds > 0 && !options.fullResponse && !isConditional(call.headers);
	let expired: CacheEntry | undefined;
	if (useStore) {
		const entry = responseStore.get(key);
		if (entry && isFresh(entry, options.cacheSeconds, (policy.clock ?? systemClock).now())) return storedCopy(entry);
		if (entry && (entry.validators.etag || entry.validators.lastModified)) expired = entry;
	}

	const shared = await shareFlight(ctx, call, policy, { key, scope, segments, expired, keepText: useStore });
	if (useStore && shared.flight.storable) store(key, scope, segments, shared);
	return { ...shared.result, fromCache: shared.revalidated };
}

/** What a flight hands each item: its own copy of the answer, and what storing needs. */
interface Shared {
	result: SuccessResponse;
	/** The answer's JSON text, when someone needs copies or may store it. */
	text?: string;
	revalidated: boolean;
	/** When Flextell gave (or confirmed) the answer. */
	at: number;
	flight: Flight<Outcome>;
}

interface Outcome {
	result: SuccessResponse;
	text?: string;
	revalidated: boolean;
	at: number;
}

type SharedFlight = Flight<Outcome> & { senderCancelled?: boolean };

async function shareFlight(
	ctx: RequestContext,
	call: FlextellCall,
	policy: CallPolicy,
	request: { key: string; scope: string; segments: string[]; expired?: CacheEntry; keepText: boolean },
): Promise<Shared> {
	// Items with other retry or timeout options would wait by other rules: they do not share.
	const flightKey = `${request.key} ${policy.timeoutMs} ${policy.maxRetries} ${policy.maxWaitSeconds}`;
	for (;;) {
		const existing = flights.get(flightKey) as SharedFlight | undefined;
		if (existing) {
			existing.waiters += 1;
			try {
				const outcome = await untilAnswered(ctx, existing.promise, policy);
				return { ...outcome, result: copyOf(outcome), flight: existing };
			} catch (error) {
				if (existing.senderCancelled) continue;
				throw forItem(error, policy.itemIndex);
			}
		}

		const flight: SharedFlight = { scope: request.scope, segments: request.segments, waiters: 0, storable: true, promise: undefined as never };
		flights.set(flightKey, flight);
		flight.promise = send(ctx, call, policy, request, flight).finally(() => {
			if (flights.get(flightKey) === flight) flights.delete(flightKey);
		});
		const outcome = await flight.promise;
		return { ...outcome, flight };
	}
}

async function send(
	ctx: RequestContext,
	call: FlextellCall,
	policy: CallPolicy,
	request: { expired?: CacheEntry; keepText: boolean },
	flight: SharedFlight,
): Promise<Outcome> {
	const { expired } = request;
	const sent = expired ? { ...call, headers: { ...call.headers, ...conditionalHeaders(expired.validators) } } : call;
	let result: SuccessResponse;
	let revalidated = false;
	try {
		result = await callFlextell(ctx, sent, policy);
	} catch (error) {
		if (expired && isNotModified(error)) {
			result = storedCopy(expired);
			revalidated = true;
		} else {
			flight.senderCancelled = ctx.getExecutionCancelSignal?.()?.aborted === true;
			throw asNodeError(ctx.getNode(), error, policy.itemIndex);
		}
	}
	const needsText = result.body.kind === 'json' && (request.keepText || flight.waiters > 0);
	const text = revalidated ? expired?.bodyText : needsText ? JSON.stringify((result.body as { value: unknown }).value) : undefined;
	return { result, text, revalidated, at: (policy.clock ?? systemClock).now() };
}

/**
 * callFlextell refuses every 3xx as a redirect it will not follow; to a request it made
 * conditional, a 304 is the answer "unchanged".
 */
function isNotModified(error: unknown): boolean {
	return error instanceof NodeApiError && error.httpCode === '304';
}

function store(key: string, scope: string, segments: string[], shared: Shared): void {
	const { result, text } = shared;
	if (result.statusCode !== 200 || result.body.kind !== 'json' || text === undefined) return;
	if (!shared.revalidated && forbidsStoring(result.headers)) return;
	responseStore.set(key, {
		scope,
		segments,
		statusCode: result.statusCode,
		headers: result.headers,
		bodyText: text,
		validators: validatorsOf(result.headers),
		storedAt: shared.at,
		bytes: entryBytes(text, result.headers),
	});
}

/** A new copy of a stored answer, marked as from the cache: what one item changes downstream, no other item sees. */
function storedCopy(entry: CacheEntry): CachedResult {
	return {
		statusCode: entry.statusCode,
		headers: copyHeaders(entry.headers),
		body: { kind: 'json', value: JSON.parse(entry.bodyText) },
		fromCache: true,
	};
}

function copyOf(outcome: Outcome): SuccessResponse {
	const { result, text } = outcome;
	return {
		statusCode: result.statusCode,
		headers: copyHeaders(result.headers),
		body: result.body.kind === 'json' && text !== undefined ? { kind: 'json', value: JSON.parse(text) } : { kind: 'empty' },
	};
}

function copyHeaders(headers: IDataObject): IDataObject {
	const copy: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) copy[name] = Array.isArray(value) ? [...value] : value;
	return copy;
}

/** The shared answer, unless this item's own execution is cancelled first. */
async function untilAnswered(ctx: RequestContext, promise: Promise<Outcome>, policy: CallPolicy): Promise<Outcome> {
	const signal = ctx.getExecutionCancelSignal?.();
	if (!signal) return await promise;
	const cancelled = () => cancelledError(ctx, policy);
	if (signal.aborted) throw cancelled();
	let onAbort: () => void = () => {};
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_resolve, reject) => {
				onAbort = () => reject(cancelled());
				signal.addEventListener('abort', onAbort, { once: true });
			}),
		]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

/** The same error for another item: a copy carrying that item's index. */
function forItem(error: unknown, itemIndex: number): unknown {
	if (!(error instanceof Error)) return error;
	const copy = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error)) as Error & { context?: IDataObject };
	const context = (error as { context?: unknown }).context;
	if (isPlainObject(context)) copy.context = { ...context, itemIndex };
	return copy;
}
