/** Reading untyped JSON values (answers, query parameters, error contexts) the one way. Pure. */

/** An object with keys, not a list and not null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A whole number of at least 0, written as a number or as a string of one (`"25"`), the way list
 * answers and query parameters hold counts and page numbers; undefined for anything else.
 */
export function wholeNumberOf(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}
