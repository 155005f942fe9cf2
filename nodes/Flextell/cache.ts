/**
 * The memory behind "fewer requests for the same answer": which GETs count as the same request,
 * the bounded store of successful GET answers (least recently used goes first), and which stored
 * answers a write makes stale. Pure logic with the clock as a parameter, plus the two pieces of
 * process-wide state (the store and the table of GETs in flight), so that every item, node and
 * execution in this n8n process shares them, as they share the 429 gate.
 *
 * Every entry belongs to a scope: the gate key (credential id + Base URL). The request URL holds
 * the API version, so answers are never shared between credentials, Base URLs or API versions.
 */
import type { IDataObject } from 'n8n-workflow';

/** Documented in the README: the store never holds more than this. */
export const CACHE_LIMITS = {
	/** Stored answers across all credentials. */
	entries: 500,
	/** Size of all stored answers (their JSON text in UTF-8 bytes, headers included). */
	bytes: 16 * 1024 * 1024,
	/** A bigger answer is not stored at all (it would push out many small ones). */
	entryBytes: 2 * 1024 * 1024,
	/** Upper bound of Options › Cache GET Responses (Seconds). */
	seconds: 86_400,
} as const;

interface RequestIdentity {
	url: string;
	qs?: IDataObject;
	headers?: Record<string, string>;
}

/**
 * The identity of a GET: scope, URL, query (parameter order does not matter, value order does)
 * and the user's headers (names case-insensitive). Two GETs with the same key get the same answer.
 */
export function requestKey(scope: string, request: RequestIdentity): string {
	const query = Object.keys(request.qs ?? {})
		.sort()
		.map((name) => [name, request.qs?.[name]]);
	const headers = Object.entries(request.headers ?? {})
		.map(([name, value]) => [name.toLowerCase(), value])
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return JSON.stringify([scope, request.url, query, headers]);
}

/** The path segments after the API prefix: `…/v0.0.1/contacts/obj_1?x=1` → ['contacts', 'obj_1']. */
export function resourceSegments(url: string, pathPrefix: string): string[] {
	const pathname = new URL(url).pathname;
	const rest = pathname.startsWith(pathPrefix) ? pathname.slice(pathPrefix.length) : pathname;
	return rest.split('/').filter((segment) => segment !== '');
}

/**
 * Whether a write to `written` can change the answer of a GET of `read`: the same resource (first
 * segment), and one path lies on the other's way (`contacts/obj_1` and `contacts`, or
 * `contacts/obj_1/notes`). `contacts/obj_1` and `contacts/obj_2` are unrelated.
 */
export function writeAffects(written: readonly string[], read: readonly string[]): boolean {
	if (written.length === 0 || read.length === 0) return true;
	const shorter = Math.min(written.length, read.length);
	for (let i = 0; i < shorter; i++) if (written[i] !== read[i]) return false;
	return true;
}

/** Whether the user's own headers already make the GET conditional (then the node stays out of it). */
export function isConditional(headers: Record<string, string> | undefined): boolean {
	return Object.keys(headers ?? {}).some((name) => /^if-(none-match|modified-since|match|unmodified-since|range)$/i.test(name));
}

interface Validators {
	etag?: string;
	lastModified?: string;
}

export function validatorsOf(headers: IDataObject): Validators {
	const text = (name: string) => {
		const value = headers[name];
		const first = Array.isArray(value) ? value[0] : value;
		return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
	};
	return { etag: text('etag'), lastModified: text('last-modified') };
}

/** The headers that ask Flextell "changed since?" for a stored answer. */
export function conditionalHeaders(validators: Validators): Record<string, string> {
	const headers: Record<string, string> = {};
	if (validators.etag) headers['If-None-Match'] = validators.etag;
	if (validators.lastModified) headers['If-Modified-Since'] = validators.lastModified;
	return headers;
}

/** Flextell said not to keep this answer (`Cache-Control: no-store`, or `no-cache`, which we do not model). */
export function forbidsStoring(headers: IDataObject): boolean {
	const value = headers['cache-control'];
	const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
	return /(^|[\s,])no-(store|cache)\b/i.test(text);
}

/** UTF-8 length of a string without allocating its encoding. */
export function utf8Length(text: string): number {
	let bytes = 0;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x80) bytes += 1;
		else if (code < 0x800) bytes += 2;
		else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
			bytes += 4;
			i++;
		} else bytes += 3;
	}
	return bytes;
}

