// @ts-check
// Command-line options for the scripts, the sandbox CLI and the bench, read one way:
//   --name value   --name=value   --flag (true)   --no-flag (false)
'use strict';

/**
 * @param {string[]} argv  process.argv.slice(2)
 * @param {{ flags?: string[] }} [o]  names that never take a value (the next argument is not theirs)
 * @returns {Record<string, string|boolean>}  a name given without a value is `true`
 */
function parseArgs(argv, o = {}) {
	const flags = new Set(o.flags ?? []);
	/** @type {Record<string, string|boolean>} */
	const a = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--(no-)?([^=]+)(?:=(.*))?$/s.exec(argv[i]);
		if (!m) throw new Error(`Unexpected argument '${argv[i]}'`);
		const [, no, name, inline] = m;
		if (no) a[name] = false;
		else if (inline !== undefined) a[name] = inline;
		else if (!flags.has(name) && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) a[name] = argv[++i];
		else a[name] = true;
	}
	return a;
}

module.exports = { parseArgs };
