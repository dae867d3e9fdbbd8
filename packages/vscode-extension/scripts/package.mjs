// Packages a linux-x64 VSIX. vsce cannot read pnpm's node_modules, so the bundled extension is
// staged in a temporary folder with a package.json whose only dependency is the native one esbuild
// leaves external (sharp), installed there by npm. No ffmpeg binary ships in the VSIX (the one of
// @ffmpeg-installer is a GPLv3 build from 2018, and took 22 of the VSIX's 31 MiB): videos use
// lowrank.ffmpegPath, LOWRANK_FFMPEG or ffmpeg on PATH, and a missing ffmpeg says how to install it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'lowrank-vsix-'));
const outDir = join(root, 'dist-vsix');
const vsix = join(outDir, `${manifest.name}-${manifest.version}-linux-x64.vsix`);
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

try {
  for (const file of [
    'dist/extension.js',
    'dist/worker.js',
    'dist/streaming-mask-worker.js',
    'media/out/compression.js',
    'media/out/separation.js',
  ]) {
    statSync(join(root, file)); // fails early with the missing file's name when the build did not run
  }
  const { scripts, devDependencies, dependencies, files, private: _private, type, ...kept } = manifest;
  const staged = {
    ...kept,
    dependencies: { sharp: dependencies.sharp },
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  mkdirSync(join(stage, 'dist'));
  cpSync(join(root, 'dist/extension.js'), join(stage, 'dist/extension.js'));
  for (const file of ['worker.js', 'streaming-mask-worker.js'])
    cpSync(join(root, 'dist', file), join(stage, 'dist', file));
  cpSync(join(root, 'media/out'), join(stage, 'media/out'), { recursive: true });
  for (const file of ['styles.css', 'icon.svg'])
    cpSync(join(root, 'media', file), join(stage, 'media', file));
  cpSync(join(root, 'README.md'), join(stage, 'README.md'));
  cpSync(join(root, '..', '..', 'LICENSE'), join(stage, 'LICENSE'));
  // The dependencies' READMEs stay: @img/sharp-libvips-linux-x64 states its libraries' licences there.
  writeFileSync(join(stage, '.vscodeignore'), '**/*.map\n**/*.d.ts\n');
  run(
    'npm',
    ['install', '--omit=dev', '--no-package-lock', '--no-audit', '--no-fund', '--os=linux', '--cpu=x64'],
    stage,
  );
  mkdirSync(outDir, { recursive: true });
  rmSync(vsix, { force: true });
  run(
    process.execPath,
    [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', 'linux-x64', '--out', vsix],
    stage,
  );
  const size = statSync(vsix).size;
  console.log(`lowrank-vscode: ${vsix} (${(size / 2 ** 20).toFixed(1)} MiB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
