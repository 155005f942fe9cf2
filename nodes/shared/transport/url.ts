/**
 * URL building for Flextell requests.
 *
 * Every request goes to `<baseUrl>/<apiVersion>/<path>`. The bearer token rides along with each
 * request, so the rules here are strict: the base URL must be https, and a path may only ever
 * name something *below* the API prefix on the configured origin. Anything else is refused before
 * a single byte is sent.
 */

export class UrlRuleError extends Error {
	constructor(
		message: string,
		readonly field: 'baseUrl' | 'apiVersion' | 'path' | 'nextLink',
		readonly hint: string,
	) {
		super(message);
		this.name = 'UrlRuleError';
	}
}

/** The validated `<baseUrl>/<apiVersion>/` prefix that every request URL must start with. */
export interface ApiPrefix {
	origin: string;
	/** Always ends with a slash, e.g. `/api/v0.0.1/`. */
	pathPrefix: string;
	/** `origin + pathPrefix`. */
	href: string;
}

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SCHEME_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** C0 controls, space and DEL: never meaningful in a resource path. */
function hasControlOrSpace(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code <= 0x20 || code === 0x7f) return true;
	}
	return false;
}

function tryParseUrl(raw: string, base?: string): URL | undefined {
	try {
		return new URL(raw, base);
	} catch {
		return undefined;
	}
}

export function resolveApiPrefix(baseUrl: unknown, apiVersion: unknown): ApiPrefix {
	const base = parseBaseUrl(baseUrl);
	const version = typeof apiVersion === 'string' ? apiVersion.trim() : '';
	if (!VERSION_PATTERN.test(version) || version.includes('..')) {
		throw new UrlRuleError(
			`The API version "${String(apiVersion)}" is not valid`,
			'apiVersion',
			'Use the version segment from Flextell\'s documentation, e.g. "v0.0.1".',
		);
	}
	const basePath = base.pathname.replace(/\/+$/, '');
	const pathPrefix = `${basePath}/${version}/`;
	return { origin: base.origin, pathPrefix, href: base.origin + pathPrefix };
}

