import { buildRequestUrl, resolveApiPrefix, resolveWithinPrefix, UrlRuleError } from '../../nodes/shared/transport/url';

const prefix = resolveApiPrefix('https://dev.flextell.ai/api', 'v0.0.1');

function refused(fn: () => unknown): UrlRuleError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(UrlRuleError);
		return error as UrlRuleError;
	}
	throw new Error('expected a UrlRuleError');
}

describe('resolveApiPrefix', () => {
	it('joins base URL and version with clean slashes', () => {
		expect(prefix.href).toBe('https://dev.flextell.ai/api/v0.0.1/');
		expect(resolveApiPrefix('https://dev.flextell.ai/api///', ' v0.0.1 ').href).toBe('https://dev.flextell.ai/api/v0.0.1/');
		expect(resolveApiPrefix('https://127.0.0.1:8443/api', 'v2').href).toBe('https://127.0.0.1:8443/api/v2/');
	});

	it.each(['http://dev.flextell.ai/api', 'ftp://dev.flextell.ai/api', 'HTTP://dev.flextell.ai/api'])(
		'refuses the non-https base URL %s',
		(base) => {
			const error = refused(() => resolveApiPrefix(base, 'v0.0.1'));
			expect(error.field).toBe('baseUrl');
			expect(error.message).toMatch(/must use https/);
		},
	);

	it.each(['', 'dev.flextell.ai/api', 'https://user:pw@dev.flextell.ai/api', 'https://dev.flextell.ai/api?x=1', 'https://dev.flextell.ai/api#x'])(
		'refuses the malformed base URL "%s"',
		(base) => {
			expect(refused(() => resolveApiPrefix(base, 'v0.0.1')).field).toBe('baseUrl');
		},
	);

	it.each(['', '..', 'v0/../x', 'v 1', '/v1', 'v1/'])('refuses the API version "%s"', (version) => {
		expect(refused(() => resolveApiPrefix('https://dev.flextell.ai/api', version)).field).toBe('apiVersion');
	});
});

describe('buildRequestUrl', () => {
	it.each([
		['contacts', 'https://dev.flextell.ai/api/v0.0.1/contacts'],
		['/contacts', 'https://dev.flextell.ai/api/v0.0.1/contacts'],
		[' contacts/obj_1 ', 'https://dev.flextell.ai/api/v0.0.1/contacts/obj_1'],
		['contacts/obj%20a', 'https://dev.flextell.ai/api/v0.0.1/contacts/obj%20a'],
		['contacts?status=open', 'https://dev.flextell.ai/api/v0.0.1/contacts?status=open'],
		[42, 'https://dev.flextell.ai/api/v0.0.1/42'],
	])('builds %p', (path, url) => {
		expect(buildRequestUrl(prefix, path)).toBe(url);
	});

	it.each([
		['https://evil.example/steal', /URL scheme/],
		['javascript:alert(1)', /URL scheme/],
		['//evil.example/x', /starts with "\/\/"/],
		['..', /"\." or "\.\." segment/],
		['contacts/../../admin', /"\." or "\.\." segment/],
		['contacts/%2e%2e/admin', /"\." or "\.\." segment/],
		['contacts/%2E%2E', /"\." or "\.\." segment/],
		['contacts%2f..%2fadmin', /encoded/],
		['contacts\\..\\admin', /backslash/],
		['contacts#frag', /fragment/],
		['contacts/\nx', /control/],
		['contacts/..;/admin', /"\." or "\.\." segment \("\.\.;": servers that strip ";" parameters read it as "\.\."\)/],
		['..;', /"\." or "\.\." segment/],
		['contacts/..;jsessionid=1/admin', /"\." or "\.\." segment/],
		['contacts/%2e%2e;/admin', /"\." or "\.\." segment/],
		['contacts/..%3b/admin', /"\." or "\.\." segment/],
		['contacts/.;/x', /"\." or "\.\." segment/],
		['contacts/obj%00', /encoded control character/],
		['contacts/obj%0A', /encoded control character/],
		['contacts/obj%09x', /encoded control character/],
		['contacts/%7F', /encoded control character/],
		['contacts/..%00', /encoded control character/],
		['', /empty/],
		['contacts/', /empty segment/],
		['contacts//obj_1', /empty segment/],
	])('refuses the path %p', (path, why) => {
		const error = refused(() => buildRequestUrl(prefix, path));
		expect(error.field).toBe('path');
		expect(error.message).toMatch(why);
	});

	it('keeps odd but harmless segments below the prefix', () => {
		expect(buildRequestUrl(prefix, '@evil.example')).toBe('https://dev.flextell.ai/api/v0.0.1/@evil.example');
	});

	it('never produces a URL outside the prefix, whatever the path', () => {
		const tricky = ['.', './x', 'x/./y', '%2e/x', '\\\\evil', 'a/..', 'a/%2E%2e', '..;/x', 'x/..%00/', '\t//evil'];
		for (const path of tricky) {
			try {
				const url = buildRequestUrl(prefix, path);
				expect(url.startsWith(prefix.href)).toBe(true);
			} catch (error) {
				expect(error).toBeInstanceOf(UrlRuleError);
			}
		}
	});
});

describe('resolveWithinPrefix (next links)', () => {
	it('accepts absolute and relative links below the prefix', () => {
		expect(resolveWithinPrefix(prefix, 'https://dev.flextell.ai/api/v0.0.1/contacts?cursor=abc')).toBe(
			'https://dev.flextell.ai/api/v0.0.1/contacts?cursor=abc',
		);
		expect(resolveWithinPrefix(prefix, 'contacts?cursor=abc')).toBe('https://dev.flextell.ai/api/v0.0.1/contacts?cursor=abc');
	});

	it.each([
		'https://evil.example/api/v0.0.1/contacts',
		'http://dev.flextell.ai/api/v0.0.1/contacts',
		'https://dev.flextell.ai:444/api/v0.0.1/contacts',
		'https://dev.flextell.ai/api/v9/contacts',
		'https://dev.flextell.ai/other',
		'//evil.example/api/v0.0.1/x',
	])('refuses %s', (link) => {
		expect(refused(() => resolveWithinPrefix(prefix, link)).field).toBe('nextLink');
	});

	it.each([
		['https://dev.flextell.ai/api/v0.0.1/contacts/..;/admin', /"\." or "\.\." segment/],
		['contacts/..;/admin?cursor=2', /"\." or "\.\." segment/],
		['/api/v0.0.1/x/%2E%2E;a=b/y', /"\." or "\.\." segment/],
		['contacts/obj%00?cursor=2', /encoded control character/],
		['contacts%0A?cursor=2', /encoded control character/],
		['contacts/%09', /encoded control character/],
		['contacts\n?cursor=2', /control characters/],
		['contacts?cursor=\t2', /control characters/],
		['contacts/%2fadmin', /encoded "\/"/],
	])('refuses the next link %j like a path', (link, why) => {
		const error = refused(() => resolveWithinPrefix(prefix, link));
		expect(error.field).toBe('nextLink');
		expect(error.message).toMatch(why);
	});

	it('keeps a ";" that is not after "." or "..", and a query with encoded characters', () => {
		expect(resolveWithinPrefix(prefix, 'contacts;v=2?cursor=a%0Ab')).toBe('https://dev.flextell.ai/api/v0.0.1/contacts;v=2?cursor=a%0Ab');
		expect(buildRequestUrl(prefix, 'contacts/a..;b')).toBe('https://dev.flextell.ai/api/v0.0.1/contacts/a..;b');
	});
});
