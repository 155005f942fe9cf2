// @ts-check
// End-to-end: `npm run demo` as a user starts it (npm's own process, the n8n version under test),
// every example workflow run through n8n's REST API as `npm run example all` runs them, each
// result checked, then SIGTERM to npm's process: the demo stops cleanly (npm exits 0, no "failed"
// line) and leaves no process, port or temp folder. The queue-mode demo has the same test in
// demo-queue.queue.test.js (SIGINT there). Run with `npm run test:e2e` (test/e2e/run.js).
'use strict';
const { freePort } = require('../../scripts/lib/processes');
const { startDemo, runAndCheckExamples, stopAndCheck, portOf } = require('./demo-run');

/** @type {Awaited<ReturnType<typeof startDemo>> | undefined} */ let demo;

afterAll(() => demo?.kill()); // only does something when a test failed half-way

test('npm run demo: ready, every example right through the REST API, stopped by SIGTERM to npm with nothing left', async () => {
	const t0 = Date.now();
	const port = await freePort();
	demo = await startDemo(['--no-build', '--port', String(port)], { readyTimeoutMs: 300_000 });
	const ready = (Date.now() - t0) / 1000;
	const runs = await runAndCheckExamples(`http://127.0.0.1:${port}`, demo.ready.owner);
	const stopSeconds = await stopAndCheck(demo, 'SIGTERM', { ports: [port, portOf(demo.ready.sandbox)], folders: demo.ready.folders, timeoutMs: 60_000 });
	demo = undefined;
	process.stderr.write(`[demo e2e] ready in ${ready.toFixed(1)} s, stopped ${stopSeconds.toFixed(1)} s after SIGTERM\n${runs}\n`);
}, 480_000);
