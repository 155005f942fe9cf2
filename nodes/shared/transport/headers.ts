/** Response headers: as a plain object with lower-case names, and one header's value. Pure. */
import type { IDataObject } from 'n8n-workflow';

import { isPlainObject } from './values';

/** Response headers as a plain object with lower-case names (axios may hand back a class). */
export function plainHeaders(headers: unknown): IDataObject {
	if (!isPlainObject(headers)) return {};
	const source =
		typeof (headers as { toJSON?: unknown }).toJSON === 'function'
			? ((headers as { toJSON: () => unknown }).toJSON() as Record<string, unknown>)
			: headers;
	const out: IDataObject = {};
	for (const [name, value] of Object.entries(source)) {
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) {
			out[name.toLowerCase()] = value as IDataObject[keyof IDataObject];
		}
	}
	return out;
}

export function headerValue(headers: IDataObject, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
	return value === undefined || value === null ? undefined : String(value);
}
