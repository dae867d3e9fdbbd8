import {
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
import { svdStoredNumbers, zeros } from '@lowrank/core';
import { writeImage } from '@lowrank/io';
import { SEPARATION_FILES } from '@lowrank/pipelines';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../host/user-errors.js';
import type { ChannelFactors, CompressionResultInfo, ImageInfo, OptionValues } from '../shared/protocol.js';
import type { WorkerConfig } from '../shared/worker-protocol.js';
import { Engine, toErrorInfo } from './engine.js';
import { collectTransferables } from './transferables.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const samples = (name: string) => join(repoRoot, 'samples', name);

let dir = '';
const config = (extra: Partial<WorkerConfig> = {}): WorkerConfig => ({
  pluginModules: [],
  pluginBase: dir,
  memoryBudgetBytes: 1024 * 2 ** 20,
  defaultRank: 50,
  ...extra,
});
const noProgress = () => undefined;

/** Runs a compression as the panel does, keeping the original and previews sent before the result. */
async function compressed(
  engine: Engine,
  file: string,
  method: string,
  options: OptionValues,
  colour: boolean,
  rankCap = 100,
): Promise<{
  image: ImageInfo;
  images: ImageInfo[];
  result: CompressionResultInfo;
  previews: ChannelFactors[][];
}> {
  let image: ImageInfo | undefined;
  const images: ImageInfo[] = [];
  const previews: ChannelFactors[][] = [];
  const { result } = await engine.compress(
    { type: 'compress', file, method, options, colour, rankCap },
    noProgress,
    undefined,
    (partial) => {
      if (partial.kind === 'image') {
        image = partial.image;
        images.push(partial.image);
      } else previews.push([...partial.factors]);
    },
  );
  if (!image) throw new Error('no image was sent before the result');
  return { image, images, result, previews };
}

/** The rank-k image from float32 factors (what the webview computes incrementally). */
function fromFactors(f: ChannelFactors, rows: number, cols: number, rank: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let t = 0; t < Math.min(rank, f.rank); t++) {
      const a = f.s[t]! * f.u[i * f.rank + t]!;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += a * f.v[j * f.rank + t]!;
    }
  return out;
}

