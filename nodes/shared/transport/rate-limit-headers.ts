/**
 * What a response says about the rate limit, from the headers servers commonly send (Flextell's
 * API documentation names none of them; Flextell may send one some day, or a gateway in front of it may):
 *
 * - IETF `RateLimit` / `RateLimit-Policy` (structured fields: `"default";r=12;t=3` and
 *   `"default";q=50;w=5`; also the older `limit=50, remaining=12, reset=3` form);
 * - the earlier draft's `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset`;
 * - the widespread `X-RateLimit-Limit` / `X-RateLimit-Remaining` / `X-RateLimit-Reset`.
 *
 * A reset is read as seconds to go, unless it is at least 1 000 000 000 (September 2001 as epoch
 * seconds, 31 years as seconds to go): then it is an epoch time in seconds. A value that makes no
 * sense is ignored, never guessed at: not a whole number, negative, more than a day away, an epoch
 * time in the past, or a remaining count above the limit the same style states. When several
 * styles are present (a gateway and the API may each send theirs) the most restrictive one counts.
 *
 * Pure functions: the clock is a parameter.
 */
import type { IDataObject } from 'n8n-workflow';

/** What one response said: `remaining` requests may start before `resetAt` (epoch ms). */
export interface Allowance {
	remaining: number;
	resetAt: number;
	/** The limit per window, when the response said it. */
	limit?: number;
	style: 'ietf' | 'draft' | 'x';
}

/** Reset values at or above this are epoch seconds; below it, seconds to go. */
const EPOCH_THRESHOLD_SECONDS = 1_000_000_000;
/** No reset is believed further away than this. */
const MAX_RESET_MS = 24 * 3600 * 1000;
/** Counts above this are not believed either. */
const MAX_COUNT = 1_000_000_000;

export function readAllowance(headers: IDataObject, now: number): Allowance | undefined {
	const readings = [ietf(headers, now), draft(headers, now, 'ratelimit-', 'draft'), draft(headers, now, 'x-ratelimit-', 'x')].filter(
		(a): a is Allowance => a !== undefined,
	);
	return mostRestrictive(readings);
}

/** Of several readings, the one that runs out first: fewest requests left, then the latest reset. */
function mostRestrictive(readings: Allowance[]): Allowance | undefined {
	if (readings.length === 0) return undefined;
	return readings.reduce((a, b) => (b.remaining < a.remaining || (b.remaining === a.remaining && b.resetAt > a.resetAt) ? b : a));
}

/** One header's single value: a repeated header that disagrees with itself is no value. */
function single(headers: IDataObject, name: string): string | undefined {
	const value = headers[name];
	if (Array.isArray(value)) {
		const texts = new Set(value.map((v) => String(v).trim()));
		return texts.size === 1 ? [...texts][0] : undefined;
	}
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' ? value.trim() : undefined;
}

/** A whole number of requests, 0 … MAX_COUNT. */
function parseCount(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
	const n = Number(text);
	return n <= MAX_COUNT ? n : undefined;
}

/**
 * A reset value (whole or decimal seconds) as an epoch-ms moment: seconds to go below
 * EPOCH_THRESHOLD_SECONDS, epoch seconds at or above it. Undefined when negative, garbage, an
 * epoch time in the past, or further away than MAX_RESET_MS.
 */
export function parseReset(text: string | undefined, now: number): number | undefined {
	if (text === undefined || !/^\d{1,12}(\.\d{1,6})?$/.test(text)) return undefined;
	const seconds = Number(text);
	if (seconds >= EPOCH_THRESHOLD_SECONDS) {
		const at = Math.ceil(seconds * 1000);
		// Epoch seconds are whole: the second that has just begun still counts as now.
		if (at < now - 1000 || at - now > MAX_RESET_MS) return undefined;
		return Math.max(at, now);
	}
	const ms = Math.ceil(seconds * 1000);
	return ms > MAX_RESET_MS ? undefined : now + ms;
}

