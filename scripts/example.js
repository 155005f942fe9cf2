#!/usr/bin/env node
// @ts-check
// `npm run example`: runs example workflows in the running demo (`npm run demo`, in another
// terminal) without a browser, and prints what each node output.
//
//   npm run example                 lists the examples
//   npm run example 03              runs example 03 (also: 3, a file name, a workflow id)
//   npm run example all             runs all of them, in order
//   npm run example -- 03 --port 5679 [--url http://localhost:5679] [--email …] [--password …]
//                                   [--items 5] (items shown per node) [--json] (the run as JSON)
//
// It logs in as the demo's owner, starts each example from its manual trigger as the editor's
// "Execute workflow" does (POST /rest/workflows/<id>/run) and reads the execution
// (GET /rest/executions/<id>): scripts/lib/examples.js. Exit code 1 when a run fails.
'use strict';
const { parseArgs } = require('./lib/args');
const { listExamples, pickExamples, login, runExample, describeRun } = require('./lib/examples');
const { DEMO_OWNER } = require('./lib/n8n');

async function main() {
	const argv = process.argv.slice(2);
	const names = [];
	while (argv.length && !argv[0].startsWith('--')) names.push(/** @type {string} */ (argv.shift()));
	const args = parseArgs(argv, { flags: ['json'] });
	if (!names.length) {
		process.stdout.write(
			'The example workflows (examples/*.json), as n8n shows them:\n\n' +
				listExamples()
					.map((e) => `  ${e.number}  ${e.name}    (${e.file})`)
					.join('\n') +
				'\n\nRun one in the running demo with `npm run example 03`, or all with `npm run example all`.\n',
		);
		return 0;
	}
	const examples = pickExamples(names);
	const base = String(args.url || `http://127.0.0.1:${args.port || process.env.N8N_PORT || 5678}`).replace(/\/$/, '');
	let headers;
	try {
		headers = await login(base, { email: String(args.email || DEMO_OWNER.email), password: String(args.password || DEMO_OWNER.password) });
	} catch (e) {
		const why = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
		throw new Error(`${why}\nIs the demo running? Start it with \`npm run demo\` in another terminal (the editor URL it prints is the --url here).`);
	}
	let failed = 0;
	const runs = [];
	for (const example of examples) {
		const r = await runExample(base, headers, example);
		if (r.status !== 'success') failed++;
		if (args.json) runs.push({ example: example.file, id: example.id, status: r.status, ms: r.ms, executionId: r.executionId, error: r.error, nodes: r.nodes });
		else process.stdout.write(describeRun(r, { maxItems: Number(args.items ?? 5) }) + '\n\n');
	}
	if (args.json) process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
	return failed ? 1 : 0;
}

main().then(
	(code) => process.exit(code),
	(e) => {
		process.stderr.write(`[example] ${e instanceof Error ? e.message : e}\n`);
		process.exit(1);
	},
);
