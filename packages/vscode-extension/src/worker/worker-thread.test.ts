/**
 * The real worker bundle (esbuild, as shipped) driven through WorkerClient: requests, progress,
 * errors, and cancellation by terminating the thread.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerCancelledError, WorkerClient, WorkerRequestError } from '../host/worker-client.js';
import type { ImageInfo } from '../shared/protocol.js';
import { sample } from '../test-data.fixture.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
let outdir = '';
let temp = '';

beforeAll(async () => {
  // Built inside the package, so the bundle resolves sharp from the package's node_modules.
  mkdirSync(join(packageRoot, '.test-build'), { recursive: true });
  outdir = mkdtempSync(join(packageRoot, '.test-build', 'worker-'));
  temp = mkdtempSync(join(tmpdir(), 'lowrank-worker-'));
  // @ts-expect-error: plain .mjs build script without type declarations
  const { buildAll } = await import('../../scripts/build.mjs');
  await buildAll({ outdir, mediaOutdir: join(outdir, 'media'), minify: false });
}, 120_000);
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

function client(): WorkerClient {
  return new WorkerClient(join(outdir, 'worker.js'), {
    pluginModules: [],
    pluginBase: temp,
    // The extension's default budget (lowrank.memoryBudgetMB = 2048), as users get it.
    memoryBudgetBytes: 2048 * 2 ** 20,
    defaultRank: 50,
  });
}

describe('worker thread', () => {
  it('answers requests with typed results and progress', async () => {
    const worker = client();
    try {
      const { methods } = await worker.request({ type: 'methods' });
      expect(methods.map((m) => m.name)).toContain('svd');
      const stages: string[] = [];
      let image: ImageInfo | undefined;
      const { result } = await worker.request(
        {
          type: 'compress',
          file: sample('camera.png'),
          method: 'randomized-svd',
          options: { rank: 20 },
          colour: false,
          rankCap: 1,
        },
        (p) => stages.push(p.stage),
        (partial) => {
          if (partial.kind === 'image') image = partial.image;
        },
      );
      if (!image) throw new Error('the original was not sent before the result');
      expect([image.width, image.height, image.channels]).toEqual([512, 512, 1]);
      expect(result.maxRank).toBe(20);
      expect(result.factors?.[0]?.u).toBeInstanceOf(Float32Array);
      expect(stages).toEqual(expect.arrayContaining(['Probing', 'Reading', 'Factorizing']));
      const quality = await worker.request({ type: 'quality', rank: 20 });
      expect(quality.psnr).toBeGreaterThan(20);
    } finally {
      await worker.dispose();
    }
  });

  it('turns errors into WorkerRequestError with code and file name', async () => {
    const worker = client();
    try {
      const error = await worker
        .request({
          type: 'compress',
          file: join(temp, 'missing.png'),
          method: 'svd',
          options: {},
          colour: false,
          rankCap: 100,
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkerRequestError);
      expect((error as WorkerRequestError).info.message).toContain('missing.png');
    } finally {
      await worker.dispose();
    }
  });

  it('cancels a long run at once by terminating the thread, then works again', async () => {
    const worker = client();
    try {
      const running = worker.request({
        type: 'separate',
        file: sample('highway-traffic-320x240-cut.avi'),
        method: 'rpca',
        options: { tolerance: 1e-12, maxIterations: 5000 },
        colour: false,
        scale: 1,
        startFrame: 0,
        frameCount: 300,
      });
      const outcome = running.then(
        () => 'finished',
        (error: unknown) => error,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const started = Date.now();
      await worker.cancel();
      expect(await outcome).toBeInstanceOf(WorkerCancelledError);
      expect(Date.now() - started).toBeLessThan(5000);
      const { methods } = await worker.request({ type: 'methods' });
      expect(methods.length).toBeGreaterThan(0);
    } finally {
      await worker.dispose();
    }
  });

  it('aborts an export cleanly: nothing written, the separation kept for the next export', async () => {
    const worker = client();
    const folder = mkdtempSync(join(temp, 'export-'));
    try {
      const separated = await worker.request({
        type: 'separate',
        file: sample('highway-traffic-320x240-cut.avi'),
        method: 'svd-background',
        options: {},
        colour: false,
        scale: 1,
        startFrame: 0,
        frameCount: 100,
      });
      const target = join(folder, 'out');
      const exporting = worker.request({ type: 'export', folder: target }).then(
        () => 'finished',
        (error: unknown) => error,
      );
      await new Promise((r) => setTimeout(r, 300));
      worker.abortCurrent();
      const outcome = await exporting;
      expect(outcome).toBeInstanceOf(WorkerRequestError);
      expect((outcome as WorkerRequestError).info.code).toBe('ABORTED');
      expect(readdirSync(folder)).toEqual([]);
      // The worker still holds the separation: exporting again works.
      const { files } = await worker.request({ type: 'export', folder: target });
      expect(files).toContain('background.mp4');
      expect(existsSync(join(target, 'background.mp4'))).toBe(true);
      expect(readdirSync(join(target, 'masks'))).toHaveLength(separated.frames);
    } finally {
      await worker.dispose();
    }
  });
});
