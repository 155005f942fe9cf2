import {
	describeGateTooLong,
	describeHttpFailure,
	describeNotConnected,
	describeNetworkFailure,
	describeNotJson,
	describeRetryAfterTooLong,
	describeTokenRefreshFailure,
} from '../../nodes/shared/transport/errors';
import { errorItem, failureError } from '../../nodes/shared/transport/node-errors';
import { redact } from '../../nodes/shared/transport/redact';
import type { FailureRecord } from '../../nodes/shared/transport/failure';
import { failureOf, renderDescription } from '../../nodes/shared/transport/failure';
import { parseBody } from '../../nodes/shared/transport/body';

/** The record and the description every reader renders from it. */
const rendered = (record: FailureRecord) => ({ ...record, description: renderDescription(record) });

const get = { method: 'GET', urlPath: '/api/v0.0.1/contacts/obj_9', retriesDone: 0 };
const flextell = (error: string, message: string) => parseBody(JSON.stringify({ error, message }), 'application/json');

describe('describeHttpFailure', () => {
	it.each([
		[400, /malformed.*JSON Body/],
		[401, /reconnect/],
		[403, /scopes/],
		[404, /Check the Path/],
		[422, /Fix the field/],
	])('uses Flextell\'s message and says what to do for %i', (status, advice) => {
		const report = rendered(describeHttpFailure(status, flextell('some_code', "The 'name' field is required."), get));
		expect(report.message).toBe("The 'name' field is required.");
		expect(report.description).toMatch(advice);
		expect(report.description).toContain('Flextell error "some_code"');
		expect(report.description).toContain('GET /api/v0.0.1/contacts/obj_9');
		expect(report).toMatchObject({ code: 'some_code', status, answered: status, sent: true });
	});

	it('reads an HTML proxy page', () => {
		const body = parseBody('<html><head><title>502 Bad Gateway</title></head></html>', 'text/html');
		const report = rendered(describeHttpFailure(502, body, { ...get, retriesDone: 3 }));
		expect(report.message).toBe('Flextell answered HTTP 502 with an HTML page ("502 Bad Gateway") instead of JSON');
		expect(report.description).toMatch(/retried 3 times/);
		expect(report.code).toBe('server_error');
	});

	it('explains that POST is not retried after a server error', () => {
		const report = rendered(describeHttpFailure(500, flextell('internal', 'boom'), { ...get, method: 'POST' }));
		expect(report.description).toMatch(/POST requests are not retried/);
	});

	it('says the rate limit was still exceeded and what Flextell asked', () => {
		const report = rendered(describeHttpFailure(429, flextell('rate_limit_exceeded', 'Too many requests. Retry after 30 seconds.'), { ...get, retriesDone: 5 }, { retryAfterHeader: '30' }));
		expect(report.message).toBe("Flextell's rate limit was still exceeded after 5 retries");
		expect(report.description).toContain('Retry-After "30"');
		expect(report.description).toContain('Too many requests. Retry after 30 seconds.');
	});

	it('falls back to the status when the body says nothing', () => {
		expect(rendered(describeHttpFailure(418, parseBody('', undefined), get))).toMatchObject({ message: 'Flextell answered HTTP 418', code: 'http_418' });
	});
});

describe('other failures', () => {
	it('explains a Retry-After beyond Max Wait', () => {
		const report = rendered(describeRetryAfterTooLong(600_000, 300, '600', get));
		expect(report.message).toMatch(/wait 600 s .* 300 s/);
		expect(report.description).toMatch(/Max Wait \(Seconds\) to at least 600/);
	});

	it('tells a timeout from an unreachable host', () => {
		expect(rendered(describeNetworkFailure('ECONNABORTED', get, 5000)).message).toBe('Flextell did not answer within 5000 ms');
		expect(rendered(describeNetworkFailure('ECONNREFUSED', { ...get, retriesDone: 2 }, 5000))).toMatchObject({
			message: 'Could not reach Flextell: the connection was refused',
			code: 'network_error',
		});
	});

	it('says a 2xx body is not JSON', () => {
		const report = rendered(describeNotJson(200, parseBody('{"data": [', 'application/json'), get));
		expect(report.message).toBe('Flextell answered HTTP 200 but the body is not JSON');
		expect(report.description).toMatch(/cut short/);
	});
});

