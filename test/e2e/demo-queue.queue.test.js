// @ts-check
// End-to-end: `npm run demo -- --queue` as a user starts it (n8n main + 2 workers, PostgreSQL,
// Redis), every example workflow run through n8n's REST API and checked as in
// demo.e2e.test.js, then SIGINT to npm's process (what npm passes on from a terminal's Ctrl-C):
// the demo stops cleanly (npm exits 0, no "failed" line) and leaves no process, port (n8n,
// sandbox, PostgreSQL, Redis) or temp folder. Run with `npm run test:e2e:queue`.
'use strict';
const { freePort } = require('../../scripts/lib/processes');
const { startDemo, runAndCheckExamples, stopAndCheck, portOf } = require('./demo-run');

/** @type {Awaited<ReturnType<typeof startDemo>> | undefined} */ let demo;

afterAll(() => demo?.kill()); // only does something when a test failed half-way

test('npm run demo -- --queue: ready, every example right through the REST API, stopped by SIGINT to npm with nothing left', async () => {
	const t0 = Date.now();
	const port = await freePort();
	demo = await startDemo(['--queue', '--no-build', '--port', String(port)], { readyTimeoutMs: 420_000 });
	const ready = (Date.now() - t0) / 1000;
	const runs = await runAndCheckExamples(`http://127.0.0.1:${port}`, demo.ready.owner);
	const ports = [port, portOf(demo.ready.sandbox), ...demo.ready.ports];
	const stopSeconds = await stopAndCheck(demo, 'SIGINT', { ports, folders: demo.ready.folders, timeoutMs: 90_000 });
	demo = undefined;
	process.stderr.write(`[demo --queue e2e] ready in ${ready.toFixed(1)} s, stopped ${stopSeconds.toFixed(1)} s after SIGINT\n${runs}\n`);
}, 720_000);