/** One stored successful GET answer. The body is kept as JSON text: every reader parses its own copy. */
export interface CacheEntry {
	scope: string;
	segments: string[];
	statusCode: number;
	headers: IDataObject;
	bodyText: string;
	validators: Validators;
	/** When Flextell last gave or confirmed this answer (epoch ms). */
	storedAt: number;
	bytes: number;
}

interface CacheLimits {
	entries: number;
	bytes: number;
	entryBytes: number;
}

export function entryBytes(bodyText: string, headers: IDataObject): number {
	return utf8Length(bodyText) + utf8Length(JSON.stringify(headers));
}

/**
 * A least-recently-used store with a cap on entries and on bytes. A Map keeps insertion order;
 * every read moves the entry to the end, so the first entry is always the one to evict.
 */
export class ResponseStore {
	private readonly entries = new Map<string, CacheEntry>();
	private totalBytes = 0;

	constructor(private readonly limits: CacheLimits = CACHE_LIMITS) {}

	get size(): number {
		return this.entries.size;
	}

	get bytes(): number {
		return this.totalBytes;
	}

	/** The entry (marked as just used), or undefined. Freshness is the reader's business. */
	get(key: string): CacheEntry | undefined {
		const entry = this.entries.get(key);
		if (entry === undefined) return undefined;
		this.entries.delete(key);
		this.entries.set(key, entry);
		return entry;
	}

	/** Stores or replaces; returns false when the entry is too big to store. */
	set(key: string, entry: CacheEntry): boolean {
		this.delete(key);
		if (entry.bytes > this.limits.entryBytes || entry.bytes > this.limits.bytes) return false;
		this.entries.set(key, entry);
		this.totalBytes += entry.bytes;
		for (const [oldest] of this.entries) {
			if (this.entries.size <= this.limits.entries && this.totalBytes <= this.limits.bytes) break;
			this.delete(oldest);
		}
		return true;
	}

	delete(key: string): void {
		const entry = this.entries.get(key);
		if (entry === undefined) return;
		this.entries.delete(key);
		this.totalBytes -= entry.bytes;
	}

	/** Drops what a write to `segments` in `scope` makes stale; returns how many entries went. */
	invalidate(scope: string, segments: readonly string[]): number {
		let dropped = 0;
		for (const [key, entry] of this.entries) {
			if (entry.scope === scope && writeAffects(segments, entry.segments)) {
				this.delete(key);
				dropped++;
			}
		}
		return dropped;
	}

	keys(): string[] {
		return [...this.entries.keys()];
	}

	clear(): void {
		this.entries.clear();
		this.totalBytes = 0;
	}
}

/** Whether an entry stored at `storedAt` may still be served without asking Flextell. */
export function isFresh(entry: Pick<CacheEntry, 'storedAt'>, cacheSeconds: number, now: number): boolean {
	return now - entry.storedAt < cacheSeconds * 1000;
}

// ---------------------------------------------------------------------------------------------
// Process-wide state

/** The stored answers of every credential, one store for this n8n process (memory only). */
export const responseStore = new ResponseStore();

/** A GET on its way to Flextell that identical GETs wait for instead of sending their own. */
export interface Flight<T> {
	scope: string;
	segments: string[];
	promise: Promise<T>;
	/** Items waiting for this flight besides the one that sent it. */
	waiters: number;
	/** Cleared when a write to a related path overlapped the flight: its answer is not stored. */
	storable: boolean;
}

export const flights = new Map<string, Flight<unknown>>();

/**
 * A write to `segments` in `scope`: drops the stored answers it makes stale, and keeps GETs in
 * flight on related paths from being joined or stored (their answer may predate the write).
 * Called before the write is sent and again after it ended, so no overlapping GET slips through.
 */
export function invalidateForWrite(scope: string, segments: readonly string[]): void {
	responseStore.invalidate(scope, segments);
	for (const [key, flight] of flights) {
		if (flight.scope === scope && writeAffects(segments, flight.segments)) {
			flight.storable = false;
			flights.delete(key);
		}
	}
}

/** For tests: forget every stored answer and flight. */
export function resetCache(): void {
	responseStore.clear();
	flights.clear();
}
