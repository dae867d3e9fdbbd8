// Bundles a library package's compiled modules (dist/, from tsc) into one module per entry point,
// with the code they share in dist/chunk-*.js. Node 20's ESM loader spends about a millisecond and
// a half on every module it loads (resolve, read, compile, link): `lowrank compress` loaded about
// 130 of them from these packages before it could decode anything, 0.13 s more than the same code
// in one module per package. Every import of another package stays an import (esbuild's packages:
// 'external'), so each @lowrank package is still one module instance in a process: the classes a
// plugin's @lowrank/core throws are the CLI's, and linalg's kernel memory is one.
// Entries: the package.json exports' files and the files started as workers or child processes,
// named on the command line. tsc's other .js files (now inside the bundles) are removed; its .d.ts
// files stay. Run from the package's folder, after tsc:
//   node ../../scripts/bundle-package.mjs [dist/extra-entry.js ...]
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = process.cwd();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const exported = Object.values(manifest.exports ?? {}).map((target) =>
  typeof target === 'string' ? target : target.default,
);
const entryPoints = [...new Set([...exported, ...process.argv.slice(2)])].map((file) => join(root, file));
const result = await build({
  entryPoints,
  outdir: join(root, 'dist'),
  outbase: join(root, 'dist'),
  bundle: true,
  splitting: true,
  // Chunks beside the top-level entries: a module that finds a file by new URL('./x.js',
  // import.meta.url) finds it in the same folder wherever its code lands.
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  allowOverwrite: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const written = new Set(Object.keys(result.metafile.outputs).map((file) => join(process.cwd(), file)));
let removed = 0;
const prune = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (/\.js(\.map)?$/.test(entry.name) && !written.has(path)) {
      rmSync(path);
      if (entry.name.endsWith('.js')) removed++;
    }
  }
};
prune(join(root, 'dist'));
const entries = entryPoints.map((file) => relative(root, file)).join(', ');
console.log(
  `${manifest.name}: bundled ${entries} (${written.size / 2 - entryPoints.length} shared chunks; ${removed} modules folded in)`,
);
