/**
 * The transport's face: everything the Flextell node, the Flextell Trigger and their shared
 * parameter code call. Modules outside this folder import from here, never from a module inside it.
 */
export type { CallPolicy, FlextellCall, RequestContext } from './types';
export type { Clock } from './clock';
export { systemClock } from './clock';
export { CREDENTIAL_TYPE } from './types';
export { callFlextell, cancelledError } from './request';
export { asNodeError, errorItem } from './node-errors';
export type { FailureRecord } from './failure';
export { failureOf, renderDescription } from './failure';
export { redact, redactFields } from './redact';
export type { PaginationConfig, PaginationMode, PagingProblem } from './pagination';
export { listPages, nextCursorOf, pageRecords, PAGINATION_MODES } from './pagination';
export { gateKey } from './rate-gate';
export { describeRateLimitCost, describeRateLimitDetails, takeRateLimitCost } from './rate-limit-cost';
export type { SuccessResponse } from './response';
export { payloadToItems, shapeOutput, unwrapData } from './response';
export type { HttpMethod } from './retry-policy';
export type { ApiPrefix } from './url';
export { buildRequestUrl, resolveApiPrefix, UrlRuleError } from './url';
export { isPlainObject, wholeNumberOf } from './values';