function consistent(remaining: number | undefined, resetAt: number | undefined, limit: number | undefined) {
	if (remaining === undefined || resetAt === undefined) return false;
	return limit === undefined || (limit > 0 && remaining <= limit);
}

/** `RateLimit-Limit: 50` or `50, 50;w=5`: the first number. */
function leadingCount(text: string | undefined): number | undefined {
	return parseCount(text?.split(/[,;]/)[0]?.trim());
}

function draft(headers: IDataObject, now: number, prefix: string, style: 'draft' | 'x'): Allowance | undefined {
	const remaining = parseCount(single(headers, `${prefix}remaining`));
	const resetAt = parseReset(single(headers, `${prefix}reset`), now);
	const limitText = single(headers, `${prefix}limit`);
	const limit = leadingCount(limitText);
	if (limitText !== undefined && limit === undefined) return undefined;
	if (!consistent(remaining, resetAt, limit)) return undefined;
	return { remaining: remaining!, resetAt: resetAt!, ...(limit !== undefined ? { limit } : {}), style };
}

interface SfItem {
	name: string;
	params: Record<string, string>;
}

/**
 * A structured-field list (RFC 8941) as far as these headers use it: items that are a string or
 * a token, each with `;key=value` parameters. Undefined when the text is not such a list.
 */
export function parseSfList(text: string | undefined): SfItem[] | undefined {
	if (text === undefined || text === '') return undefined;
	const items: SfItem[] = [];
	for (const member of text.split(',')) {
		const [head, ...params] = member.split(';').map((part) => part.trim());
		const name = /^"([^"\\]*)"$/.exec(head)?.[1] ?? (/^[A-Za-z*][\w:./*-]*$/.test(head) ? head : undefined);
		if (name === undefined) return undefined;
		const parsed: Record<string, string> = {};
		for (const param of params) {
			const match = /^([a-z*][a-z0-9_.*-]*)=("?)([^";]*)\2$/.exec(param);
			if (!match) return undefined;
			parsed[match[1]] = match[3];
		}
		items.push({ name, params: parsed });
	}
	return items;
}

function ietf(headers: IDataObject, now: number): Allowance | undefined {
	const text = single(headers, 'ratelimit');
	if (text === undefined) return undefined;
	const older = olderIetf(text, now);
	if (older) return older;
	const items = parseSfList(text);
	if (!items) return undefined;
	const limits = new Map((parseSfList(single(headers, 'ratelimit-policy')) ?? []).map((p) => [p.name, parseCount(p.params.q)]));
	const readings: Allowance[] = [];
	for (const item of items) {
		const remaining = parseCount(item.params.r);
		const resetAt = parseReset(item.params.t, now);
		const limit = limits.get(item.name);
		if (!consistent(remaining, resetAt, limit)) continue;
		readings.push({ remaining: remaining!, resetAt: resetAt!, ...(limit !== undefined ? { limit } : {}), style: 'ietf' });
	}
	return mostRestrictive(readings);
}

/** The drafts before structured fields: `RateLimit: limit=50, remaining=12, reset=3`. */
function olderIetf(text: string, now: number): Allowance | undefined {
	const fields: Record<string, string> = {};
	for (const part of text.split(',')) {
		const match = /^\s*(limit|remaining|reset)\s*=\s*([^\s,]+)\s*$/.exec(part);
		if (!match) return undefined;
		fields[match[1]] = match[2];
	}
	const remaining = parseCount(fields.remaining);
	const resetAt = parseReset(fields.reset, now);
	const limit = fields.limit === undefined ? undefined : parseCount(fields.limit);
	if (fields.limit !== undefined && limit === undefined) return undefined;
	if (!consistent(remaining, resetAt, limit)) return undefined;
	return { remaining: remaining!, resetAt: resetAt!, ...(limit !== undefined ? { limit } : {}), style: 'ietf' };
}
