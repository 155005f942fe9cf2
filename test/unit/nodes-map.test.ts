// docs/development.md's "Layout" names every file of nodes/ in the bullet of its folder, and names
// no file that is not there: a file added, moved or removed without its line in the map fails here.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const development = fs.readFileSync(path.join(ROOT, 'docs', 'development.md'), 'utf8');
const layoutStart = development.indexOf('\n## Layout\n');
const layout = development.slice(layoutStart, development.indexOf('\n## ', layoutStart + 1));

/** The sub-bullet that starts with `folder` in backticks, to the next bullet. */
function bulletOf(folder: string): string {
	const start = layout.indexOf(`  - \`${folder}\``);
	if (start < 0) throw new Error(`no bullet for ${folder}`);
	const stops = [layout.indexOf('\n  - ', start + 1), layout.indexOf('\n- ', start + 1)].filter((i) => i > 0);
	return layout.slice(start, stops.length ? Math.min(...stops) : undefined);
}

/** The file names a text names in backticks (`name.ts`, `name.json`). */
function named(text: string): string[] {
	return [...text.matchAll(/`([\w.-]+\.(?:ts|json))`/g)].map((match) => match[1]).sort();
}

function filesOf(folder: string): string[] {
	return fs
		.readdirSync(path.join(ROOT, folder), { withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => entry.name)
		.sort();
}

test.each(['nodes/Flextell/', 'nodes/FlextellTrigger/', 'nodes/shared/', 'nodes/shared/transport/'])(
	"docs/development.md's Layout bullet %s names every file of the folder, and no other",
	(folder) => {
		expect({ folder, named: [...new Set(named(bulletOf(folder)))].sort() }).toEqual({ folder, named: filesOf(folder) });
	},
);
