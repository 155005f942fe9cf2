/**
 * Flextell's error envelope, `{"error": "code", "message": "…"}`: reading it from a parsed body,
 * and telling an error reported with a success status from a record. Pure.
 */
import type { ParsedBody } from './body';
import { isPlainObject } from './values';

/** Flextell's `{"error": "code", "message": "…"}`, when the body has that shape. */
export function flextellError(body: ParsedBody): { code?: string; message?: string } {
	if (body.kind !== 'json' || !isPlainObject(body.value)) return {};
	const { error, message } = body.value;
	return {
		code: typeof error === 'string' ? error : undefined,
		message: typeof message === 'string' ? message : undefined,
	};
}

/**
 * Flextell's error shape, `{"error": "code", "message": "…"}` and nothing else, on a 2xx: an
 * error reported with the wrong status, not a record.
 */
export function isErrorEnvelope(body: ParsedBody): boolean {
	if (body.kind !== 'json' || !isPlainObject(body.value)) return false;
	const keys = Object.keys(body.value);
	return (
		typeof body.value.error === 'string' &&
		typeof body.value.message === 'string' &&
		keys.every((key) => key === 'error' || key === 'message' || key === 'details')
	);
}
