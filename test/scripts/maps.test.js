// The maps of the tooling stay true: docs/development.md's "Layout" names every file of scripts/,
// scripts/lib/, bench/ and bench/lib/ in the bullet of its folder, and sandbox/README.md's "Layout"
// every file of sandbox/; neither names a file that is not there. A file added, moved or removed
// without its line in the map fails here. And every file of scripts/ and bench/ is run by an npm
// script or by a file that is: none left that nothing runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const read = (/** @type {string} */ file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The text of a Markdown section, from its heading to the next heading of its level. @param {string} text @param {string} heading */
function section(text, heading) {
	const start = text.indexOf(`\n${heading}\n`);
	if (start < 0) throw new Error(`no section "${heading}"`);
	const level = heading.split(' ')[0];
	const end = text.indexOf(`\n${level} `, start + heading.length + 1);
	return text.slice(start, end < 0 ? undefined : end);
}

/**
 * The sub-bullet of the tooling bullet that starts with `folder` in backticks, to the next sub-bullet.
 * @param {string} layout @param {string} folder
 */
function bulletOf(layout, folder) {
	const start = layout.indexOf(`  - \`${folder}\``);
	if (start < 0) throw new Error(`no bullet for ${folder}`);
	const next = layout.indexOf('\n  - ', start + 1);
	const end = layout.indexOf('\n- ', start + 1);
	const stop = [next, end].filter((i) => i > 0);
	return layout.slice(start, stop.length ? Math.min(...stop) : undefined);
}

/** The file names (`name.js`, `name.ts`) a text names in backticks, a folder prefix taken off. @param {string} text */
function named(text) {
	return new Set([...text.matchAll(/`(?:[\w./-]*\/)?([\w.-]+\.(?:js|ts))`/g)].map((m) => m[1]));
}

/** The files of a folder with these endings. @param {string} folder @param {RegExp} ending */
function filesOf(folder, ending) {
	return fs
		.readdirSync(path.join(ROOT, folder), { withFileTypes: true })
		.filter((e) => e.isFile() && ending.test(e.name))
		.map((e) => e.name)
		.sort();
}

const layout = section(read('docs/development.md'), '## Layout');

test.each([
	['scripts/', 'scripts', /\.js$/],
	['scripts/lib/', 'scripts/lib', /\.js$/],
	['bench/', 'bench', /\.(js|ts)$/],
	['bench/', 'bench/lib', /\.js$/],
])("docs/development.md's Layout bullet %s names every file of %s", (bullet, folder, ending) => {
	const names = named(bulletOf(layout, bullet));
	const missing = filesOf(folder, ending).filter((file) => !names.has(file));
	expect({ folder, missing }).toEqual({ folder, missing: [] });
});

test("docs/development.md's scripts/lib bullet names only files that are there", () => {
	const there = new Set(filesOf('scripts/lib', /\.js$/));
	const gone = [...named(bulletOf(layout, 'scripts/lib/'))].filter((file) => !there.has(file));
	expect(gone).toEqual([]);
});

test("sandbox/README.md's Layout names every file of sandbox/, and only those", () => {
	const names = named(section(read('sandbox/README.md'), '## Layout'));
	const files = filesOf('sandbox', /\.js$/);
	expect({ missing: files.filter((file) => !names.has(file)), gone: [...names].filter((file) => !files.includes(file)) }).toEqual({ missing: [], gone: [] });
});

/** A jest run over the bench's files (bench/run.js); joined here so that this file does not hold it. */
const BENCH_TEST_MATCH = ["'--testMatch'", "'**/*.bench.ts'"].join(', ');

/**
 * The files a source file runs: what it requires or imports by a relative path, what it names by
 * `path.join(__dirname, …)` (a child process, a required file), and the bench files a jest run
 * matches by its --testMatch of the .bench.ts files. Paths are relative to the repository.
 * @param {string} file
 */
function filesItRuns(file) {
	const text = read(file);
	const dir = path.dirname(file);
	const found = [];
	for (const m of text.matchAll(/(?:require\(|from\s+)'(\.{1,2}\/[^']+)'/g)) found.push(path.join(dir, m[1]));
	for (const m of text.matchAll(/path\.join\(__dirname,((?:\s*'[^']+',?)+)\)/g)) found.push(path.join(dir, ...[...m[1].matchAll(/'([^']+)'/g)].map((p) => p[1])));
	if (text.includes(BENCH_TEST_MATCH)) found.push(...filesOf('bench', /\.bench\.ts$/).map((f) => path.join('bench', f)));
	return found.flatMap((p) => [p, `${p}.js`, `${p}.ts`, path.join(p, 'index.js')]).filter((p) => fs.existsSync(path.join(ROOT, p)) && fs.statSync(path.join(ROOT, p)).isFile());
}

test('every file of scripts/ and bench/ is run by an npm script, or by a file that is (no script left unreachable)', () => {
	const pkg = JSON.parse(read('package.json'));
	// npm's scripts, and the test files their jest and node --test runs pick up
	const entries = [
		...Object.values(pkg.scripts).flatMap((command) => [...String(command).matchAll(/\b((?:scripts|bench|test|sandbox)\/[\w./-]+\.js)\b/g)].map((m) => m[1])),
		...['test', 'test/e2e', 'test/scripts', 'test/unit', 'test/sandbox', 'test/engine']
			.filter((folder) => fs.existsSync(path.join(ROOT, folder)))
			.flatMap((folder) => filesOf(folder, /\.test\.(js|ts)$/).map((f) => path.join(folder, f))),
	];
	const reached = new Set();
	const queue = [...entries];
	while (queue.length) {
		const file = /** @type {string} */ (queue.pop());
		if (reached.has(file)) continue;
		reached.add(file);
		queue.push(...filesItRuns(file));
	}
	const tooling = [
		...filesOf('scripts', /\.js$/).map((f) => `scripts/${f}`),
		...filesOf('scripts/lib', /\.js$/).map((f) => `scripts/lib/${f}`),
		...filesOf('bench', /\.(js|ts)$/).map((f) => `bench/${f}`),
		...filesOf('bench/lib', /\.js$/).map((f) => `bench/lib/${f}`),
	];
	expect(tooling.filter((file) => !reached.has(file))).toEqual([]);
	expect(tooling.length).toBeGreaterThan(30);
});
