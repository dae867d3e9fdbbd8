import { videoMatrixFrom } from '@lowrank/core';
import { videoMatrixPicture } from '@lowrank/io';
import { describe, expect, it } from 'vitest';
import { MatrixPictureAccumulator, unitToBytes } from './separation-pictures.js';

describe('MatrixPictureAccumulator', () => {
  const frames = 9;
  const [width, height] = [7, 5];
  const values = width * height;
  const data = Float64Array.from({ length: frames * values }, (_, k) => ((k * 37) % 101) / 100);
  const video = videoMatrixFrom(data, { frames, width, height, channels: 1, fps: 25 });

  it("draws io's videoMatrixPicture frame by frame, and its bytes are unitToBytes of it", () => {
    const picture = new MatrixPictureAccumulator(frames, values, 4, 100);
    for (let f = 0; f < frames; f++) picture.add(f, data.subarray(f * values, (f + 1) * values));
    const expected = videoMatrixPicture(video, { height: 4, maxWidth: 100 });
    const drawn = picture.picture();
    expect([drawn.rows, drawn.cols]).toEqual([expected.rows, expected.cols]);
    for (let i = 0; i < drawn.data.length; i++) expect(drawn.data[i]).toBeCloseTo(expected.data[i]!, 12);
    const bytes = picture.pictureBytes();
    expect([bytes.width, bytes.height]).toEqual([drawn.cols, drawn.rows]);
    expect(bytes.pixels).toEqual(unitToBytes(drawn.data));
  });

  it('averages the frames that share a column, and leaves columns no frame reached black', () => {
    // 9 frames into 3 columns: three frames a column; only the first 4 frames are added.
    const picture = new MatrixPictureAccumulator(frames, values, 1, 3);
    for (let f = 0; f < 4; f++) picture.add(f, new Float64Array(values).fill(f / 10));
    const [first, second, third] = picture.picture().data;
    expect(first).toBeCloseTo((0 + 0.1 + 0.2) / 3, 14);
    expect(second).toBeCloseTo(0.3, 14);
    expect(third).toBe(0);
  });

  it("keeps only the columns a stopped stream's frames done reached, whatever the rounding", () => {
    const columns = (expected: number, maxWidth: number, done: number) => {
      const picture = new MatrixPictureAccumulator(expected, 2, 2, maxWidth);
      for (let f = 0; f < done; f++) picture.add(f, new Float64Array(2).fill(f / expected));
      return picture.pictureBytes(done);
    };
    // 7 / 200 * 200 is 7.000000000000001 in floating point (so are 14, 55, ...): still 7 columns.
    for (const done of [1, 7, 14, 21, 55, 57, 199]) {
      const kept = columns(200, 1600, done);
      expect(kept.width).toBe(done);
      // Each row holds the kept columns, in order (frame f is drawn at f / 200).
      expect(Array.from(kept.pixels.subarray(0, done))).toEqual(
        Array.from({ length: done }, (_, f) => unitToBytes(new Float64Array([f / 200]))[0]),
      );
    }
    expect(columns(200, 1600, 200).width).toBe(200);
    // The bundled highway clip plans 150 frames: 21 done gave 22 columns once.
    expect(columns(150, 1600, 21).width).toBe(21);
    // Two frames a column (400 frames planned, 200 columns): a column with one frame counts.
    expect(columns(400, 200, 41).width).toBe(21);
  });
});
