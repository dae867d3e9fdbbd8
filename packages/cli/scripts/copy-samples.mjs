// Part of the build: copies the media `lowrank demo` reads from the repository's samples/ into
// dist/samples/, so that they ship in the package (files: dist) and the installed command finds them,
// with their attribution beside them: the rows of samples/SOURCES.md for these files and its licence
// notices (the bgslibrary video's MIT notice must travel with it).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_SAMPLES } from '../dist/data-folders.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const source = join(packageDir, '..', '..', 'samples');
const target = join(packageDir, 'dist', 'samples');
const names = Object.values(DEMO_SAMPLES);

const sources = readFileSync(join(source, 'SOURCES.md'), 'utf8').split('\n');
const header = sources.findIndex((line) => line.startsWith('| file |'));
const rows = sources.filter((line) => names.some((name) => line.startsWith(`| ${name} |`)));
const notices = sources.findIndex((line) => line.startsWith('## Licence notice'));
if (header < 0 || rows.length !== names.length || notices < 0)
  throw new Error(
    `samples/SOURCES.md must have a table row for each of ${names.join(', ')} and a "## Licence notice" section.`,
  );

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of names) copyFileSync(join(source, name), join(target, name));
writeFileSync(
  join(target, 'SOURCES.md'),
  [
    '# Samples shipped with @lowrank/cli (not made by this project)',
    '',
    "The media `lowrank demo` reads, copied from the repository's `samples/` at build time.",
    'Attribution, from `samples/SOURCES.md`:',
    '',
    sources[header],
    sources[header + 1],
    ...rows,
    '',
    ...sources.slice(notices),
  ].join('\n'),
);
console.log(`@lowrank/cli: ${names.join(', ')} and SOURCES.md -> dist/samples/`);
