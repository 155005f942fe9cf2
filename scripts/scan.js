#!/usr/bin/env node
// @ts-check
// `npm run scan`: the analysis n8n's verification runs on a community package
// (@n8n/scan-community-package), offline: its ESLint rules on the shipped source (package.json,
// nodes/, credentials/) and on what `npm pack` puts in the tarball (compiled .js and package.json),
// with the scanner's own configuration. Exits 1 on any finding. Needs `npm run build` first.
//
// What it leaves out, because it needs the npm registry and a published version: the provenance
// check and the download of the attested source and tarball. Those the release workflow
// (.github/workflows/release.yml) earns by publishing with `npm publish --provenance`.
//
// Before anything it lints a small package with known faults and fails unless the scanner finds
// them, so that a scanner that silently checks nothing cannot pass.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** @param {string} msg */
const say = (msg) => process.stdout.write(`[scan] ${msg}\n`);

/** Files under dir (relative paths) matching `test`, node_modules left out. @param {string} dir @param {(rel: string) => boolean} test */
function filesIn(dir, test) {
	/** @type {string[]} */
	const out = [];
	const walk = (/** @type {string} */ rel) => {
		for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
			const child = rel ? `${rel}/${entry.name}` : entry.name;
			if (entry.isDirectory()) {
				if (entry.name !== 'node_modules') walk(child);
			} else if (test(child)) out.push(child);
		}
	};
	walk('');
	return out;
}

/** `npm pack` into a temp folder, unpacked; returns the package folder. @param {string} tmp */
function packAndUnpack(tmp) {
	fs.mkdirSync(tmp, { recursive: true });
	const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
	if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
	const tarball = path.join(tmp, packed.stdout.trim().split('\n').pop() ?? '');
	const untar = spawnSync('tar', ['-xzf', tarball, '-C', tmp], { encoding: 'utf8' });
	if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
	return path.join(tmp, 'package');
}

/** A package with one fault the scanner must find: console use in a node. @param {string} dir */
function writeFaultyPackage(dir) {
	fs.mkdirSync(path.join(dir, 'nodes', 'Canary'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'n8n-nodes-canary', version: '0.0.0', keywords: ['n8n-community-node-package'], n8n: { n8nNodesApiVersion: 1, nodes: ['dist/nodes/Canary/Canary.node.js'] } }, null, 2));
	fs.writeFileSync(path.join(dir, 'nodes', 'Canary', 'Canary.node.js'), "'use strict';\nconsole.log('canary');\nmodule.exports = {};\n");
}

async function main() {
	if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes'))) throw new Error('dist/ is missing: run `npm run build` first (the tarball holds dist/)');
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-scan-'));
	// The scanner (and npm pack) make temp folders of their own and leave one behind: inside ours.
	const ownTmp = path.join(tmp, 'tmp');
	fs.mkdirSync(ownTmp);
	process.env.TMPDIR = ownTmp;
	const { analyzePackage, SOURCE_FILE_PATTERNS } = await import('@n8n/scan-community-package/scanner/scanner.mjs');
	try {
		const canary = path.join(tmp, 'canary');
		writeFaultyPackage(canary);
		const caught = await analyzePackage(canary, ['**/*.js', 'package.json']);
		if (caught.passed || !/no-console/.test(String(caught.details))) {
			throw new Error(`the scanner missed a known fault (console.log in a node): ${JSON.stringify(caught.message)}; it is not checking anything`);
		}

		const packageDir = packAndUnpack(path.join(tmp, 'tarball'));
		const legs = [
			{
				what: 'source',
				dir: ROOT,
				patterns: SOURCE_FILE_PATTERNS,
				files: filesIn(ROOT, (rel) => rel === 'package.json' || /^(nodes|credentials)\/.*\.(js|ts|json)$/.test(rel)),
			},
			{
				what: 'npm pack tarball',
				dir: packageDir,
				patterns: ['**/*.js', 'package.json'],
				files: filesIn(packageDir, (rel) => rel === 'package.json' || rel.endsWith('.js')),
			},
		];
		let failed = false;
		for (const leg of legs) {
			if (leg.files.length < 2) throw new Error(`${leg.what}: only ${leg.files.length} file(s) to analyse; expected package.json and the nodes`);
			const result = await analyzePackage(leg.dir, leg.patterns);
			if (result.passed) {
				say(`${leg.what}: ${leg.files.length} files, 0 findings`);
			} else {
				failed = true;
				say(`${leg.what}: ${result.message}`);
				if (result.details) process.stdout.write(`${result.details}\n`);
			}
		}
		if (failed) process.exitCode = 1;
		else say("passed: the verification scanner's rules find nothing in the source or the tarball");
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

main().catch((error) => {
	say(`failed: ${error instanceof Error ? error.message : error}`);
	process.exitCode = 1;
});
