import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svdStoredNumbers, zeros } from '@lowrank/core';
import { readImage, writeImage } from '@lowrank/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressImageFile, EXACT_SVD_MAX_PIXELS } from './image-compression.js';
import { MemoryBudgetError } from './memory-budget.js';

const camera = fileURLToPath(new URL('../../../samples/camera.png', import.meta.url));
let dir = '';
let image = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowrank-pipelines-'));
  // 40 x 48: smooth gradients plus a bright square (rank well above 1).
  const m = zeros(40, 48);
  for (let i = 0; i < 40; i++)
    for (let j = 0; j < 48; j++)
      m.data[i * 48 + j] =
        0.2 + 0.3 * Math.sin(i / 6) * Math.cos(j / 9) + (i > 10 && i < 25 && j > 15 && j < 35 ? 0.4 : 0);
  image = join(dir, 'test.png');
  await writeImage(m, image);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stages() {
  const seen: string[] = [];
  return { seen, control: { onStage: (s: string) => seen.push(s) } };
}

describe('compressImageFile', () => {
  it("reports at the method's default rank, or 50 (clamped) where that default is auto", async () => {
    const svd = await compressImageFile(image);
    // svd's default rank is auto: every triplet is computed, 50 clamps to min(40, 48).
    expect([svd.rank, svd.maxRank, svd.summary().rankRule]).toEqual([40, 40, 'default rank 40']);
    const randomized = await compressImageFile(image, { method: 'randomized-svd' });
    expect([randomized.rank, randomized.maxRank]).toEqual([10, 10]);
    const panel = await compressImageFile(camera, { defaultRank: 20 });
    expect([panel.rank, panel.maxRank]).toEqual([20, 512]);
  });

  it('chooses the rank by energy, PSNR or ratio, with energy measured against the image itself', async () => {
    const byEnergy = await compressImageFile(image, { rank: { kind: 'energy', value: 0.999 } });
    expect(byEnergy.energyKept(byEnergy.rank)!).toBeGreaterThanOrEqual(0.999);
    expect(byEnergy.energyKept(byEnergy.rank - 1)!).toBeLessThan(0.999);
    const byPsnr = await compressImageFile(image, { rank: { kind: 'target-psnr', value: 35 } });
    expect(byPsnr.summary().psnr).toBeGreaterThanOrEqual(35);
    const byRatio = await compressImageFile(image, { rank: { kind: 'target-ratio', value: 4 } });
    expect(byRatio.rank).toBe(Math.floor(1920 / (4 * 89)));
    // A truncated spectrum never claims all the energy: the randomized rank-10 result keeps what
    // the exact SVD's first 10 triplets keep (to 1e-4), not 100%.
    const exact = await compressImageFile(camera);
    const truncated = await compressImageFile(camera, {
      method: 'randomized-svd',
      rank: { kind: 'rank', value: 10 },
    });
    expect(exact.energyKept(10)!).toBeLessThan(0.99);
    expect(Math.abs(truncated.energyKept(10)! - exact.energyKept(10)!)).toBeLessThan(1e-4);
  });

  it('factorizes one channel of a gray picture even in colour mode, three of a colour one', async () => {
    const gray = await compressImageFile(image, { color: true, rank: { kind: 'rank', value: 3 } });
    expect(gray.channels).toBe(1);
    const base = (await readImage(image)).matrix;
    const colour = join(dir, 'colour.png');
    await writeImage(
      [1, 0.7, 0.4].map((g) => ({
        ...base,
        data: base.data.map((v, k) => Math.min(1, v * g + (k % 5) / 50)),
      })),
      colour,
    );
    const rgb = await compressImageFile(colour, { color: true, rank: { kind: 'rank', value: 3 } });
    expect(rgb.channels).toBe(3);
    expect(rgb.storedNumbers(3)).toBe(3 * svdStoredNumbers(40, 48, 3));
  });

  it('refuses an existing output, the input itself and a read-only folder before decoding', async () => {
    const existing = join(dir, 'existing.png');
    writeFileSync(existing, 'x');
    for (const [out, pattern] of [
      [existing, /already exists/],
      [image, /is the input image/],
    ] as const) {
      const { seen, control } = stages();
      await expect(compressImageFile(image, { out }, control)).rejects.toThrow(pattern);
      expect(seen).toEqual([]);
    }
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const { seen, control } = stages();
    await expect(compressImageFile(image, { out: join(locked, 'x.png') }, control)).rejects.toMatchObject({
      code: 'MEDIA_ERROR',
      message: expect.stringMatching(/cannot write|read-only|permission/),
    });
    expect(seen).toEqual([]);
    chmodSync(locked, 0o755);
    expect(readdirSync(locked)).toEqual([]);
  });

  it('refuses work over the memory budget before decoding, with the estimate part by part', async () => {
    const { seen, control } = stages();
    const error = await compressImageFile(camera, { memoryBudgetBytes: 64 * 2 ** 20 }, control).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(MemoryBudgetError);
    expect(error.message).toMatch(
      /camera\.png \(512 x 512\) needs about .* over the memory budget of 64\.0 MiB/,
    );
    expect(seen).toEqual(['probe']);
  });

  it('compresses a big image by default with the leading triplets only, up to a rank cap, and says so', async () => {
    // 1100 x 1000 (over EXACT_SVD_MAX_PIXELS): an exactly rank-6 picture in [0, 1].
    const rows = 1000;
    const cols = 1100;
    expect(rows * cols).toBeGreaterThan(EXACT_SVD_MAX_PIXELS);
    const m = zeros(rows, cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        let v = 0.5;
        for (let t = 1; t <= 5; t++) v += (0.08 / t) * Math.sin((t * i) / 97) * Math.cos((t * j) / 131 + t);
        m.data[i * cols + j] = v;
      }
    const big = join(dir, 'big.png');
    await writeImage(m, big);
    const byDefault = await compressImageFile(big);
    expect(byDefault.method.meta.name).toBe('randomized-svd');
    expect(byDefault.planes[0]!.data).toBeInstanceOf(Float32Array);
    expect([byDefault.rank, byDefault.maxRank]).toEqual([50, 50]);
    const summary = byDefault.summary(6);
    expect(summary.partialSvd?.triplets).toBe(50);
    expect(summary.partialSvd?.note).toMatch(/1100 x 1000 .* leading 50 singular triplets .* raise rankCap/);
    // Rank 6 holds the whole picture up to its 8-bit rounding (PSNR of 1/255 quantization is ~59 dB).
    expect(summary.psnr).toBeGreaterThan(55);
    const capped = await compressImageFile(big, { rankCap: 80, rank: { kind: 'rank', value: 10 } });
    expect([capped.rank, capped.maxRank]).toEqual([10, 80]);
    // An energy rule the cap cannot reach says so; one it can reach picks the smallest rank.
    const unreached = await compressImageFile(big, {
      rankCap: 3,
      rank: { kind: 'energy', value: 1 },
      optionNames: { rankCap: '--rank-cap' },
    });
    expect(unreached.rankRule).toMatch(/not reached within the 3 triplets computed; raise --rank-cap/);
    const reached = await compressImageFile(big, { rankCap: 20, rank: { kind: 'energy', value: 0.9 } });
    expect(reached.rank).toBeLessThanOrEqual(6);
    expect(reached.energyKept(reached.rank)!).toBeGreaterThanOrEqual(0.9);
    // Asked for by name, the exact SVD still runs.
    const exact = await compressImageFile(big, { method: 'svd', rank: { kind: 'rank', value: 6 } });
    expect([exact.method.meta.name, exact.partialSvd]).toEqual(['svd', undefined]);
    expect(Math.abs(exact.summary(6).psnr - summary.psnr)).toBeLessThan(0.5);
    await expect(compressImageFile(big, { rankCap: 0 })).rejects.toThrow(
      /"rankCap": 0 is not an integer >= 1/,
    );
  }, 120_000);

  it("sends a big image's first preview from a reduced decode, before the full decode, as full-size factors", async () => {
    // 1400 x 1000 from camera.png: over PREVIEW_MAX_PIXELS too, so the preview decodes at half size.
    const big = join(dir, 'big-camera.jpg');
    const photo = await readImage(camera, { size: { width: 1400, height: 1000 } });
    await writeImage(photo.matrix, big, { quality: 90 });
    const events: string[] = [];
    let preview: readonly { u: { rows: number; cols: number }; s: Float64Array; v: { rows: number } }[] = [];
    const job = await compressImageFile(
      big,
      { rank: { kind: 'rank', value: 20 } },
      {
        onPreview: (factors) => {
          events.push('preview');
          preview = factors;
        },
        onDecoded: () => {
          events.push('decoded');
        },
      },
    );
    expect(events).toEqual(['preview', 'decoded']);
    expect(preview).toHaveLength(1);
    expect([preview[0]!.u.rows, preview[0]!.u.cols, preview[0]!.v.rows]).toEqual([1000, 10, 1400]);
    // The leading singular value of the half-size decode, scaled back: the full image's to 1%.
    const s0 = job.singularValues![0]![0]!;
    expect(Math.abs(preview[0]!.s[0]! - s0) / s0).toBeLessThan(0.01);
  }, 120_000);

  it("names the method's own options the caller's way", async () => {
    await expect(
      compressImageFile(image, {
        method: 'randomized-svd',
        methodOptions: { powerIterations: -1 },
        methodOptionName: (key) => `--${key}`,
      }),
    ).rejects.toThrow(/Invalid option "--powerIterations"/);
    await expect(
      compressImageFile(image, { rank: { kind: 'rank', value: 41 }, optionNames: { rank: '--rank' } }),
    ).rejects.toThrow(/"--rank": 41 is larger than min\(width, height\) = 40/);
  });
});
