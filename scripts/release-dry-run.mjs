#!/usr/bin/env node
// Part of .ci/run: the changesets release, rehearsed in a scratch copy of the working tree, so that
// the repository's changesets are never consumed. After a build:
// 1. copies the files git would commit, and each package's dist/, into a temporary folder, and
//    installs there from the lockfile (pnpm's store, no install scripts: nothing is built);
// 2. runs `changeset version` there: every publishable package must get a new version and a
//    CHANGELOG.md, and no changeset may be left unconsumed;
// 3. runs `pnpm -r publish --dry-run` there: everything but the upload (packing, the manifests with
//    workspace:^ replaced, the registry's answer that the versions are new), and checks that each
//    package's tarball lists its CHANGELOG.md, README.md and LICENSE.
// Usage: node scripts/release-dry-run.mjs [--keep]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const started = performance.now();
const problems = [];

function log(message) {
  console.log(`release-dry-run [${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`);
}

function run(what, command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 15 * 60_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0)
    problems.push(
      `${what} failed (exit ${result.status ?? result.signal}):\n${output.trim().split('\n').slice(-30).join('\n')}`,
    );
  return output;
}

const manifestOf = (base, dir) => JSON.parse(readFileSync(join(base, dir, 'package.json'), 'utf8'));
const packageDirs = ['packages', 'examples'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(group, name))
    .filter((dir) => existsSync(join(root, dir, 'package.json'))),
);
const publishable = packageDirs.filter((dir) => !manifestOf(root, dir).private);

const scratch = mkdtempSync(join(tmpdir(), 'lowrank-release-'));
try {
  // 1. The scratch copy: tracked and new files (not ignored ones), the builds, the root's tools.
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const files = listed.stdout.split('\0').filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(join(root, file), join(scratch, file));
  }
  for (const dir of publishable) {
    if (!existsSync(join(root, dir, 'dist')))
      problems.push(`${dir}/dist is missing: build first (pnpm build).`);
    else cpSync(join(root, dir, 'dist'), join(scratch, dir, 'dist'), { recursive: true });
  }
  log(`${files.length} files and ${publishable.length} builds copied to ${scratch}`);
  // publish resolves workspace:^ through the installed links; changeset finds its changelog module.
  const pnpm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
  run(
    'pnpm install',
    'npx',
    ['-y', pnpm, 'install', '--frozen-lockfile', '--prefer-offline', '--ignore-scripts'],
    scratch,
  );
  log('installed from the lockfile');

  // 2. changeset version.
  const before = new Map(publishable.map((dir) => [dir, manifestOf(root, dir).version]));
  const changesets = readdirSync(join(scratch, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );
  run(
    'changeset version',
    process.execPath,
    [join(scratch, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'],
    scratch,
  );
  const left = readdirSync(join(scratch, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  if (left.length > 0) problems.push(`changeset version left ${left.join(', ')} unconsumed`);
  const versions = [];
  for (const dir of publishable) {
    const { name, version } = manifestOf(scratch, dir);
    if (version === before.get(dir)) problems.push(`${name}: changeset version left it at ${version}`);
    if (!existsSync(join(scratch, dir, 'CHANGELOG.md')))
      problems.push(`${name}: changeset version wrote no CHANGELOG.md`);
    versions.push(`${name} ${before.get(dir)} -> ${version}`);
  }
  log(`changeset version consumed ${changesets.length} changesets: ${versions.join(', ')}`);

  // 3. pnpm -r publish --dry-run (no git checks: the scratch copy is not a repository).
  const output = run(
    'pnpm -r publish --dry-run',
    'npx',
    ['-y', pnpm, '-r', 'publish', '--dry-run', '--no-git-checks', '--json'],
    scratch,
  );
  let summary;
  try {
    summary = JSON.parse(output.slice(output.indexOf('['), output.lastIndexOf(']') + 1));
  } catch {
    problems.push(
      `pnpm -r publish --dry-run printed no JSON summary:\n${output.trim().split('\n').slice(-30).join('\n')}`,
    );
  }
  if (summary) {
    for (const dir of publishable) {
      const { name, version } = manifestOf(scratch, dir);
      const entry = summary.find((s) => s.name === name);
      if (!entry) {
        problems.push(`${name}: not in the publish summary`);
        continue;
      }
      if (entry.version !== version) problems.push(`${name}: would publish ${entry.version}, not ${version}`);
      const paths = new Set((entry.files ?? []).map((f) => f.path));
      for (const required of ['CHANGELOG.md', 'README.md', 'LICENSE'])
        if (!paths.has(required)) problems.push(`${name}: the tarball would lack ${required}`);
    }
    log(`pnpm -r publish --dry-run: ${summary.map((s) => `${s.name}@${s.version}`).join(', ')}`);
  }
} catch (error) {
  problems.push(String(error?.message ?? error));
} finally {
  if (keep) log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
if (problems.length > 0) {
  console.error(
    `release-dry-run: ${problems.length} problem(s) in ${seconds} s\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `release-dry-run: changeset version and pnpm -r publish --dry-run pass in a scratch copy (${seconds} s).`,
);
