// Copies what tsc does not emit into dist/: the icons, and each node's codex file (*.node.json).
const { src, dest } = require('gulp');

function copyIcons() {
	return src('icons/**/*.{svg,png}', { encoding: false }).pipe(dest('dist/icons'));
}

function copyCodex() {
	return src('nodes/**/*.json').pipe(dest('dist/nodes'));
}

exports['build:assets'] = async function buildAssets() {
	await Promise.all([streamDone(copyIcons()), streamDone(copyCodex())]);
};

function streamDone(stream) {
	return new Promise((resolve, reject) => stream.on('end', resolve).on('finish', resolve).on('error', reject));
}
