/**
 * The result an AI Agent's model reads when a Flextell call made as a tool fails. Pure functions.
 *
 * n8n passes a tool node's thrown error to the model as its message alone (n8n 2.40.7:
 * `{"error": "<message>"}`; n8n 1.123.81 stops the whole execution instead), so in tool mode the
 * node returns this result as its output: the HTTP status, Flextell's error code and message, the
 * hint the node gives users, what the model can do next, and the method and path tried. Built
 * only from the error's message and description, which the transport has already cleared of
 * tokens; the secrets are removed once more here all the same.
 */
import type { IDataObject } from 'n8n-workflow';

export interface ToolFailure {
	status: number | null;
	code: string;
	message: string;
	/** What the node tells users to do (its error description without the request line). */
	hint?: string;
	/** What the model can do about it. */
	next_step: string;
	/** `GET contacts/obj_1`: the method and the path as the tool was given them. */
	request: string;
	/** false: refused before anything was sent to Flextell. */
	sent: boolean;
	/** For a rate limit longer than the node may wait: seconds until Flextell accepts requests again. */
	retry_after_seconds?: number;
}

export interface ToolRequestInfo {
	method: string;
	path: string;
	/** Whether the request got as far as being sent (false: a parameter was refused). */
	sent: boolean;
}

const NEXT_STEPS: Record<number, string> = {
	400: 'Check the JSON body and the query parameters, then call again.',
	401: 'The Flextell connection must be renewed by the user; calling again will not help. Tell the user.',
	403: 'The Flextell connection lacks the permission (scope) for this; calling again will not help. Tell the user which action was refused.',
	404: 'The path is relative to the API version, like contacts or contacts/<id>. Check the collection name and the id (list the collection to find ids), then call again.',
	409: 'The record changed or conflicts with another; read it again before writing.',
	422: 'Flextell refused the data: fix the field named in the message in the body (a JSON object) and call again.',
	429: 'Flextell is rate-limiting this connection longer than the tool may wait. Call again after retry_after_seconds (when given), or tell the user to try later.',
};

/** The json of the one output item a failed tool call gives the model. */
export function toolErrorResult(error: unknown, request: ToolRequestInfo, secrets: ReadonlyArray<string | undefined>): { error: IDataObject } {
	const err = (error ?? {}) as { message?: unknown; description?: unknown; httpCode?: unknown; errorResponse?: { error?: unknown } };
	const status = Number(err.httpCode);
	const statusCode = Number.isInteger(status) && status > 0 ? status : null;
	const message = typeof err.message === 'string' && err.message !== '' ? err.message : String(error);
	const code =
		typeof err.errorResponse?.error === 'string' && err.errorResponse.error !== ''
			? err.errorResponse.error
			: request.sent
				? 'request_failed'
				: 'invalid_request';
	const failure: ToolFailure = {
		status: statusCode,
		code,
		message,
		next_step: nextStep(statusCode, code, request.sent),
		request: `${request.method} ${request.path}`,
		sent: request.sent,
	};
	const hint = userHint(err.description);
	if (hint !== undefined) failure.hint = hint;
	if (code === 'rate_limit_exceeded') {
		const seconds = waitSeconds(message);
		if (seconds !== undefined) failure.retry_after_seconds = seconds;
	}
	return { error: scrub(failure, secrets) as unknown as IDataObject };
}

/** The node's user-facing advice: the description without the request line after " — " and the code note. */
export function userHint(description: unknown): string | undefined {
	if (typeof description !== 'string' || description.trim() === '') return undefined;
	const cut = description.lastIndexOf(' — ');
	const advice = (cut >= 0 ? description.slice(0, cut) : description).replace(/\s*\(Flextell error "[^"]*"\)/, '').trim();
	return advice === '' ? undefined : advice;
}

function nextStep(status: number | null, code: string, sent: boolean): string {
	if (!sent) return 'Nothing was sent to Flextell: fix the argument named in the message (the path stays relative, like contacts/<id>; the body is a JSON object) and call again.';
	if (status !== null && NEXT_STEPS[status]) return NEXT_STEPS[status];
	if (status !== null && status >= 500) return 'Flextell had a server error; calling again later may work. Do not repeat a create (POST) without checking whether it happened.';
	if (code === 'timeout' || code === 'network_error') return 'Flextell could not be reached; try once more later, or tell the user.';
	return 'Read the message and hint; fix the request if it names a problem, otherwise tell the user.';
}

/** "wait 120 s" / "for another 45 s": the seconds a rate-limit failure names. */
function waitSeconds(message: string): number | undefined {
	const match = /(?:wait|another) (\d+) s\b/.exec(message);
	return match ? Number(match[1]) : undefined;
}

function scrub(value: ToolFailure, secrets: ReadonlyArray<string | undefined>): ToolFailure {
	const clean = (text: string): string => {
		let out = text.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]');
		for (const secret of secrets) if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
		return out;
	};
	const out = { ...value };
	for (const key of Object.keys(out) as Array<keyof ToolFailure>) {
		const field = out[key];
		if (typeof field === 'string') (out as Record<string, unknown>)[key] = clean(field);
	}
	return out;
}
