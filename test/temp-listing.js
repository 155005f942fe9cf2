// @ts-check
// A listing of the system temp folder, to tell what a run left behind (npm test, .ci/run).
'use strict';
const fs = require('node:fs');
const os = require('node:os');

/** The names in the system temp folder now. @returns {Set<string>} */
function tempListing() {
	return new Set(fs.readdirSync(os.tmpdir()));
}

/** Names that are there now and were not in `before`. @param {Set<string>} before */
function newTempEntries(before) {
	return [...tempListing()].filter((name) => !before.has(name)).sort();
}

module.exports = { tempListing, newTempEntries };
