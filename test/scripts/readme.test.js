// The README is what npm and n8n show for the package, where only the files shipped exist: every
// link in it is absolute (to this repository on GitHub) or to a heading of its own, and leads to a
// file and heading that exist here; it stays short enough to read to the end; every `npm run`
// command it names exists; package.json's description claims nothing that does not ship.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const REPO = 'https://github.com/flextell/n8n-nodes-flextell';
const BLOB = `${REPO}/blob/main/`;
const RAW = 'https://raw.githubusercontent.com/flextell/n8n-nodes-flextell/main/';

/** GitHub's anchor for a heading. @param {string} heading */
const slug = (heading) =>
	heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');

/** The anchors of a Markdown text's headings (code blocks left out). @param {string} text */
function anchors(text) {
	const withoutCode = text.replace(/```[\s\S]*?```/g, '');
	return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

/** Every link and image target of a Markdown text (code spans and blocks left out). @param {string} text */
function links(text) {
	const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
	return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

test('the README is at most 250 lines', () => {
	expect(README.split('\n').length).toBeLessThanOrEqual(250);
});

test("every link in the README works from npm's package page: absolute, to a file and heading that exist", () => {
	const found = links(README);
	expect(found.length).toBeGreaterThan(10);
	const own = anchors(README);
	for (const target of found) {
		if (target.startsWith('#')) {
			expect({ target, exists: own.has(target.slice(1)) }).toEqual({ target, exists: true });
			continue;
		}
		expect(target).toMatch(/^https:\/\//);
		const [url, anchor] = target.split('#');
		let file;
		if (url.startsWith(BLOB)) file = url.slice(BLOB.length);
		else if (url.startsWith(RAW)) file = url.slice(RAW.length);
		else continue; // another site (n8n.io, docs.n8n.io, the repository itself)
		expect({ target, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ target, exists: true });
		if (anchor) expect({ target, exists: anchors(fs.readFileSync(path.join(ROOT, file), 'utf8')).has(anchor) }).toEqual({ target, exists: true });
	}
});

test('the relative links of the docs pages lead to files that exist', () => {
	const dir = path.join(ROOT, 'docs');
	for (const page of fs.readdirSync(dir).filter((f) => f.endsWith('.md'))) {
		for (const target of links(fs.readFileSync(path.join(dir, page), 'utf8'))) {
			if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
			const file = path.normalize(path.join('docs', target.split('#')[0]));
			expect({ page, target, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ page, target, exists: true });
		}
	}
});

test('every npm command the README names exists, and it names the two that work on a fresh machine and the e2e suites', () => {
	const commands = [...README.matchAll(/npm run ([a-z0-9:_-]+)/g)].map((m) => m[1]);
	for (const name of new Set(commands)) expect({ name, exists: name in pkg.scripts }).toEqual({ name, exists: true });
	for (const name of ['demo', 'test:e2e', 'test:e2e:queue']) expect(commands).toContain(name);
	expect(README).toMatch(/^npm test\b/m);
});

test("package.json's description names only what ships: no sandbox (dist/ only)", () => {
	expect(pkg.files).toEqual(['dist']);
	expect(pkg.description).not.toMatch(/sandbox/i);
});
