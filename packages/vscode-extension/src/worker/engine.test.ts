import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svdStoredNumbers, type VideoMatrix, videoMatrixFrom } from '@lowrank/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../host/user-errors.js';
import type { WorkerConfig } from '../shared/worker-protocol.js';
import { sample, testData } from '../test-data.fixture.js';
import { Engine, toErrorInfo } from './engine.js';
import type { MediaBackend } from './media-backend.js';
import { builtinFactorizers, createMediaBackend } from './media-io.js';
import { reconstructFromFactors } from './svd-factors.js';

let dir = '';
const config = (extra: Partial<WorkerConfig> = {}): WorkerConfig => ({
  pluginModules: [],
  pluginBase: dir,
  memoryBudgetBytes: 512 * 2 ** 20,
  ...extra,
});
const noProgress = () => undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-engine-'));
  // 64 x 48 crops keep the exact SVD instant.
  await sharp(testData('images/astronaut-256x256.png')).resize(64, 48).png().toFile(join(dir, 'small.png'));
  await sharp(sample('camera.png')).resize(40, 30).png().toFile(join(dir, 'gray.png'));
  writeFileSync(join(dir, 'corrupt.png'), 'this is not a PNG');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newEngine(extra: Partial<WorkerConfig> = {}): Engine {
  const cfg = config(extra);
  return new Engine(cfg, createMediaBackend(cfg), builtinFactorizers());
}

