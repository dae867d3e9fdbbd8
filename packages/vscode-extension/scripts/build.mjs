// Bundles the extension host (dist/extension.js), the worker (dist/worker.js) with its mask thread
// (dist/streaming-mask-worker.js) and the two webview pages (media/out/*.js) with esbuild. sharp and
// the optional ffmpeg installer stay external: they carry native binaries and are installed into the
// VSIX stage by npm (see scripts/package.mjs).

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const production = process.argv.includes('--production');
const external = ['vscode', 'sharp', '@ffmpeg-installer/ffmpeg'];

/** Bundled ESM packages may read import.meta.url; in the CJS bundle it becomes the bundle's own URL. */
const importMetaShim = {
  banner: { js: 'const __lowrankImportMetaUrl = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__lowrankImportMetaUrl' },
};

export async function buildAll({
  outdir = `${root}/dist`,
  mediaOutdir = `${root}/media/out`,
  minify = production,
} = {}) {
  await build({
    absWorkingDir: root,
    entryPoints: {
      extension: 'src/extension.ts',
      worker: 'src/worker/main.ts',
      // Started by the worker's streaming separations (pipelines looks for it beside the bundle).
      'streaming-mask-worker': '../pipelines/dist/streaming-mask-worker.js',
    },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external,
    sourcemap: !minify,
    minify,
    logLevel: 'warning',
    ...importMetaShim,
  });
  await build({
    absWorkingDir: root,
    entryPoints: { compression: 'media/compression.ts', separation: 'media/separation.ts' },
    outdir: mediaOutdir,
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    sourcemap: false,
    minify,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll();
  console.log(`lowrank-vscode: built dist/ and media/out/${production ? ' (production)' : ''}`);
}
