#!/usr/bin/env node
// `npm run build` runs gulp through this: gulp's command line (gulp-cli) caches V8's flag list with
// the v8flags module in `$XDG_CACHE_HOME/js-v8flags` (default ~/.cache/js-v8flags), and when that
// folder cannot be made — a fresh home has no ~/.cache, and v8flags does not make parents — it
// writes `.v8flags-<…>.json` into the system temp folder instead, where it stays. Here the cache
// goes under node_modules/.cache (made first), so a build leaves nothing outside the project.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const modules = path.resolve(__dirname, '..', 'node_modules');
const cache = path.join(modules, '.cache');
fs.mkdirSync(cache, { recursive: true });
process.env.XDG_CACHE_HOME = cache;
// by path: gulp's package.json exports no bin/ subpath
require(path.join(modules, 'gulp', 'bin', 'gulp.js'));
