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
});