function parseBaseUrl(baseUrl: unknown): URL {
	const raw = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	const url = tryParseUrl(raw);
	if (!url) {
		throw new UrlRuleError(
			`The base URL "${raw}" is not a valid URL`,
			'baseUrl',
			'Set the credential\'s Base URL to Flextell\'s API root, e.g. https://dev.flextell.ai/api.',
		);
	}
	if (url.protocol !== 'https:') {
		throw new UrlRuleError(
			`The base URL must use https, not ${url.protocol.replace(':', '')}`,
			'baseUrl',
			'Flextell rejects plain HTTP and the access token must not travel unencrypted. Change the credential\'s Base URL to start with https://.',
		);
	}
	// The raw text too: an empty "?" or "#" leaves no trace in the parsed URL.
	if (url.username || url.password || url.search || url.hash || /[?#]/.test(raw)) {
		throw new UrlRuleError(
			'The base URL must not contain user info, a query string or a fragment',
			'baseUrl',
			'Set the credential\'s Base URL to just the API root, e.g. https://dev.flextell.ai/api.',
		);
	}
	return url;
}

/**
 * Builds the absolute URL for `path` below `prefix`. A query string in the path is kept (it is
 * merged with the node's query parameters by the HTTP client); a fragment is refused.
 */
export function buildRequestUrl(prefix: ApiPrefix, path: unknown): string {
	const raw = typeof path === 'number' ? String(path) : typeof path === 'string' ? path.trim() : '';
	const [pathPart, query] = splitQuery(raw);
	const relative = pathPart.replace(/^\//, '');

	refuseUnsafePath(raw, relative);

	const url = new URL(prefix.href + relative + (query === undefined ? '' : `?${query}`));
	assertWithinPrefix(url, prefix, 'path');
	return url.href;
}

/** Is `candidate` (absolute or relative to the prefix) an URL below `prefix`? Used for next links. */
export function resolveWithinPrefix(prefix: ApiPrefix, candidate: string): string {
	const url = tryParseUrl(candidate, prefix.href);
	if (!url) {
		throw new UrlRuleError(
			`The next-page link "${candidate}" is not a valid URL`,
			'nextLink',
			'Flextell returned a malformed pagination link; try another pagination mode.',
		);
	}
	// The URL parser drops tabs and line breaks silently and encodes other controls: refuse them as written.
	if (hasControl(candidate)) {
		throw new UrlRuleError(
			`The next-page link "${[...candidate].map((c) => (hasControl(c) ? '?' : c)).join('')}" contains control characters`,
			'nextLink',
			'Flextell returned a malformed pagination link; try another pagination mode.',
		);
	}
	assertWithinPrefix(url, prefix, 'nextLink');
	for (const segment of url.pathname.split('/')) refuseUnsafeSegment(segment, 'nextLink', candidate);
	// A fragment is never sent; dropping it keeps "the same page again" detectable.
	url.hash = '';
	return url.href;
}

function splitQuery(raw: string): [string, string | undefined] {
	const at = raw.indexOf('?');
	return at === -1 ? [raw, undefined] : [raw.slice(0, at), raw.slice(at + 1)];
}

function refuseUnsafePath(raw: string, relative: string): void {
	const refuse = (why: string, hint: string): never => {
		throw new UrlRuleError(`The path "${raw}" ${why}`, 'path', hint);
	};
	const relativeHint =
		'Give a path relative to the API version, e.g. "contacts" or "contacts/{{ $json.id }}"; the host comes from the credential.';

	if (relative === '') refuse('is empty', 'Enter the resource path, e.g. "contacts".');
	if (SCHEME_PATTERN.test(relative)) refuse('contains a URL scheme', relativeHint);
	if (relative.startsWith('//') || raw.startsWith('//')) refuse('starts with "//"', relativeHint);
	if (raw.includes('\\')) refuse('contains a backslash', 'Use forward slashes between path segments.');
	if (raw.includes('#')) refuse('contains a "#" fragment', 'Remove the "#…" part; Flextell paths have no fragments.');
	if (hasControlOrSpace(raw)) {
		refuse('contains spaces or control characters', 'Remove them, or URL-encode them (%20) inside an id.');
	}
	for (const segment of relative.split('/')) {
		if (segment === '') {
			refuse(
				'contains an empty segment',
				'Remove the doubled or trailing slash. If the path uses an expression such as {{ $json.id }}, check that it is not empty for this item.',
			);
		}
		refuseUnsafeSegment(segment, 'path', raw);
	}
}

/**
 * A segment as a server reads it: decoded once, and without the path parameters that Java servers
 * (Tomcat, Jetty, Spring) strip before resolving — to them `..;` and `..;x=1` are `..`. Such a
 * segment is refused like `..` itself; so is one that decodes to a control character (`%00`,
 * `%0A`, `%09`: NUL ends a name in C code behind the server, a line break splits a log line or a
 * header) and one holding an encoded separator.
 */
function refuseUnsafeSegment(segment: string, field: 'path' | 'nextLink', raw: string): void {
	const what = field === 'path' ? `The path "${raw}"` : `The next-page link "${raw}"`;
	const decoded = safeDecode(segment);
	const name = decoded.split(';')[0];
	if (name === '.' || name === '..') {
		throw new UrlRuleError(
			`${what} contains a "." or ".." segment${decoded === name ? '' : ` ("${decoded}": servers that strip ";" parameters read it as "${name}")`}`,
			field,
			field === 'path'
				? 'Paths may not climb out of the API version; name the resource directly.'
				: 'Flextell returned a pagination link that climbs out of the API version; try another pagination mode.',
		);
	}
	if (decoded !== segment && hasControl(decoded)) {
		throw new UrlRuleError(
			`${what} contains an encoded control character (%00–%1F or %7F)`,
			field,
			field === 'path' ? 'Remove it; an id never holds one. Check the expression that builds the path.' : 'Flextell returned a malformed pagination link; try another pagination mode.',
		);
	}
	refuseEncodedSeparators(segment, field);
}

/** C0 controls and DEL (not space). */
function hasControl(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x20 || code === 0x7f) return true;
	}
	return false;
}

function refuseEncodedSeparators(segment: string, field: 'path' | 'nextLink'): void {
	if (/%(2f|5c)/i.test(segment)) {
		throw new UrlRuleError(
			`The ${field === 'path' ? 'path' : 'next-page link'} contains an encoded "/" or "\\"`,
			field,
			'Encoded separators can move the request elsewhere on the server; remove them.',
		);
	}
}

function safeDecode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

function assertWithinPrefix(url: URL, prefix: ApiPrefix, field: 'path' | 'nextLink'): void {
	if (url.origin !== prefix.origin || !url.pathname.startsWith(prefix.pathPrefix) || url.username || url.password) {
		const what = field === 'path' ? 'path' : 'next-page link';
		throw new UrlRuleError(
			`The ${what} would leave ${prefix.href} (it resolves to ${url.origin}${url.pathname})`,
			field,
			'The access token is only ever sent to the credential\'s Base URL and API version. Use a relative resource path.',
		);
	}
}

/** The path of an absolute URL, for messages and logs (never its query: it may hold values). */
export function pathOf(url: string): string {
	return new URL(url).pathname;
}
