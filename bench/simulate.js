#!/usr/bin/env node
// @ts-check
// `npm run simulate`: the pacing grid (test/pacing-grid.ts) over the package's own code — its gate
// and request path from nodes/ (the TypeScript sources, compiled in memory as they load: no build
// needed) against the sandbox's own limiters, on a virtual clock. Prints the grid as a markdown
// table, one summary line per block, and the CPU seconds the grid took.
//
//   npm run simulate                      the full grid
//   npm run simulate -- --small           the cells npm test asserts
//   npm run simulate -- --filter 'w=2'    only cells whose row matches (a regular expression)
//   npm run simulate -- --json out.json   also writes the figures as JSON
//   npm run simulate -- --write           also writes the grid into docs/benchmarks.md (between its
//                                         simulate markers) and its figures into docs/benchmarks-simulate.json
//   npm run simulate -- --check           exits non-zero when a cell breaks a hard rule (CI): an item
//                                         failed, or a worker sent before a Retry-After it received
//
// Reaches nothing but this process: no server, no network, no files unless --json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

// Compile .ts on require (transpile only: `npm run typecheck` checks the types).
require.extensions['.ts'] = (module, filename) => {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		fileName: filename,
	});
	/** @type {any} */ (module)._compile(outputText, filename);
};

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
	const at = args.indexOf(name);
	return at >= 0 ? args[at + 1] : undefined;
};

async function main() {
	const grid = require(path.join(__dirname, '..', 'test', 'pacing-grid.ts'));
	let cells = flag('--small') ? grid.smallGrid() : grid.fullGrid();
	const filter = value('--filter');
	if (filter) {
		const re = new RegExp(filter);
		cells = cells.filter((/** @type {any} */ c) => re.test(`${grid.describeCell(c)} w=${c.workers} window=${c.windowS} c=${c.concurrency} skew=${c.skewMs} ${c.block}`));
	}
	const cpu0 = process.cpuUsage();
	const wall0 = performance.now();
	const results = [];
	for (const cell of cells) {
		results.push(await grid.runCell(cell));
		if (process.stderr.isTTY) process.stderr.write(`\r${results.length}/${cells.length}`);
	}
	if (process.stderr.isTTY) process.stderr.write('\n');
	const cpu = process.cpuUsage(cpu0);
	const cpuS = (cpu.user + cpu.system) / 1e6;
	const blocks = [...new Set(results.map((r) => r.cell.block))];
	for (const block of blocks) {
		process.stdout.write(`\n### ${block}\n\n${grid.table(results.filter((r) => r.cell.block === block))}\n`);
	}
	const inside = results.filter((r) => r.misses.length === 0).length;
	process.stdout.write(
		`\n${grid.summary(results)}\n${results.length} cells, ${inside} inside every goal; ${cpuS.toFixed(1)} s of CPU (${((performance.now() - wall0) / 1000).toFixed(1)} s wall)\n`,
	);
	if (flag('--write')) {
		const os = require('node:os');
		const docs = path.join(__dirname, '..', 'docs');
		const page = path.join(docs, 'benchmarks.md');
		const START = '<!-- simulate:start -->';
		const END = '<!-- simulate:end -->';
		const text = fs.readFileSync(page, 'utf8');
		const from = text.indexOf(START);
		const to = text.indexOf(END);
		if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${START} … ${END} section`);
		const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
		const body = [
			START,
			`Produced by \`npm run simulate -- --write\` on ${new Date().toISOString()} (git ${require('node:child_process').execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}): ` +
				`${results.length} cells, ${cpuS.toFixed(1)} s of CPU, load average ${load} at the end (virtual time: the load does not change a figure).`,
			'',
			'```',
			grid.summary(results),
			`${results.length} cells, ${inside} inside every goal`,
			'```',
			...blocks.map((block) => `\n#### ${block}\n\n${grid.table(results.filter((r) => r.cell.block === block))}`),
			END,
		].join('\n');
		fs.writeFileSync(page, text.slice(0, from) + body + text.slice(to + END.length));
		const lines = results.map((r) => `\t${JSON.stringify(r)}`).join(',\n');
		fs.writeFileSync(path.join(docs, 'benchmarks-simulate.json'), `{"cpuS": ${cpuS.toFixed(2)}, "cells": [\n${lines}\n]}\n`);
	}
	const json = value('--json');
	if (json) fs.writeFileSync(json, `${JSON.stringify({ cpuS, cells: results }, null, '\t')}\n`);
	const broken = results.filter((r) => r.failed > 0 || r.ownEarly > 0);
	if (flag('--check') && broken.length) {
		process.stderr.write(`${broken.length} cell(s) broke a hard rule: ${broken.map((r) => grid.describeCell(r.cell)).join('; ')}\n`);
		process.exitCode = 1;
	}
}

main().catch((error) => {
	process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
	process.exitCode = 1;
});