describe('Engine: compression', () => {
  it('lists every built-in method with its options', async () => {
    const { methods, pluginErrors } = await newEngine().methods();
    const names = methods.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['svd', 'randomized-svd', 'svd-background', 'rpca']));
    expect(pluginErrors).toEqual([]);
    const svd = methods.find((m) => m.name === 'svd')!;
    expect(svd.kind).toBe('low-rank');
    expect(svd.custom).toBe(false);
    expect(svd.options.find((o) => o.key === 'rank')).toMatchObject({ type: 'integer' });
    expect(methods.find((m) => m.name === 'rpca')!.kind).toBe('low-rank-plus-sparse');
  });

  it('factorizes a colour image per channel with the full spectrum and checked factors', async () => {
    const engine = newEngine();
    const { image, result } = await engine.compress(join(dir, 'small.png'), 'svd', {}, true, noProgress);
    expect([image.width, image.height, image.channels]).toEqual([64, 48, 3]);
    expect(image.original.length).toBe(64 * 48 * 3);
    expect(result.fullRank).toBe(48);
    expect(result.maxRank).toBe(48);
    // k(m + n + 1) per channel, three channels.
    expect(result.storedNumbers[9]).toBe(3 * svdStoredNumbers(48, 64, 10));
    expect(result.singularValues).toHaveLength(3);
    expect(result.factors).toHaveLength(3);
    // The factors the webview gets rebuild the image: at full rank, up to float32 rounding.
    const f = result.factors![0]!;
    const full = reconstructFromFactors(f, 48, 64, 48);
    let worst = 0;
    for (let k = 0; k < full.length; k++) worst = Math.max(worst, Math.abs(full[k]! - image.original[k]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('reads a gray source once, even in colour mode', async () => {
    const { image, result } = await newEngine().compress(join(dir, 'gray.png'), 'svd', {}, true, noProgress);
    expect(image.channels).toBe(1);
    expect(result.storedNumbers[0]).toBe(svdStoredNumbers(30, 40, 1));
  });

  it('reports quality that improves with rank and is near-perfect at full rank', async () => {
    const engine = newEngine();
    await engine.compress(join(dir, 'small.png'), 'svd', {}, false, noProgress);
    const q1 = engine.quality(1);
    const q10 = engine.quality(10);
    const qFull = engine.quality(48);
    expect(q10.psnr).toBeGreaterThan(q1.psnr);
    expect(q10.ssim).toBeGreaterThan(q1.ssim);
    expect(q10.relativeError).toBeLessThan(q1.relativeError);
    expect(qFull.psnr).toBeGreaterThan(100);
    expect(qFull.ssim).toBeCloseTo(1, 6);
    expect(() => engine.quality(49)).toThrow(/rank/);
  });

  it('reconstructs on request and saves a PNG without overwriting', async () => {
    const engine = newEngine();
    await engine.compress(join(dir, 'small.png'), 'svd', {}, true, noProgress);
    const r = engine.reconstruct(5);
    expect(r.pixels.length).toBe(64 * 48 * 3);
    expect(Math.min(...r.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.pixels)).toBeLessThanOrEqual(1);
    const target = join(dir, 'small-rank5.png');
    await engine.savePng(5, target);
    const meta = await sharp(target).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([64, 48, 3]);
    await expect(engine.savePng(5, target)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });

  it('honours a smaller rank option (randomized SVD): the slider stops there', async () => {
    const { result } = await newEngine().compress(
      join(dir, 'small.png'),
      'randomized-svd',
      { rank: 8 },
      false,
      noProgress,
    );
    expect(result.maxRank).toBe(8);
    expect(result.storedNumbers).toHaveLength(8);
  });

  it('names the file and the problem for corrupt input', async () => {
    const error = await newEngine()
      .compress(join(dir, 'corrupt.png'), 'svd', {}, true, noProgress)
      .catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('MEDIA_ERROR');
    expect(info.message).toContain('corrupt.png');
  });

  it('refuses work over the memory budget with a hint', async () => {
    const error = await newEngine({ memoryBudgetBytes: 1000 })
      .compress(join(dir, 'small.png'), 'svd', {}, true, noProgress)
      .catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('RESOURCE_LIMIT');
    expect(info.message).toContain('small.png');
    expect(info.hint).toMatch(/memoryBudgetMB/);
  });

  it('refuses a method of the wrong kind and an unknown method', async () => {
    const engine = newEngine();
    await expect(
      engine.compress(join(dir, 'small.png'), 'rpca', {}, false, noProgress),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(
      engine.compress(join(dir, 'small.png'), 'nope', {}, false, noProgress),
    ).rejects.toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
    });
  });
});

describe('Engine: custom plugins', () => {
  it('loads plugin modules, marks them custom, and reports the ones that fail', async () => {
    // A third-party-style plugin: mean-row "rank-1" approximation, written only against the contract.
    writeFileSync(
      join(dir, 'row-mean-plugin.mjs'),
      `export default {
        meta: { name: 'row-mean', version: '1.0.0', apiVersion: 1, displayName: 'Row mean', description: 'Every row replaced by the mean row.' },
        kind: 'low-rank',
        options: {},
        async factorize(m) {
          const { rows, cols, data } = m;
          const mean = new Float64Array(cols);
          for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j] / rows;
          return {
            kind: 'low-rank', rows, cols, rank: 1,
            diagnostics: { iterations: 1, converged: true, residual: 0, milliseconds: 0 },
            reconstruct() { const out = new Float64Array(rows * cols); for (let i = 0; i < rows; i++) out.set(mean, i * cols); return { rows, cols, data: out }; },
            storedNumbers() { return cols + 1; },
          };
        },
      };\n`,
    );
    writeFileSync(join(dir, 'broken-plugin.mjs'), 'export default { meta: { name: "Bad Name" } };\n');
    const engine = newEngine({
      pluginModules: ['./row-mean-plugin.mjs', './broken-plugin.mjs', './missing.mjs'],
    });
    const { methods, pluginErrors } = await engine.methods();
    expect(methods.find((m) => m.name === 'row-mean')).toMatchObject({ custom: true, kind: 'low-rank' });
    expect(pluginErrors).toHaveLength(2);
    expect(pluginErrors[0]).toContain('broken-plugin.mjs');
    expect(pluginErrors[1]).toContain('missing.mjs');
    // A plugin without factors: no factors sent, the host reconstructs each rank.
    const { result } = await engine.compress(join(dir, 'gray.png'), 'row-mean', {}, false, noProgress);
    expect(result.maxRank).toBe(1);
    expect(result.factors).toBeUndefined();
    expect(result.singularValues).toBeUndefined();
    expect(engine.reconstruct(1).pixels.length).toBe(40 * 30);
    expect(engine.quality(1).psnr).toBeGreaterThan(0);
  });
});

/** A planted video: a fixed gradient background with a bright square moving across it. */
function plantedVideo(frames: number, width: number, height: number): VideoMatrix {
  const pixels = width * height;
  const data = new Float64Array(frames * pixels);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inSquare = x >= f && x < f + 4 && y >= 6 && y < 10;
        data[f * pixels + y * width + x] = inSquare ? 1 : 0.2 + (0.5 * x) / width;
      }
    }
  }
  return videoMatrixFrom(data, { frames, width, height, fps: 10 });
}

function memoryMedia(video: VideoMatrix, written: string[]): MediaBackend {
  const real = createMediaBackend(config());
  return {
    ...real,
    probeVideo: async () => ({ width: video.width, height: video.height, frames: video.rows, fps: 10 }),
    readVideo: async (_file, o) => {
      const start = o.startFrame * video.cols;
      return videoMatrixFrom(video.data.slice(start, start + o.frameCount * video.cols), {
        frames: o.frameCount,
        width: video.width,
        height: video.height,
        fps: 10,
      });
    },
    writeVideo: async (file) => {
      written.push(file);
      writeFileSync(file, 'video');
    },
  };
}

