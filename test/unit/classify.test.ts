import { classify } from '../../nodes/shared/transport/attempt';

/** What n8n throws from httpRequestWithAuthentication, as 2.x and 1.x shape it. */
describe('classify', () => {
	it('reads status, headers and body from the axios error n8n 2.x keeps as cause', () => {
		const cause = Object.assign(new Error('Request failed with status code 429'), {
			response: { status: 429, headers: { 'Retry-After': '3', 'content-type': 'application/json' }, data: '{"error":"rate_limit_exceeded"}' },
		});
		const wrapped = Object.assign(new Error('The service is receiving too many requests from you'), { cause });
		expect(classify(wrapped)).toEqual({
			kind: 'http',
			statusCode: 429,
			headers: { 'retry-after': '3', 'content-type': 'application/json' },
			body: { kind: 'json', value: { error: 'rate_limit_exceeded' } },
		});
	});

	it('reads network codes and cancellation from the cause', () => {
		const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
		expect(classify(Object.assign(new Error('x'), { cause: reset }))).toEqual({ kind: 'network', code: 'ECONNRESET' });
		const cancelled = Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' });
		expect(classify(Object.assign(new Error('x'), { cause: cancelled }))).toEqual({ kind: 'cancelled' });
	});

	it('falls back to httpCode and the original messages when n8n 1.x lost the cause', () => {
		const lost = (fields: object) => Object.assign(new Error('generic n8n message'), { cause: undefined }, fields);
		expect(classify(lost({ httpCode: '401', messages: ['Request failed with status code 401'] }))).toEqual({
			kind: 'http',
			statusCode: 401,
			headers: {},
			body: { kind: 'empty' },
		});
		expect(classify(lost({ httpCode: null, messages: ['read ECONNRESET'] }))).toEqual({ kind: 'network', code: 'ECONNRESET' });
		expect(classify(lost({ httpCode: null, messages: ['timeout of 300ms exceeded'] }))).toEqual({ kind: 'network', code: 'ECONNABORTED' });
		expect(classify(lost({ httpCode: null, messages: ['canceled'] }))).toEqual({ kind: 'cancelled' });
	});

	it('leaves anything else to be passed on as it is', () => {
		const error = new Error('The credential "Flextell account" needs to be reconnected.');
		expect(classify(error)).toEqual({ kind: 'other', error });
	});
});
