/**
 * Redaction: the one function that keeps bearer tokens and the credential's secrets out of any
 * text meant for users, logs or an AI model. Pure.
 */

/** Secrets shorter than this are not replaced (they would match ordinary words). */
const MIN_SECRET_LENGTH = 8;

/** Removes bearer tokens and any of the given secrets from a text. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
	let out = text.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]');
	for (const secret of secrets) {
		if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('[redacted]');
	}
	return out;
}

/** A copy of a flat record with `redact` applied to every string field. */
export function redactFields<T extends object>(record: T, secrets: ReadonlyArray<string | undefined>): T {
	const out = { ...record } as Record<string, unknown>;
	for (const [key, value] of Object.entries(out)) if (typeof value === 'string') out[key] = redact(value, secrets);
	return out as T;
}
