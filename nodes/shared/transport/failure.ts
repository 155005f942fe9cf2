/**
 * The one record of a failed Flextell call. The transport fills it where each fact is known
 * (errors.ts builds it, node-errors.ts attaches it to the n8n error request.ts and attempt.ts throw), and every
 * reader renders from its fields: the node's error message and description, the error output
 * item (continue on fail), and the answer an AI model reads (nodes/Flextell/tool-errors.ts).
 * Nobody takes a rendered text apart again. Pure functions.
 */
import type { IDataObject } from 'n8n-workflow';

import { isPlainObject } from './values';

export interface FailureRecord {
	/** The HTTP status the failure stands for (429 for a rate-limit hold, even when nothing was sent). */
	status?: number;
	/** Flextell's error code, or our own for failures without one (`network_error`, `rate_limit_exceeded`, …). */
	code: string;
	/** What happened, in one sentence: the node's error message. */
	message: string;
	/** Flextell's own error code, when its answer named one (rendered as a note after the advice). */
	flextellCode?: string;
	/** Flextell's own message, when its answer had one. */
	flextellMessage?: string;
	/** What to do about it. */
	advice: string;
	/** Whether any request of this call reached the point of being sent to Flextell. */
	sent: boolean;
	/** Seconds until Flextell accepts requests again (a rate limit the node would not wait out). */
	retryAfterSeconds?: number;
	/** The request: method and the URL's path below the origin (never credentials). */
	method: string;
	path: string;
	/** The HTTP status Flextell answered, shown on the request line (`→ HTTP 404`). */
	answered?: number;
	/** The system's error code (`ECONNRESET`, a TLS code), shown on the request line. */
	systemCode?: string;
}

/** Where the record rides on the n8n error (its `context`, which n8n keeps with the error). */
const CONTEXT_KEY = 'flextellFailure';

/** The request line: `GET /api/v0.0.1/contacts → HTTP 404`, `GET /… (ECONNRESET)`. */
function requestLine(record: Pick<FailureRecord, 'method' | 'path' | 'answered' | 'systemCode'>): string {
	return `${record.method} ${record.path}${record.answered !== undefined ? ` → HTTP ${record.answered}` : ''}${record.systemCode ? ` (${record.systemCode})` : ''}`;
}

/** The node's error description: the advice, Flextell's code, then the request line. */
export function renderDescription(record: FailureRecord): string {
	const codeNote = record.flextellCode ? ` (Flextell error "${record.flextellCode}")` : '';
	return `${record.advice}${codeNote} — ${requestLine(record)}`;
}

/** Attaches the record to an n8n error's context (where asNodeError, forItem and n8n keep it). */
export function attachFailure(error: { context: IDataObject }, record: FailureRecord): void {
	error.context[CONTEXT_KEY] = record as unknown as IDataObject;
}

/** The record an error carries, when the transport made it. */
export function failureOf(error: unknown): FailureRecord | undefined {
	const context = (error as { context?: unknown } | undefined)?.context;
	if (!isPlainObject(context)) return undefined;
	const record = context[CONTEXT_KEY];
	return isPlainObject(record) && typeof record.code === 'string' && typeof record.message === 'string' ? (record as unknown as FailureRecord) : undefined;
}
