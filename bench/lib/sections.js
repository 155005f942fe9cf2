// @ts-check
// A section of docs/benchmarks.md that one bench group writes between two marker lines, so a run
// of that group alone replaces its own section and a full run carries the others over.
'use strict';
const fs = require('node:fs');

/** @param {string} file */
function readOrEmpty(file) {
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/**
 * The section marked by `start` … `end` in a page.
 * @param {{ start: string, end: string }} marks
 */
function markedSection(marks) {
	/** Where the section stands in `text`, or undefined. @param {string} text */
	const find = (text) => {
		const a = text.indexOf(marks.start);
		const b = text.indexOf(marks.end);
		return a >= 0 && b > a ? { a, b: b + marks.end.length } : undefined;
	};
	return {
		/** Replaces the section in `file`, or adds it at the end. @param {string} file @param {string} section */
		write(file, section) {
			const text = readOrEmpty(file);
			const at = find(text);
			fs.writeFileSync(file, at ? text.slice(0, at.a) + section + text.slice(at.b) : `${text.trimEnd()}\n\n${section}\n`);
		},
		/** The section as it stands in `file` ('' when absent). @param {string} file */
		read(file) {
			const text = readOrEmpty(file);
			const at = find(text);
			return at ? text.slice(at.a, at.b) : '';
		},
	};
}

module.exports = { markedSection };
