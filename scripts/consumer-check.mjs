#!/usr/bin/env node
// The consumer check, part of `pnpm test`: the packages as a user gets them from npm. After a build,
// 1. packs every publishable package and the example plugin (examples/nmf-plugin) with pnpm;
// 2. checks each tarball holds what its manifest names (exports, main, types, bin), a README and a
//    LICENSE, and nothing from test-data/ (CDnet frames are research data, never published);
// 3. installs all tarballs with npm in one command, in an empty folder outside the workspace, so the
//    @lowrank packages resolve to the tarballs and not to the registry;
// 4. runs each package README's examples as written: every fenced block right after a
//    `<!-- consumer-check -->` line. `js` blocks run with node (as .mjs) and are type-checked as
//    TypeScript, `ts` blocks are type-checked (tsc --noEmit, strict, NodeNext, the repository's
//    TypeScript, no `types` listed), `sh` blocks run with bash (node_modules/.bin on PATH). Examples
//    read `photo.png` and `traffic.avi` from the folder (copies of samples/camera.png and the highway clip);
// 5. loads the example plugin from its tarball through the installed CLI's --plugin.
// Usage: node scripts/consumer-check.mjs [--keep]   (--keep leaves the temporary folder for a look)
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const MARKER = '<!-- consumer-check -->';
/** The example plugin, private (not published) but packed to be loaded as a user would install it. */
const PLUGIN = 'lowrank-plugin-nmf';
/** Research data (CDnet frames, ground truth) and the test data folder: never in a package. */
const FORBIDDEN = /(^|\/)(test-data|cdnet[^/]*|groundtruth)(\/|$)|(^|\/)(in|gt)\d{6}\.(jpe?g|png|bmp)$/i;
const started = performance.now();
const problems = [];

function log(message) {
  console.log(`consumer-check [${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`);
}

/** Runs a command; on failure adds a problem with the tail of its output and returns undefined. */
function run(what, command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 15 * 60_000,
    ...options,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
  });
  if (result.status === 0) return result.stdout;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
  problems.push(
    `${what} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):\n${output}`,
  );
  return undefined;
}

function workspacePackages() {
  return ['packages', 'examples'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(group, name))
      .filter((dir) => existsSync(join(root, dir, 'package.json')))
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) })),
  );
}

