import {
	describeHttpFailure,
	describeNetworkFailure,
	describeNotJson,
	describeRetryAfterTooLong,
	describeTokenRefreshFailure,
	errorItem,
	redact,
} from '../../nodes/shared/transport/errors';
import { parseBody } from '../../nodes/shared/transport/response';

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
		const report = describeHttpFailure(status, flextell('some_code', "The 'name' field is required."), get);
		expect(report.message).toBe("The 'name' field is required.");
		expect(report.description).toMatch(advice);
		expect(report.description).toContain('Flextell error "some_code"');
		expect(report.description).toContain('GET /api/v0.0.1/contacts/obj_9');
		expect(report).toMatchObject({ code: 'some_code', statusCode: status });
	});

	it('reads an HTML proxy page', () => {
		const body = parseBody('<html><head><title>502 Bad Gateway</title></head></html>', 'text/html');
		const report = describeHttpFailure(502, body, { ...get, retriesDone: 3 });
		expect(report.message).toBe('Flextell answered HTTP 502 with an HTML page ("502 Bad Gateway") instead of JSON');
		expect(report.description).toMatch(/retried 3 times/);
		expect(report.code).toBe('server_error');
	});

	it('explains that POST is not retried after a server error', () => {
		const report = describeHttpFailure(500, flextell('internal', 'boom'), { ...get, method: 'POST' });
		expect(report.description).toMatch(/POST requests are not retried/);
	});

	it('says the rate limit was still exceeded and what Flextell asked', () => {
		const report = describeHttpFailure(429, flextell('rate_limit_exceeded', 'Too many requests. Retry after 30 seconds.'), { ...get, retriesDone: 5 }, { retryAfterHeader: '30' });
		expect(report.message).toBe("Flextell's rate limit was still exceeded after 5 retries");
		expect(report.description).toContain('Retry-After "30"');
		expect(report.description).toContain('Too many requests. Retry after 30 seconds.');
	});

	it('falls back to the status when the body says nothing', () => {
		expect(describeHttpFailure(418, parseBody('', undefined), get)).toMatchObject({ message: 'Flextell answered HTTP 418', code: 'http_418' });
	});
});

describe('other failures', () => {
	it('explains a Retry-After beyond Max Wait', () => {
		const report = describeRetryAfterTooLong(600_000, 300, '600', get);
		expect(report.message).toMatch(/wait 600 s .* 300 s/);
		expect(report.description).toMatch(/Max Wait \(Seconds\) to at least 600/);
	});

	it('tells a timeout from an unreachable host', () => {
		expect(describeNetworkFailure('ECONNABORTED', get, 5000).message).toBe('Flextell did not answer within 5000 ms');
		expect(describeNetworkFailure('ECONNREFUSED', { ...get, retriesDone: 2 }, 5000)).toMatchObject({
			message: 'Could not reach Flextell: the connection was refused',
			code: 'network_error',
		});
	});

	it('says a 2xx body is not JSON', () => {
		const report = describeNotJson(200, parseBody('{"data": [', 'application/json'), get);
		expect(report.message).toBe('Flextell answered HTTP 200 but the body is not JSON');
		expect(report.description).toMatch(/cut short/);
	});
});

describe('describeTokenRefreshFailure', () => {
	it("keeps Flextell's 401 message when n8n handed the 401 back before refreshing (n8n 1.x), with the token URL's answer", () => {
		const report = describeTokenRefreshFailure(
			{ status: 400, error: 'invalid_grant', text: 'The refresh token is invalid, revoked or already used' },
			flextell('invalid_token', 'The access token has expired.'),
			get,
		);
		expect(report).toEqual({
			message: 'Flextell refused the access token ("The access token has expired."), and refreshing it failed',
			description:
				'The token URL answered HTTP 400 "invalid_grant": The refresh token is invalid, revoked or already used. The refresh token is no longer valid (revoked, expired or already used): open the Flextell credential and reconnect it. (Flextell error "invalid_token") — GET /api/v0.0.1/contacts/obj_9 → HTTP 401',
			code: 'token_refresh_failed',
			statusCode: 401,
		});
	});

	it('without the 401 (n8n 2.x) or a code from the token URL: what it said, and to reconnect', () => {
		const report = describeTokenRefreshFailure({ status: 503, text: 'HTTP status 503' }, undefined, get);
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
