/**
 * URL rules, for any input: the request URL keeps the credential's origin and stays below
 * `<base>/<version>/` (also as a server that decodes each segment once would read it), or the
 * path is refused with a UrlRuleError before anything is sent. The same for next-page links.
 */
import fc from 'fast-check';

import type { ApiPrefix } from '../../nodes/shared/transport/url';
import { buildRequestUrl, resolveApiPrefix, resolveWithinPrefix, UrlRuleError } from '../../nodes/shared/transport/url';
import { check } from './property-config';

/** Pieces that matter to URL parsing, mixed with arbitrary text. */
const TRICKY = [
	'/', '//', '\\', '.', '..', '..;', '.;', '%3b', ';x=1', '%0a', '%09', '%7f', '%2e', '%2E', '%2e%2e', '.%2E', '%2F', '%2f', '%5C', '%5c', '%252e', '%00', '%',
	'?', '#', '@', ':', ';', 'http:', 'https:', 'HTTPS://', 'javascript:', '//evil.example', 'evil.example', '127.0.0.1',
	' ', '\t', '\r\n', '\u0000', '\u00a0', '\u3002', '\uff0e', '\uff0f', 'ü', '\u202e', 'contacts', 'obj_1', 'a', '~', '&', '=',
];
const piece = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 }));
const trickyString = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

const host = fc.oneof(
	fc.constantFrom('127.0.0.1', 'localhost', 'dev.flextell.ai', 'api.example.com', 'xn--bcher-kva.example', '[::1]'),
	fc.domain(),
);
const basePath = fc.array(fc.constantFrom('api', 'v1', 'flextell', 'x-y', 'a.b'), { maxLength: 3 });
const baseUrl = fc
	.record({ host, port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), path: basePath, slash: fc.boolean() })
	.map(({ host: h, port, path, slash }) => `https://${h}${port ? `:${port}` : ''}${path.length ? `/${path.join('/')}` : ''}${slash ? '/' : ''}`);
const version = fc.constantFrom('v0.0.1', 'v1', 'v2-beta', 'V3');

/** The segments of `pathname` below the prefix, as a server decoding them once reads them. */
function decodedSegmentsBelow(prefix: ApiPrefix, pathname: string): string[] {
	return pathname
		.slice(prefix.pathPrefix.length)
		.split('/')
		.map((segment) => {
			try {
				return decodeURIComponent(segment);
			} catch {
				return segment;
			}
		});
}

function assertStaysBelow(prefix: ApiPrefix, href: string): void {
	const url = new URL(href);
	expect(url.protocol).toBe('https:');
	expect(url.origin).toBe(prefix.origin);
	expect(url.username).toBe('');
	expect(url.password).toBe('');
	expect(url.hash).toBe('');
	expect(url.pathname.startsWith(prefix.pathPrefix)).toBe(true);
	for (const segment of decodedSegmentsBelow(prefix, url.pathname)) {
		// as a server that strips ";" path parameters reads it (Java: "..;" is "..")
		const name = segment.split(';')[0];
		expect(name === '.' || name === '..' || segment.includes('/') || segment.includes('\\')).toBe(false);
		expect([...segment].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
	}
}

describe('URL rules (property-based)', () => {
	it('a valid https base URL gives a prefix on its own origin', async () => {
		await check(
			fc.property(baseUrl, version, (base, v) => {
				const prefix = resolveApiPrefix(base, v);
				expect(prefix.origin).toBe(new URL(base).origin);
				expect(prefix.href).toBe(prefix.origin + prefix.pathPrefix);
				expect(prefix.pathPrefix.endsWith(`/${v}/`)).toBe(true);
			}),
		);
	});

	it('any path: the URL stays below <base>/<version>/ on the same origin, or the path is refused', async () => {
		await check(
			fc.property(baseUrl, version, trickyString, (base, v, path) => {
				const prefix = resolveApiPrefix(base, v);
				let href: string;
				try {
					href = buildRequestUrl(prefix, path);
				} catch (error) {
					expect(error).toBeInstanceOf(UrlRuleError);
					expect((error as UrlRuleError).field).toBe('path');
					return;
				}
				assertStaysBelow(prefix, href);
			}),
		);
	});

	const otherOrigin = fc.constantFrom(
		'http://127.0.0.1:8443', 'https://127.0.0.1:8444', 'https://127.0.0.1.:8443', 'https://LOCALHOST:8443', 'https://localhost.:8443',
		'https://user:pw@127.0.0.1:8443', 'https://127.0.0.1:8443@evil.example', 'https://evil.example', '//evil.example', 'HTTPS://127.0.0.1:8443',
		'https://0x7f.0.0.1:8443', 'https://2130706433:8443', 'https://127.1:8443', 'https://[::ffff:127.0.0.1]:8443', '',
	);
	const link = fc
		.record({ origin: otherOrigin, prefix: fc.constantFrom('/api/v0.0.1/', '/api/', '/api/v0.0.1', '/', '', 'api/v0.0.1/'), rest: trickyString })
		.map(({ origin, prefix, rest }) => `${origin}${prefix}${rest}`);

	it('any next-page link: followed only on the same origin below the prefix, else refused', async () => {
		const prefix = resolveApiPrefix('https://127.0.0.1:8443/api', 'v0.0.1');
		await check(
			fc.property(fc.oneof(link, trickyString), (candidate) => {
				let href: string;
				try {
					href = resolveWithinPrefix(prefix, candidate);
				} catch (error) {
					expect(error).toBeInstanceOf(UrlRuleError);
					expect((error as UrlRuleError).field).toBe('nextLink');
					return;
				}
				assertStaysBelow(prefix, href);
			}),
		);
	});
});
