import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png-encoder.js';

describe('encodePng', () => {
  it('writes PNGs that decode to the same samples, gray and RGB, odd sizes', async () => {
    for (const [width, height, channels] of [
      [1, 1, 1],
      [7, 5, 1],
      [33, 17, 3],
      [320, 2, 1],
    ] as const) {
      const samples = Uint8Array.from(
        { length: width * height * channels },
        (_, k) => (k * 37 + (k >> 3)) & 255,
      );
      const png = await encodePng(samples, width, height, channels);
      expect(await sharp(png).metadata()).toMatchObject({ width, height, channels, depth: 'uchar' });
      const { data } = await sharp(png)
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(new Uint8Array(data)).toEqual(samples);
    }
  });

  it('writes masks (only 0 and 255) that decode to the same samples, smaller than their raw bytes', async () => {
    const [width, height] = [64, 48];
    // Two rectangles and a few lone pixels: long runs, as foreground masks have.
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if ((x > 10 && x < 30 && y > 5 && y < 20) || (x > 40 && y > 30) || (x * 7 + y * 13) % 97 === 0)
          mask[y * width + x] = 255;
    const png = await encodePng(mask, width, height, 1);
    expect(png.length).toBeLessThan(mask.length / 4);
    const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width, height, channels: 1 });
    expect(new Uint8Array(data)).toEqual(mask);
  });
});