/** A planted video as a folder of PNG frames: a gradient background, a bright square moving across. */
async function plantedFrames(folder: string, frames: number, width: number, height: number, colour = false) {
  mkdirSync(folder);
  for (let f = 0; f < frames; f++) {
    const planes = [0, 1, 2].map(() => zeros(height, width));
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const inSquare = x >= f && x < f + 4 && y >= 6 && y < 10;
        const base = 0.2 + (0.5 * x) / width;
        planes.forEach((p, c) => {
          p.data[y * width + x] = inSquare
            ? colour && c === 1
              ? 0.1
              : 1
            : colour
              ? base * (1 - 0.3 * c)
              : base;
        });
      }
    await writeImage(colour ? planes : planes[0]!, join(folder, `in${String(f + 1).padStart(6, '0')}.png`));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-engine-'));
  // 64 x 48: small enough for an instant exact SVD; colour from a tinted camera.png.
  const camera = await sharp(samples('camera.png')).resize(64, 48).greyscale().raw().toBuffer();
  const rgb = Buffer.alloc(64 * 48 * 3);
  for (let p = 0; p < 64 * 48; p++) {
    rgb[3 * p] = camera[p]!;
    rgb[3 * p + 1] = Math.round(camera[p]! * 0.7);
    rgb[3 * p + 2] = (p * 7) % 256;
  }
  await sharp(rgb, { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toFile(join(dir, 'small.png'));
  await sharp(samples('camera.png')).resize(40, 30).png().toFile(join(dir, 'gray.png'));
  writeFileSync(join(dir, 'corrupt.png'), 'this is not a PNG');
  await plantedFrames(join(dir, 'planted'), 16, 24, 16);
  await plantedFrames(join(dir, 'planted-colour'), 16, 24, 16, true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Engine: compression', () => {
  it('sends the original before the result and, on a big image, a quick preview from leading factors', async () => {
    // 1200 x 900 is over the exact SVD's size: the partial SVD runs, capped at the panel's rank cap.
    const big = join(dir, 'big.png');
    await sharp(samples('camera.png')).resize(1200, 900).png().toFile(big);
    const { image, images, result, previews } = await compressed(
      new Engine(config()),
      big,
      'auto',
      {},
      false,
      60,
    );
    expect([image.width, image.height, image.channels]).toEqual([1200, 900, 1]);
    // First a quick copy at about a megapixel, then the full-size picture.
    expect(images).toHaveLength(2);
    expect(images[0]!.encoded?.reduced).toBe(true);
    expect([images[0]!.width, images[0]!.height]).toEqual([1200, 900]);
    const quick = await sharp(images[0]!.encoded!.bytes).metadata();
    expect(quick.width! * quick.height!).toBeLessThanOrEqual(2 ** 20 * 1.01);
    expect(image.encoded?.reduced).toBeUndefined();
    // Over 1 megapixel the original travels as a JPEG of the decoded picture, not raw RGBA.
    expect(image.rgba).toBeUndefined();
    expect(image.encoded?.source).toBe(false);
    const decoded = await sharp(image.encoded!.bytes).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['jpeg', 1200, 900]);
    expect(previews).toHaveLength(1);
    expect(previews[0]![0]!.rank).toBe(10);
    // Sent at the size it was computed at: every second row of the 900 x 10 and 1200 x 10 factors.
    expect(previews[0]![0]!.block).toBe(2);
    expect([previews[0]![0]!.u.length, previews[0]![0]!.v.length]).toEqual([450 * 10, 600 * 10]);
    expect(result.method).toBe('randomized-svd');
    expect([result.rank, result.maxRank]).toEqual([50, 60]);
    expect(result.partialNote).toMatch(/leading 60 singular triplets/);
    // The preview's leading value is the full result's, to the accuracy of a decode at half size.
    const first = result.singularValues![0]![0]!;
    expect(Math.abs(previews[0]![0]!.s[0]! - first) / first).toBeLessThan(1e-3);
  }, 120_000);

  it("sends a big JPEG's own bytes as the original when they show the colours factorized", async () => {
    const photo = join(dir, 'big-colour.jpg');
    await sharp(join(dir, 'small.png')).resize(1200, 900).jpeg({ quality: 80 }).toFile(photo);
    const inColour = await compressed(new Engine(config()), photo, 'auto', {}, true, 20);
    expect(inColour.image.channels).toBe(3);
    expect(inColour.image.encoded?.source).toBe(true);
    expect(Buffer.from(inColour.image.encoded!.bytes).equals(readFileSync(photo))).toBe(true);
    // Gray mode on a colour photo: the decoded luminance is what is factorized, so that is shown.
    const inGray = await compressed(new Engine(config()), photo, 'auto', {}, false, 20);
    expect(inGray.image.channels).toBe(1);
    expect(inGray.image.encoded?.source).toBe(false);
    expect((await sharp(inGray.image.encoded!.bytes).metadata()).channels).toBe(1);
  }, 120_000);

  it('lists every built-in method with its options', async () => {
    const { methods, pluginErrors } = await new Engine(config()).methods();
    const names = methods.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['svd', 'randomized-svd', 'svd-background', 'rpca']));
    expect(pluginErrors).toEqual([]);
    const svd = methods.find((m) => m.name === 'svd')!;
    expect(svd).toMatchObject({ kind: 'low-rank', custom: false });
    expect(svd.options.find((o) => o.key === 'rank')).toMatchObject({ type: 'integer' });
    expect(methods.find((m) => m.name === 'rpca')!.kind).toBe('low-rank-plus-sparse');
  });

  it('factorizes a colour image per channel with the full spectrum, and its factors rebuild it', async () => {
    const engine = new Engine(config());
    const { image, result } = await compressed(engine, join(dir, 'small.png'), 'svd', {}, true);
    expect([image.width, image.height, image.channels]).toEqual([64, 48, 3]);
    expect(image.rgba!.length).toBe(64 * 48 * 4);
    expect([result.fullRank, result.maxRank, result.rank]).toEqual([48, 48, 48]);
    expect(result.storedNumbers[9]).toBe(3 * svdStoredNumbers(48, 64, 10));
    expect(result.singularValues).toHaveLength(3);
    const full = fromFactors(result.factors![0]!, 48, 64, 48);
    let worst = 0;
    // The red channel rebuilt from its factors, against the 8-bit original the panel draws.
    for (let k = 0; k < full.length; k++)
      worst = Math.max(worst, Math.abs(full[k]! * 255 - image.rgba![4 * k]!));
    expect(worst).toBeLessThan(0.51);
    // Energy is measured against the image's own norm: the full spectrum keeps all of it.
    let spectrum = 0;
    for (const s of result.singularValues!) for (const v of s) spectrum += v * v;
    expect(spectrum / result.squaredNorm).toBeCloseTo(1, 5);
  });

  it('reads a gray source once, even in colour mode', async () => {
    const { image, result } = await compressed(new Engine(config()), join(dir, 'gray.png'), 'svd', {}, true);
    expect(image.channels).toBe(1);
    expect(result.storedNumbers[0]).toBe(svdStoredNumbers(30, 40, 1));
  });

  it('reports quality that improves with rank and is near-perfect at full rank', async () => {
    const engine = new Engine(config());
    await compressed(engine, join(dir, 'small.png'), 'svd', {}, false);
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
    const engine = new Engine(config());
    await compressed(engine, join(dir, 'small.png'), 'svd', {}, true);
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

  it("uses a method's default rank, as the CLI does (randomized SVD: 10), with the slider reaching the rank cap", async () => {
    const engine = new Engine(config());
    // Cap 30: the SVD methods compute 30 triplets, so the slider reaches past the chosen rank.
    const byDefault = await compressed(engine, join(dir, 'small.png'), 'randomized-svd', {}, false, 30);
    expect([byDefault.result.rank, byDefault.result.maxRank]).toEqual([10, 30]);
    const { result } = await compressed(
      engine,
      join(dir, 'small.png'),
      'randomized-svd',
      { rank: 8 },
      false,
      1,
    );
    expect([result.rank, result.maxRank]).toEqual([8, 8]);
    expect(result.storedNumbers).toHaveLength(8);
  });

  it('names the file and the problem for corrupt input', async () => {
    const error = await compressed(new Engine(config()), join(dir, 'corrupt.png'), 'svd', {}, true).catch(
      (e: unknown) => e,
    );
    const info = toErrorInfo(error);
    expect(info.code).toBe('MEDIA_ERROR');
    expect(info.message).toContain('corrupt.png');
  });

  it('refuses work over the memory budget, before decoding, naming the setting', async () => {
    const error = await compressed(
      new Engine(config({ memoryBudgetBytes: 1000 })),
      join(dir, 'small.png'),
      'svd',
      {},
      true,
    ).catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('RESOURCE_LIMIT');
    expect(info.message).toContain('small.png');
    expect(info.hint).toMatch(/memory budget/);
  });

  it('refuses a method of the wrong kind and an unknown method', async () => {
    const engine = new Engine(config());
    await expect(compressed(engine, join(dir, 'small.png'), 'rpca', {}, false)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/low-rank-plus-sparse result/),
    });
    await expect(compressed(engine, join(dir, 'small.png'), 'nope', {}, false)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/"nope" is not a known method/),
    });
  });
});

