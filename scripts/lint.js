#!/usr/bin/env node
// `npm run lint`: n8n's own community-node lint (`n8n-node lint`, strict mode, default
// eslint.config.mjs) over exactly what ships: package.json, credentials/, nodes/ and icons/.
//
// `n8n-node lint` runs `eslint .` and, in strict mode, insists on the unmodified default config,
// which would also lint tests, the sandbox and scripts — code that never ships and rightly uses
// `process`, timers and the console. So the shipped files are copied into a staging folder inside
// the project (node_modules still resolves from there) and the command runs on that.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stage = path.join(root, '.cache', 'lint');
const shipped = ['package.json', 'eslint.config.mjs', 'tsconfig.json', 'credentials', 'nodes', 'icons'];

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
for (const entry of shipped) fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });

const bin = path.join(root, 'node_modules', '.bin', 'n8n-node');
const result = spawnSync(bin, ['lint', ...process.argv.slice(2)], { cwd: stage, stdio: 'inherit' });
if (result.status === 0 && process.argv.includes('--fix')) {
	for (const entry of ['credentials', 'nodes']) fs.cpSync(path.join(stage, entry), path.join(root, entry), { recursive: true });
}
process.exitCode = result.status ?? 1;
