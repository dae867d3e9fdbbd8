import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AbortError, MediaError, matrixFrom, OutputExistsError } from '@lowrank/core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage } from './read-image.js';
import { listing, sample, tempDir, testData } from './test-helpers.js';
import { encodeImage, toSamples, writeImage } from './write-image.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('writeImage', () => {
  it('round trip: 8-bit gray PNG -> matrix -> PNG gives the same pixels', async () => {
    const input = sample('camera.png');
    const image = await readImage(input);
    const out = path.join(tmp.dir, 'camera-copy.png');
    await writeImage(image.matrix, out);
    const [a, b] = await Promise.all([
      sharp(input).toColourspace('b-w').raw().toBuffer(),
      sharp(out).toColourspace('b-w').raw().toBuffer(),
    ]);
    expect(b.length).toBe(512 * 512);
    expect(Buffer.compare(a, b)).toBe(0);
    expect((await sharp(out).metadata()).channels).toBe(1);
  });

  it('round trip: RGB PNG -> three matrices -> PNG gives the same pixels', async () => {
    const input = testData('images/coffee-300x200.png');
    const image = await readImage(input, { mode: 'rgb' });
    const out = path.join(tmp.dir, 'coffee-copy.png');
    await writeImage(image.channels, out);
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('clamps to [0, 1], maps NaN to 0 and rounds to nearest', () => {
    const m = matrixFrom(1, 6, new Float64Array([-0.5, 1.7, Number.NaN, 0.5, 0.2 / 255, 0.6 / 255]));
    expect(Array.from(toSamples(m).data)).toEqual([0, 255, 0, 128, 0, 1]);
    expect(Array.from(toSamples(m, 16).data)).toEqual([0, 65535, 0, 32768, 51, 154]);
  });

  it('writes 16-bit PNG when asked, read back exactly', async () => {
    const values = new Float64Array([0, 1 / 65535, 0.5, 1]);
    const out = path.join(tmp.dir, 'deep.png');
    await writeImage(matrixFrom(2, 2, values), out, { bitDepth: 16 });
    const back = await readImage(out);
    expect(back.metadata.bitDepth).toBe(16);
    expect(Array.from(back.matrix.data)).toEqual([0, 1 / 65535, 32768 / 65535, 1]);
  });

  it('writes JPEG and WebP by extension, quality changing the size', async () => {
    const image = await readImage(testData('images/astronaut-256x256.png'), { mode: 'rgb' });
    for (const ext of ['jpg', 'webp'] as const) {
      const out = path.join(tmp.dir, `astro.${ext}`);
      await writeImage(image.channels, out, { quality: 80 });
      expect((await sharp(out).metadata()).format).toBe(ext === 'jpg' ? 'jpeg' : 'webp');
    }
    const low = await encodeImage(image.channels, 'jpeg', { quality: 10 });
    const high = await encodeImage(image.channels, 'jpeg', { quality: 95 });
    expect(low.length).toBeLessThan(high.length);
  });

  it('refuses to overwrite unless asked, and never overwrites a protected input', async () => {
    const m = matrixFrom(1, 1, new Float64Array([0.5]));
    const out = path.join(tmp.dir, 'exists.png');
    writeFileSync(out, 'old');
    const error = await writeImage(m, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputExistsError);
    expect((error as Error).message).toMatch(/exists\.png: already exists .*--force/);
    expect(readFileSync(out, 'utf8')).toBe('old');
    await writeImage(m, out, { overwrite: true });
    expect((await sharp(out).metadata()).width).toBe(1);
    const input = path.join(tmp.dir, 'input.png');
    await writeImage(m, input);
    await expect(writeImage(m, input, { overwrite: true, protect: [input] })).rejects.toThrow(
      /is the input file/,
    );
    // Also through another spelling of the same path.
    await expect(
      writeImage(m, path.join(tmp.dir, '.', 'sub', '..', 'input.png'), { overwrite: true, protect: [input] }),
    ).rejects.toBeInstanceOf(OutputExistsError);
  });

  it('reports a missing or unwritable output folder as MediaError and leaves nothing behind', async () => {
    const m = matrixFrom(1, 1, new Float64Array([0.5]));
    await expect(writeImage(m, path.join(tmp.dir, 'no-such-folder', 'x.png'))).rejects.toThrow(
      /output folder .* does not exist/,
    );
    let target: string;
    if (process.getuid?.() === 0) {
      // root ignores permission bits; sysfs refuses new files even to root.
      target = '/sys/lowrank-io-test.png';
    } else {
      const locked = path.join(tmp.dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      target = path.join(locked, 'x.png');
    }
    const error = await writeImage(m, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as Error).message).toMatch(/cannot write in/);
    expect(existsSync(target)).toBe(false);
  });

  it('a cancelled write leaves no file behind', async () => {
    const dir = path.join(tmp.dir, 'cancel');
    mkdirSync(dir);
    const controller = new AbortController();
    controller.abort();
    const m = matrixFrom(1, 1, new Float64Array([0.5]));
    await expect(
      writeImage(m, path.join(dir, 'x.png'), { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(listing(dir)).toEqual([]);
  });
});
