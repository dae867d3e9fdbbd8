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
});
