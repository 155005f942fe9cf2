import { parseBody } from '../../nodes/shared/transport/body';
import { plainHeaders } from '../../nodes/shared/transport/headers';
import { shapeOutput, unwrapData } from '../../nodes/shared/transport/response';

const opts = { splitIntoItems: true, fullResponse: false };
const json = (value: unknown) => ({ statusCode: 200, headers: {}, body: { kind: 'json' as const, value } });

describe('parseBody', () => {
	it('parses JSON, and treats blank bodies as empty', () => {
		expect(parseBody('{"data":{"id":"a"}}', 'application/json')).toEqual({ kind: 'json', value: { data: { id: 'a' } } });
		expect(parseBody('', 'application/json')).toEqual({ kind: 'empty' });
		expect(parseBody(undefined, undefined)).toEqual({ kind: 'empty' });
		expect(parseBody('  \n', 'text/plain')).toEqual({ kind: 'empty' });
	});

	it('recognises an HTML page and keeps only its title', () => {
		const body = parseBody('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', 'text/html');
		expect(body).toMatchObject({ kind: 'not-json', isHtml: true, snippet: '502 Bad Gateway', truncated: false });
	});

	it('recognises truncated JSON', () => {
		expect(parseBody('{"data": [{"id": "obj_1"}, {"id"', 'application/json')).toMatchObject({ kind: 'not-json', truncated: true });
	});

	it('shortens long text to a single line', () => {
		const body = parseBody(`oops\n${'x'.repeat(500)}`, 'text/plain');
		expect(body.kind === 'not-json' && body.snippet.length).toBeLessThanOrEqual(201);
		expect(body.kind === 'not-json' && body.snippet.startsWith('oops x')).toBe(true);
	});
});

describe('shapeOutput', () => {
	it('unwraps data: an object is one item', () => {
		expect(shapeOutput(json({ data: { id: 'obj_1' } }), opts)).toEqual([{ id: 'obj_1' }]);
	});

	it('splits a list into one item per element, wrapping scalars', () => {
		expect(shapeOutput(json({ data: [{ id: 1 }, { id: 2 }, 'x'] }), opts)).toEqual([{ id: 1 }, { id: 2 }, { value: 'x' }]);
		expect(shapeOutput(json({ data: [] }), opts)).toEqual([]);
	});

	it('keeps a list in one item when splitting is off', () => {
		expect(shapeOutput(json({ data: [{ id: 1 }] }), { ...opts, splitIntoItems: false })).toEqual([{ data: [{ id: 1 }] }]);
	});

	it('turns an empty answer into success: true', () => {
		expect(shapeOutput({ statusCode: 204, headers: {}, body: { kind: 'empty' } }, opts)).toEqual([{ success: true }]);
	});

	it('passes a body without a data key as it is', () => {
		expect(shapeOutput(json({ id: 'x', ok: true }), opts)).toEqual([{ id: 'x', ok: true }]);
		expect(shapeOutput(json([{ id: 1 }]), opts)).toEqual([{ id: 1 }]);
		expect(shapeOutput(json({ data: 7 }), opts)).toEqual([{ data: 7 }]);
	});

	it('gives status, headers and the whole body with fullResponse', () => {
		const response = { statusCode: 201, headers: { 'content-type': 'application/json' }, body: { kind: 'json' as const, value: { data: { id: 1 } } } };
		expect(shapeOutput(response, { ...opts, fullResponse: true })).toEqual([
			{ statusCode: 201, headers: { 'content-type': 'application/json' }, body: { data: { id: 1 } } },
		]);
		expect(shapeOutput({ statusCode: 204, headers: {}, body: { kind: 'empty' } }, { ...opts, fullResponse: true })).toEqual([
			{ statusCode: 204, headers: {}, body: null },
		]);
	});

	it('unwrapData leaves non-objects alone', () => {
		expect(unwrapData([1])).toEqual([1]);
		expect(unwrapData(null)).toBeNull();
	});
});

describe('plainHeaders', () => {
	it('lower-cases names and accepts header classes with toJSON', () => {
		class Headers {
			toJSON() {
				return { 'Retry-After': '2', 'Set-Cookie': ['a', 'b'], skip: undefined };
			}
		}
		expect(plainHeaders(new Headers())).toEqual({ 'retry-after': '2', 'set-cookie': ['a', 'b'] });
		expect(plainHeaders(undefined)).toEqual({});
	});
});