/** Every file path a manifest names: exports (all conditions), main, types, bin. */
function namedFiles(manifest) {
  const named = [];
  const walk = (value, where) => {
    if (typeof value === 'string') named.push({ where, path: value });
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) walk(inner, `${where}[${JSON.stringify(key)}]`);
  };
  walk(manifest.exports, 'exports');
  for (const field of ['main', 'types', 'typings']) walk(manifest[field], field);
  walk(typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : manifest.bin, 'bin');
  return named.map(({ where, path }) => ({ where, path: path.replace(/^\.\//, '') }));
}

/** The marked examples of a README: language, code and the line the code starts on. */
function readmeExamples(text) {
  const lines = text.split('\n');
  const examples = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== MARKER) continue;
    const fence = /^```(\w+)/.exec(lines[i + 1] ?? '');
    if (!fence) {
      examples.push({ error: `line ${i + 1}: ${MARKER} is not followed by a fenced code block` });
      continue;
    }
    const end = lines.findIndex((line, j) => j > i + 1 && line.startsWith('```'));
    examples.push({ language: fence[1], line: i + 3, code: lines.slice(i + 2, end).join('\n') });
  }
  return examples;
}

const work = mkdtempSync(join(tmpdir(), 'lowrank-consumer-'));
try {
  // 1. Pack.
  const packages = workspacePackages();
  const packed = packages.filter((p) => !p.manifest.private || p.manifest.name === PLUGIN);
  const tarballDir = join(work, 'tarballs');
  const pnpm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
  log(`packing ${packed.map((p) => p.manifest.name).join(', ')}`);
  run(
    'pnpm pack',
    'npx',
    [
      '-y',
      pnpm,
      '-r',
      ...packed.flatMap((p) => ['--filter', p.manifest.name]),
      'pack',
      '--pack-destination',
      tarballDir,
    ],
    { cwd: root },
  );
  const tarballs = [];
  for (const { dir, manifest } of packed) {
    const file = join(
      tarballDir,
      `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`,
    );
    if (!existsSync(file)) {
      problems.push(`${manifest.name}: no tarball ${file}`);
      continue;
    }
    tarballs.push(file);
    // 2. What the tarball holds.
    const entries = new Set(
      execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.replace(/^package\//, '')),
    );
    const shipped = JSON.parse(
      execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }),
    );
    for (const { where, path } of namedFiles(shipped))
      if (!path.includes('*') && !entries.has(path))
        problems.push(
          `${manifest.name}: ${where} names ${path}, which is not in the tarball (${dir}: built? in "files"?)`,
        );
    for (const required of ['README.md', 'LICENSE'])
      if (!entries.has(required)) problems.push(`${manifest.name}: the tarball has no ${required}`);
    for (const entry of entries)
      if (FORBIDDEN.test(entry))
        problems.push(`${manifest.name}: the tarball holds ${entry} (test or CDnet data)`);
    log(`${manifest.name}: ${entries.size} files`);
  }

  // 3. Install, as a user would, outside the workspace.
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, 'examples'), { recursive: true });
  writeFileSync(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'lowrank-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  log(`npm install of ${tarballs.length} tarballs in ${consumer}`);
  const installed = run(
    'npm install',
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs],
    { cwd: consumer },
  );
  if (installed === undefined) throw new Error('npm install failed');
  const lock = JSON.parse(readFileSync(join(consumer, 'node_modules', '.package-lock.json'), 'utf8'));
  for (const { manifest } of packed) {
    const resolved = lock.packages[`node_modules/${manifest.name}`]?.resolved ?? '';
    if (!resolved.startsWith('file:'))
      problems.push(`${manifest.name} was installed from ${resolved || 'nowhere'}, not from its tarball`);
  }
  copyFileSync(join(root, 'samples', 'camera.png'), join(consumer, 'photo.png'));
  copyFileSync(join(root, 'samples', 'highway-traffic-320x240-cut.avi'), join(consumer, 'traffic.avi'));

  // 4. The READMEs' examples.
  const scripts = [];
  const origins = new Map(); // example file -> README and the line its code starts on
  for (const { dir, manifest } of packed) {
    const readme = join(dir, 'README.md');
    const examples = existsSync(join(root, readme))
      ? readmeExamples(readFileSync(join(root, readme), 'utf8'))
      : [];
    if (examples.length === 0 && !manifest.private)
      problems.push(`${readme}: no example marked ${MARKER} (each published package shows one that runs)`);
    for (const [index, example] of examples.entries()) {
      if (example.error) {
        problems.push(`${readme} ${example.error}`);
        continue;
      }
      const stem = `examples/${manifest.name.replace(/^@lowrank\//, '')}-${index + 1}`;
      const origin = { readme, line: example.line };
      if (example.language === 'js' || example.language === 'ts') {
        writeFileSync(join(consumer, `${stem}.ts`), `${example.code}\n`);
        origins.set(`${stem}.ts`, origin);
      }
      if (example.language === 'js') {
        writeFileSync(join(consumer, `${stem}.mjs`), `${example.code}\n`);
        scripts.push({ file: `${stem}.mjs`, command: process.execPath, args: [`${stem}.mjs`], origin });
      } else if (example.language === 'sh') {
        writeFileSync(join(consumer, `${stem}.sh`), `set -eu\n${example.code}\n`);
        scripts.push({ file: `${stem}.sh`, command: 'bash', args: [`${stem}.sh`], origin });
      } else if (example.language !== 'ts') {
        problems.push(
          `${readme} line ${example.line}: a marked example must be js, ts or sh, not ${example.language}`,
        );
      }
    }
  }
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['examples/*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const tsVersion = JSON.parse(
    readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ).version;
  log(`tsc ${tsVersion} --noEmit on ${origins.size} examples`);
  const typecheck = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: consumer,
    encoding: 'utf8',
  });
  if (typecheck.status !== 0) {
    // Errors point at the README line, not at the temporary file.
    const located = `${typecheck.stdout}${typecheck.stderr}`.replace(
      /^(examples\/[^(\s]+\.ts)\((\d+),(\d+)\)/gm,
      (whole, file, line, column) => {
        const origin = origins.get(file);
        return origin ? `${origin.readme}:${origin.line + Number(line) - 1}:${column}` : whole;
      },
    );
    problems.push(`TypeScript ${tsVersion} (strict, NodeNext) on the README examples:\n${located.trim()}`);
  }
  const PATH = `${join(consumer, 'node_modules', '.bin')}:${process.env.PATH}`;
  for (const script of scripts) {
    const began = performance.now();
    const output = run(
      `${script.origin.readme} example at line ${script.origin.line}`,
      script.command,
      script.args,
      {
        cwd: consumer,
        env: { PATH },
      },
    );
    if (output !== undefined)
      log(
        `${script.origin.readme}:${script.origin.line} ran in ${((performance.now() - began) / 1000).toFixed(1)} s`,
      );
  }

  // 5. The example plugin, from its tarball, through the installed CLI.
  const compressed = run(
    'lowrank compress --plugin lowrank-plugin-nmf --method nmf',
    'npx',
    ['lowrank', 'compress', 'photo.png', '--plugin', PLUGIN, '--method', 'nmf', '--rank', '10', '--json'],
    { cwd: consumer, env: { PATH } },
  );
  if (compressed !== undefined) {
    const report = JSON.parse(compressed.trim().split('\n').pop());
    if (report.method !== 'nmf')
      problems.push(`lowrank compress --method nmf reported method ${JSON.stringify(report.method)}`);
    else
      log(
        `lowrank compress --plugin ${PLUGIN} --method nmf: ${compressed.trim().split('\n').pop().slice(0, 160)}`,
      );
  }
} catch (error) {
  problems.push(String(error?.message ?? error));
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(0);
if (problems.length > 0) {
  console.error(
    `consumer-check: ${problems.length} problem(s) in ${seconds} s\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `consumer-check: the packed packages install, their README examples run and type-check, the plugin loads (${seconds} s).`,
);
