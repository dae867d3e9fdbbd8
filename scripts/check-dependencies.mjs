#!/usr/bin/env node
// Part of `pnpm lint`: every workspace package declares exactly what it imports.
// - A module imported by shipped code (src/ outside tests, the webview's media/) is in
//   "dependencies" (or "peerDependencies").
// - A module imported only by tests, scripts or benchmarks is in "dependencies" or
//   "devDependencies" of the package, or in the root package.json's "devDependencies".
// - Every declared dependency is imported by shipped code, and every devDependency is imported or
//   run somewhere in the package (its scripts name it), unless listed in ALLOWED below with why.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Declared but not imported on purpose: package -> dependency -> why. */
const ALLOWED = {
  'lowrank-vscode': {
    sharp:
      'native module left external by esbuild: @lowrank/io imports it inside the bundle, npm installs it into the VSIX',
    '@types/vscode': 'types of the `vscode` module the extension host provides',
  },
};
/** Modules the runtime provides (not installed from npm). */
const PROVIDED = new Set(['vscode']);

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
// `from 'x'` (static imports and re-exports, on one line or many), `import 'x'` (side effects),
// `import('x')`, `require('x')` and `require.resolve('x')`.
const IMPORT =
  /\bfrom\s+['"]([^'"]+)['"]\s*;?\s*$|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/gm;
// `/// <reference types="node" />` in shipped code ends up in the declarations: it needs @types/node.
const REFERENCE_TYPES = /^\/\/\/\s*<reference\s+types=["']([^"']+)["']/gm;

function packageName(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || builtins.has(specifier)) return undefined;
  if (specifier.startsWith('node:') || specifier.includes('${') || specifier.includes(':')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (
      ['node_modules', 'dist', 'out', 'generated', '.test-build', 'dist-vsix', 'test-results'].includes(
        entry.name,
      )
    )
      continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (SOURCE.test(entry.name)) out.push(path);
  }
  return out;
}

/** Shipped code: src/ and media/ outside tests and test helpers. */
function isShipped(file, pkgDir) {
  const rel = relative(pkgDir, file);
  if (!(rel.startsWith('src/') || rel.startsWith('media/'))) return false;
  return !/(\.test\.|\.e2e\.|\.fixture\.|test-support|test-helpers|(^|\/)testing\/.*\.test)/.test(rel);
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = new Set();
  for (const match of text.matchAll(IMPORT)) {
    const name = packageName(match[1] ?? match[2] ?? match[3] ?? match[4]);
    if (name) found.add(name);
  }
  for (const match of text.matchAll(REFERENCE_TYPES)) {
    const name = match[1];
    found.add(name.startsWith('@') ? `@types/${name.slice(1).replace('/', '__')}` : `@types/${name}`);
  }
  return found;
}

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const rootDev = new Set(Object.keys(rootManifest.devDependencies ?? {}));
const problems = [];
const packageDirs = ['packages', 'examples'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(root, group, name))
    .filter((dir) => existsSync(join(dir, 'package.json')) && statSync(dir).isDirectory()),
);

for (const dir of packageDirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const name = manifest.name;
  const deps = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const devDeps = new Set(Object.keys(manifest.devDependencies ?? {}));
  const allowed = ALLOWED[name] ?? {};
  const shippedImports = new Map();
  const otherImports = new Map();
  for (const file of walk(dir)) {
    const target = isShipped(file, dir) ? shippedImports : otherImports;
    for (const module of importsOf(file)) {
      if (module === name) continue; // a package's own tests may import it by name
      if (!target.has(module)) target.set(module, relative(root, file));
    }
  }
  for (const [module, file] of shippedImports) {
    if (PROVIDED.has(module)) continue;
    if (!deps.has(module))
      problems.push(`${name}: ${file} imports "${module}", which is not in its "dependencies".`);
  }
  for (const [module, file] of otherImports) {
    if (PROVIDED.has(module) || deps.has(module) || devDeps.has(module) || rootDev.has(module)) continue;
    problems.push(
      `${name}: ${file} imports "${module}", declared neither in the package nor in the root devDependencies.`,
    );
  }
  const manifestScripts = Object.values(manifest.scripts ?? {}).join('\n');
  // The repository's own scripts a package's scripts run (../../scripts/X.mjs) resolve modules
  // from the package: what they import or run counts as the package's.
  const rootScripts = [...manifestScripts.matchAll(/\.\.\/\.\.\/scripts\/([\w.-]+\.mjs)/g)].map((m) =>
    join(root, 'scripts', m[1]),
  );
  const scriptsText = `${manifestScripts}\n${[...walk(join(dir, 'scripts')), ...rootScripts]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n')}`;
  for (const dep of deps) {
    if (shippedImports.has(dep) || allowed[dep]) continue;
    problems.push(
      `${name}: "${dep}" is in "dependencies" but no shipped file imports it${otherImports.has(dep) ? ' (only tests or scripts do: make it a devDependency)' : ''}.`,
    );
  }
  for (const dep of devDeps) {
    if (shippedImports.has(dep) || otherImports.has(dep) || allowed[dep]) continue;
    const bin = dep.split('/').pop();
    if (scriptsText.includes(dep) || scriptsText.includes(bin)) continue;
    problems.push(`${name}: "${dep}" is in "devDependencies" but nothing in the package imports or runs it.`);
  }
}

if (problems.length > 0) {
  console.error(
    `Dependency check: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(`Dependency check: ${packageDirs.length} packages declare exactly what they import.`);