describe('Engine: separation', () => {
  it('splits a planted video into background and a moving foreground, with masks and history', async () => {
    const video = plantedVideo(16, 24, 16);
    const written: string[] = [];
    const engine = new Engine(config(), memoryMedia(video, written), builtinFactorizers());
    const progress: string[] = [];
    const result = await engine.separate(
      {
        type: 'separate',
        file: 'planted.avi',
        method: 'rpca',
        options: {},
        scale: 1,
        startFrame: 0,
        frameCount: 16,
      },
      (p) => progress.push(p.stage),
    );
    expect([result.frames, result.width, result.height]).toEqual([16, 24, 16]);
    expect(result.original.length).toBe(16 * 24 * 16);
    expect(result.history.length).toBeGreaterThan(0);
    expect(progress).toContain('Separating');
    // Frame 5: the square covers x 5..8, y 6..9. The mask marks it; the background there is the gradient.
    const px = (f: number, x: number, y: number) => f * 24 * 16 + y * 24 + x;
    expect(result.mask[px(5, 6, 7)]).toBe(255);
    expect(result.mask[px(5, 20, 2)]).toBe(0);
    expect(
      Math.abs(result.background[px(5, 6, 7)]! - Math.round(255 * (0.2 + (0.5 * 6) / 24))),
    ).toBeLessThanOrEqual(8);
    expect(result.matrixPicture.width).toBe(16);
    // Export writes three videos and one mask PNG per frame into the given folder.
    const out = mkdtempSync(join(dir, 'export-'));
    const { files } = await engine.export(out, 'planted', noProgress);
    expect(written.map((f) => f.slice(out.length + 1))).toEqual([
      'planted-background.mp4',
      'planted-foreground.mp4',
      'planted-mask.mp4',
    ]);
    expect(files).toHaveLength(3 + 16);
    expect(readdirSync(join(out, 'masks')).filter((f) => f.endsWith('.png'))).toHaveLength(16);
    const mask5 = await sharp(join(out, 'masks', 'planted-mask-0006.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(mask5.info.width).toBe(24);
    expect(mask5.data[(7 * 24 + 6) * mask5.info.channels]).toBe(255);
  });

  it('refuses a run over the memory budget and suggests a scale', async () => {
    const engine = new Engine(
      config({ memoryBudgetBytes: 10_000 }),
      memoryMedia(plantedVideo(16, 24, 16), []),
      builtinFactorizers(),
    );
    const error = await engine
      .separate(
        {
          type: 'separate',
          file: 'planted.avi',
          method: 'rpca',
          options: {},
          scale: 1,
          startFrame: 0,
          frameCount: 16,
        },
        noProgress,
      )
      .catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('RESOURCE_LIMIT');
    expect(info.message).toContain('planted.avi');
    expect(info.hint).toMatch(/Lower the scale to 0\.\d+/);
  });

  it('reads a real video through @lowrank/io', async () => {
    const engine = newEngine();
    const probe = await engine.probeVideo(sample('tiny-traffic-48x48.avi'));
    expect(probe).toMatchObject({ width: 48, height: 48, frames: 51 });
    const result = await engine.separate(
      {
        type: 'separate',
        file: sample('tiny-traffic-48x48.avi'),
        method: 'svd-background',
        options: {},
        scale: 0.5,
        startFrame: 10,
        frameCount: 20,
      },
      noProgress,
    );
    expect([result.frames, result.width, result.height]).toEqual([20, 24, 24]);
    expect(existsSync(join(dir, 'tiny-traffic-48x48.avi'))).toBe(false);
  });

  it('reads a folder of frames as a video', async () => {
    const engine = newEngine();
    const folder = testData('cdnet-fall/input');
    const probe = await engine.probeVideo(folder);
    expect(probe).toMatchObject({ width: 720, height: 480, frames: 6, fileName: 'input' });
    const result = await engine.separate(
      {
        type: 'separate',
        file: folder,
        method: 'svd-background',
        options: {},
        scale: 0.1,
        startFrame: 0,
        frameCount: 12,
      },
      noProgress,
    );
    expect([result.frames, result.width, result.height]).toEqual([6, 72, 48]);
  });

  it('says how to get ffmpeg when the configured one is missing', async () => {
    const engine = newEngine({ ffmpegPath: join(dir, 'no-such-ffmpeg') });
    const error = await engine.probeVideo(sample('tiny-traffic-48x48.avi')).catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('DEPENDENCY_MISSING');
    const shown = describeError('tiny-traffic-48x48.avi', info);
    expect(shown.text).toMatch(/^tiny-traffic-48x48\.avi: The ffmpeg path given/);
    expect(shown.text).toContain('apt install ffmpeg');
    expect(shown.setting).toBe('lowrank.ffmpegPath');
  });
});