describe('Engine: custom plugins', () => {
  it('loads every documented form of lowrank.plugins and reports each module that fails', async () => {
    const plugin = (name: string) => `export default {
        meta: { name: '${name}', version: '1.0.0', apiVersion: 1, displayName: 'Row mean', description: 'Every row replaced by the mean row.' },
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
      };\n`;
    writeFileSync(join(dir, 'row-mean-plugin.mjs'), plugin('row-mean'));
    mkdirSync(join(dir, 'folder-plugin', 'dist'), { recursive: true });
    writeFileSync(
      join(dir, 'folder-plugin', 'package.json'),
      '{"type":"module","exports":"./dist/index.js"}',
    );
    writeFileSync(join(dir, 'folder-plugin', 'dist', 'index.js'), plugin('from-folder'));
    writeFileSync(join(dir, 'broken-plugin.mjs'), 'export default { meta: { name: "Bad Name" } };\n');
    const engine = new Engine(
      config({
        pluginModules: ['./row-mean-plugin.mjs', './folder-plugin', './broken-plugin.mjs', './missing.mjs'],
      }),
    );
    const { methods, pluginErrors } = await engine.methods();
    expect(methods.find((m) => m.name === 'row-mean')).toMatchObject({ custom: true, kind: 'low-rank' });
    expect(methods.find((m) => m.name === 'from-folder')).toMatchObject({ custom: true });
    expect(pluginErrors.map((e) => e.specifier)).toEqual(['./broken-plugin.mjs', './missing.mjs']);
    expect(pluginErrors[0]!.message).toMatch(/kebab-case/);
    expect(pluginErrors[1]!.message).toMatch(/no such file or folder/);
    // A plugin without factors: none are sent, the host reconstructs each rank.
    const { result } = await compressed(engine, join(dir, 'gray.png'), 'row-mean', {}, false);
    expect(result.maxRank).toBe(1);
    expect(result.factors).toBeUndefined();
    expect(result.singularValues).toBeUndefined();
    expect(engine.reconstruct(1).pixels.length).toBe(40 * 30);
    expect(engine.quality(1).psnr).toBeGreaterThan(0);
  });
});