describe('describeTokenRefreshFailure', () => {
	it("keeps Flextell's 401 message when n8n handed the 401 back before refreshing (n8n 1.x), with the token URL's answer", () => {
		const report = rendered(describeTokenRefreshFailure(
			{ status: 400, error: 'invalid_grant', text: 'The refresh token is invalid, revoked or already used' },
			flextell('invalid_token', 'The access token has expired.'),
			get,
		));
		expect(report).toMatchObject({
			message: 'Flextell refused the access token ("The access token has expired."), and refreshing it failed',
			description:
				'The token URL answered HTTP 400 "invalid_grant": The refresh token is invalid, revoked or already used. The refresh token is no longer valid (revoked, expired or already used): open the Flextell credential and reconnect it. (Flextell error "invalid_token") — GET /api/v0.0.1/contacts/obj_9 → HTTP 401',
			code: 'token_refresh_failed',
			status: 401,
			flextellCode: 'invalid_token',
			flextellMessage: 'The access token has expired.',
			sent: true,
		});
	});

	it('without the 401 (n8n 2.x) or a code from the token URL: what it said, and to reconnect', () => {
		const report = rendered(describeTokenRefreshFailure({ status: 503, text: 'HTTP status 503' }, undefined, get));
		expect(report.message).toBe('Flextell refused the access token, and refreshing it failed');
		expect(report.description).toBe(
			'The token URL answered HTTP 503: HTTP status 503. Open the Flextell credential and reconnect it; if that fails too, check its Access Token URL. — GET /api/v0.0.1/contacts/obj_9 → HTTP 401',
		);
	});
});

describe('redact and errorItem', () => {
	it('removes bearer tokens and known secrets', () => {
		expect(redact('header Bearer abc.def-123 and tok_secret_value', ['tok_secret_value'])).toBe(
			'header Bearer [redacted] and [redacted]',
		);
	});

	it('builds { error: { message, code, statusCode, description } } from a node error: one key, as n8n expects of an error item', () => {
		expect(errorItem({ message: 'nope', httpCode: '404', errorResponse: { error: 'not_found' }, description: 'Check the Path' })).toEqual({
			error: { message: 'nope', code: 'not_found', statusCode: 404, description: 'Check the Path' },
		});
		expect(errorItem(new Error('bad'))).toEqual({ error: { message: 'bad', code: 'node_error', statusCode: null } });
	});
});

describe('the failure record: facts as fields, every text rendered from them', () => {
	it('a 404 carries status, codes, messages, advice, sent and the request as fields; the description is rendered from them', () => {
		const record = describeHttpFailure(404, flextell('not_found', "No contacts record with id 'obj_9'."), get);
		expect(record).toEqual({
			status: 404,
			code: 'not_found',
			message: "No contacts record with id 'obj_9'.",
			flextellCode: 'not_found',
			flextellMessage: "No contacts record with id 'obj_9'.",
			advice: 'Check the Path and the API version: Flextell has nothing at this address.',
			sent: true,
			method: 'GET',
			path: '/api/v0.0.1/contacts/obj_9',
			answered: 404,
		});
		expect(renderDescription(record)).toBe(
			'Check the Path and the API version: Flextell has nothing at this address. (Flextell error "not_found") — GET /api/v0.0.1/contacts/obj_9 → HTTP 404',
		);
	});

	it('a rate limit beyond the wait carries the seconds to wait as a field; the node and the tool word their own bound', () => {
		const node = describeRetryAfterTooLong(90_000, 300, '90', get);
		expect(node.message).toBe('Flextell asked to wait 90 s before retrying, longer than the 300 s this node may wait');
		expect(node).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 90, sent: true });
		const tool = describeRetryAfterTooLong(90_000, { seconds: 45, tool: true }, '90', get);
		expect(tool.message).toBe('Flextell asked to wait 90 s before retrying, past the 45 s a tool call may take');
		expect(tool.advice).toMatch(/answered at once.*Call again in 90 s/);
		expect(tool.retryAfterSeconds).toBe(90);
		const held = describeGateTooLong(61_500, { seconds: 45, tool: true }, get);
		expect(held).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 62, sent: false });
		expect(describeGateTooLong(61_500, 45, { ...get, retriesDone: 1 }).sent).toBe(true);
	});

	it('a credential never connected: says to connect it (or, for Client Credentials, what to check); nothing was sent', () => {
		const record = describeNotConnected(get);
		expect(record).toMatchObject({ code: 'credential_not_connected', sent: false, message: 'The Flextell credential is not connected: it holds no access token' });
		expect(record.advice).toMatch(/"Connect my account"/);
		expect(record.advice).toMatch(/Client Credentials.*Access Token URL, Client ID and Client Secret/);
		expect(renderDescription(record)).toMatch(/ — GET \/api\/v0\.0\.1\/contacts\/obj_9$/);
	});

	it('failureError: the n8n error renders message and description from the redacted record and carries it; errorItem renders from it', () => {
		const secret = 'tok_secret_value_1';
		const node = { id: '1', name: 'Flextell', type: 'n8n-nodes-flextell.flextell', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
		const record = describeRetryAfterTooLong(120_000, 30, secret, get);
		const error = failureError(node, record, [secret], 2);
		expect(error.message).toBe(record.message);
		expect(error.description).toBe(renderDescription({ ...record, advice: record.advice.replace(secret, '[redacted]') }));
		expect(error.description).not.toContain(secret);
		expect(error.context.itemIndex).toBe(2);
		expect(failureOf(error)).toMatchObject({ code: 'rate_limit_exceeded', retryAfterSeconds: 120 });
		expect(errorItem(error)).toEqual({
			error: { message: record.message, code: 'rate_limit_exceeded', statusCode: 429, description: error.description, retryAfterSeconds: 120 },
		});
	});
});
