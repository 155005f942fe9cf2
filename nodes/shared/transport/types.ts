/**
 * The shapes every transport module and both nodes share: what a call is, the policy it runs
 * under, and the parts of n8n's contexts the transport uses. Types and one constant only: this
 * module imports only types, from modules that import nothing of the package (clock.ts,
 * retry-policy.ts), so none can import it back.
 */
import type { IDataObject, IHttpRequestOptions, INode, Logger } from 'n8n-workflow';

import type { Clock } from './clock';
import type { HttpMethod } from './retry-policy';

/** The credential type both nodes authenticate with. */
export const CREDENTIAL_TYPE = 'flextellOAuth2Api';

/** The parts of n8n's execute / poll contexts this module uses. */
export interface RequestContext {
	getNode(): INode;
	helpers: {
		httpRequestWithAuthentication(credentialsType: string, requestOptions: IHttpRequestOptions): Promise<unknown>;
	};
	logger?: Pick<Logger, 'info'>;
	getExecutionCancelSignal?(): AbortSignal | undefined;
}

export interface FlextellCall {
	method: HttpMethod;
	/** Absolute URL, already checked by `buildRequestUrl` / `resolveWithinPrefix`. */
	url: string;
	qs?: IDataObject;
	/** JSON-serialisable body, sent as `application/json`. */
	body?: unknown;
	headers?: Record<string, string>;
}

export interface CallPolicy {
	itemIndex: number;
	gateKey: string;
	timeoutMs: number;
	maxRetries: number;
	maxWaitSeconds: number;
	/** Values that must never appear in an error (e.g. the stored tokens). */
	secrets?: ReadonlyArray<string | undefined>;
	/** When the whole call (attempts, waits, retries) must be over; none: only the limits above. */
	deadline?: CallDeadline;
	/**
	 * Tool mode (an AI client waits for the answer): when the whole call must have answered, and
	 * that bound in seconds. No wait goes past it: a rate limit that would is answered at once as
	 * the rate-limit failure with the seconds to wait; nothing is sent before Flextell allows.
	 */
	toolBound?: ToolBound;
	/** Time, waits and the backoff's jitter (tests: a virtual clock); default: the system clock. */
	clock?: Clock;
}

interface ToolBound {
	/** Epoch ms on the call's clock. */
	at: number;
	seconds: number;
}

/**
 * A moment the call must not run past, e.g. a trigger poll's time budget. Each attempt's timeout
 * is cut to the time left, and a wait that would end after it fails at once with `error(what)`:
 * the caller words the error, this module only says what did not fit.
 */
export interface CallDeadline {
	/** Epoch ms. */
	at: number;
	error(what: string): Error;
}