describe('Engine: separation', () => {
  const request = (file: string, extra: object = {}) => ({
    type: 'separate' as const,
    file,
    method: 'rpca',
    options: {},
    colour: false,
    scale: 1,
    startFrame: 0,
    frameCount: 16,
    ...extra,
  });

  it('splits a planted video into background and a moving foreground, with masks, history and the CLI layout on export', async () => {
    const engine = new Engine(config());
    const progress: string[] = [];
    const result = await engine.separate(request(join(dir, 'planted')), (p) => progress.push(p.stage));
    expect([result.frames, result.width, result.height, result.channels]).toEqual([16, 24, 16, 1]);
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
    const out = join(dir, 'export-planted');
    const { files } = await engine.export(out, noProgress);
    expect(files).toEqual([
      SEPARATION_FILES.background,
      SEPARATION_FILES.foreground,
      SEPARATION_FILES.mask,
      `${SEPARATION_FILES.masks}/`,
      SEPARATION_FILES.matrix,
      SEPARATION_FILES.summary,
    ]);
    const masks = readdirSync(join(out, 'masks')).sort();
    expect(masks).toHaveLength(16);
    expect(masks[5]).toBe('in000006.png');
    const mask5 = await sharp(join(out, 'masks', 'in000006.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(mask5.info.width).toBe(24);
    expect(mask5.data[(7 * 24 + 6) * mask5.info.channels]).toBe(255);
    // Export never overwrites: the host picks a free name; a taken one is refused and left alone.
    await expect(engine.export(out, noProgress)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
  });

  it('separates in colour when asked: colour background and foreground frames', async () => {
    const result = await new Engine(config()).separate(
      request(join(dir, 'planted-colour'), { colour: true }),
      noProgress,
    );
    expect(result.channels).toBe(3);
    expect(result.background.length).toBe(16 * 24 * 16 * 3);
    // Away from the square, the background keeps the planted colour (red > green > blue).
    const at = (3 * (16 * 24 * 5 + 2 * 24 + 20)) as number;
    expect(result.background[at]!).toBeGreaterThan(result.background[at + 1]!);
    expect(result.background[at + 1]!).toBeGreaterThan(result.background[at + 2]!);
  });

  it('refuses a run over the memory budget and says which scale fits', async () => {
    const error = await new Engine(config({ memoryBudgetBytes: 400 * 2 ** 20 }))
      .separate(request(samples('highway-traffic-320x240-cut.avi'), { frameCount: 200 }), noProgress)
      .catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('RESOURCE_LIMIT');
    expect(info.message).toContain('highway-traffic-320x240-cut.avi');
    expect(info.fits?.scale).toBeGreaterThan(0);
    expect(info.hint).toContain(`lower the scale to ${info.fits!.scale} (Lower Scale)`);
    expect(describeError('highway-traffic-320x240-cut.avi', info, true).actions).toContain('Lower Scale');
  });

  it('streams automatically, with a note, a video too big for batch rpca, and Stop keeps the frames done', async () => {
    // The budget that refuses batch rpca above (it would need about 750 MiB, streaming-rpca under 200 MiB):
    // Automatic streams instead.
    const engine = new Engine(config({ memoryBudgetBytes: 400 * 2 ** 20 }));
    const notes: string[] = [];
    const live: number[] = [];
    const controller = new AbortController();
    const result = await engine.separate(
      request(samples('highway-traffic-320x240-cut.avi'), { method: 'auto', frameCount: 200 }),
      (p) => {
        if (p.note) notes.push(p.note);
        if (p.frame) live.push(p.frame.index);
        if (live.length === 2) controller.abort(new Error('Stop'));
      },
      controller.signal,
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /would not fit the memory budget with rpca; separating them as a stream with streaming-rpca/,
    );
    expect(result.notes).toEqual(notes);
    expect(result.method).toBe('streaming-rpca');
    expect(result.streaming?.stoppedEarly).toBe(true);
    expect(result.frames).toBeGreaterThan(live[1]!);
    expect(result.background).toHaveLength(result.frames * 320 * 240);
    // The matrix picture keeps only the columns of the frames done (one column per frame here).
    expect(result.matrixPicture.width).toBe(result.frames);
    expect(result.matrixPicture.pixels).toHaveLength(result.frames * result.matrixPicture.height);
    // What was kept exports, after its buffers went to the host (the worker moves them).
    const { port1 } = new MessageChannel();
    port1.postMessage(result, collectTransferables(result));
    port1.close();
    const out = join(dir, 'export-stopped-stream');
    await engine.export(out, noProgress);
    expect(readdirSync(join(out, 'masks'))).toHaveLength(result.frames);
  });

  it('runs batch rpca under Automatic when it fits', async () => {
    const result = await new Engine(config()).separate(
      request(join(dir, 'planted'), { method: 'auto' }),
      noProgress,
    );
    expect(result.method).toBe('rpca');
    expect(result.streaming).toBeUndefined();
    expect(result.notes).toBeUndefined();
  });

  it('reads a real video file through the shared pipeline', async () => {
    const engine = new Engine(config());
    const probe = await engine.probeVideo(samples('tiny-traffic-48x48.avi'));
    expect(probe).toMatchObject({ width: 48, height: 48, frames: 51 });
    const result = await engine.separate(
      request(samples('tiny-traffic-48x48.avi'), {
        method: 'svd-background',
        scale: 0.5,
        startFrame: 10,
        frameCount: 20,
      }),
      noProgress,
    );
    expect([result.frames, result.width, result.height]).toEqual([20, 24, 24]);
    expect(existsSync(join(dir, 'tiny-traffic-48x48.avi'))).toBe(false);
  });

  it('shows a streaming separation frame by frame, and Stop keeps the frames done', async () => {
    writeFileSync(
      join(dir, 'running-mean.mjs'),
      `export default {
        meta: { name: 'running-mean', version: '1.0.0', apiVersion: 1, displayName: 'Running mean', description: 'streaming test plugin' },
        kind: 'streaming',
        options: {},
        open(frame, options, run) {
          const n = frame.width * frame.height * frame.channels;
          const bg = new Float64Array(n);
          let count = 0;
          return {
            push(m) {
              if (run?.signal?.aborted) throw Object.assign(new Error('stopped'), { name: 'AbortError' });
              if (m.length !== n) throw new Error('frame ' + count + ' has the wrong size');
              const lowRank = new Float64Array(n);
              const sparse = new Float64Array(n);
              for (let k = 0; k < n; k++) { bg[k] = count === 0 ? m[k] : 0.8 * bg[k] + 0.2 * m[k]; lowRank[k] = bg[k]; sparse[k] = m[k] - bg[k]; }
              return [{ index: count++, lowRank, sparse }];
            },
            finish: () => [],
            background: () => bg,
            diagnostics: () => ({ frames: count, rank: 1, stateBytes: 8 * n, milliseconds: 0 }),
          };
        },
      };\n`,
    );
    const engine = new Engine(config({ pluginModules: ['./running-mean.mjs'] }));
    const { methods } = await engine.methods();
    expect(methods.find((m) => m.name === 'running-mean')?.kind).toBe('streaming');
    const live: number[] = [];
    const controller = new AbortController();
    const result = await engine.separate(
      request(samples('highway-traffic-320x240-cut.avi'), { method: 'running-mean', frameCount: 150 }),
      (p) => {
        if (!p.frame) return;
        live.push(p.frame.index);
        expect(p.frame.background).toHaveLength(320 * 240);
        if (live.length === 2) controller.abort(new Error('Stop'));
      },
      controller.signal,
    );
    expect(live.length).toBeGreaterThanOrEqual(2);
    // Stopped early: what was done is kept, ready to show and export.
    expect(result.frames).toBeGreaterThan(live[1]!);
    expect(result.frames).toBeLessThan(150);
    expect(result.background).toHaveLength(result.frames * 320 * 240);
  });

  it('says how to get ffmpeg when the configured one is missing', async () => {
    const engine = new Engine(config({ ffmpegPath: join(dir, 'no-such-ffmpeg') }));
    const error = await engine.probeVideo(samples('tiny-traffic-48x48.avi')).catch((e: unknown) => e);
    const info = toErrorInfo(error);
    expect(info.code).toBe('DEPENDENCY_MISSING');
    const shown = describeError('tiny-traffic-48x48.avi', info);
    expect(shown.text).toMatch(/^tiny-traffic-48x48\.avi: The ffmpeg path given/);
    expect(shown.text).toContain('apt install ffmpeg');
    expect(shown.setting).toBe('lowrank.ffmpegPath');
  });
});
