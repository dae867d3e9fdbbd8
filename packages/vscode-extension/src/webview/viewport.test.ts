import { describe, expect, it } from 'vitest';
import {
  clampView,
  fittedView,
  oneToOne,
  panBy,
  pixelAlignedRegion,
  renderSize,
  resampleRows,
  visibleRegion,
  zoomAt,
} from '../../media/viewport.js';

const image = { width: 4000, height: 3000 };
const canvas = { width: 800, height: 600 };

describe('viewport', () => {
  it('fits the whole image at zoom 1, centred, and computes at most the canvas resolution', () => {
    const region = visibleRegion(fittedView(image), canvas, image);
    expect(region).toMatchObject({ x0: 0, y0: 0, x1: 4000, y1: 3000, dx: 0, dy: 0, dw: 800, dh: 600 });
    expect(renderSize(region)).toEqual({ width: 800, height: 600 });
  });

  it('keeps the image point under the pointer when zooming, and stays inside the image', () => {
    const zoomed = zoomAt(fittedView(image), canvas, image, 4, 200, 150);
    const region = visibleRegion(zoomed, canvas, image);
    // The pointer was over image point (1000, 750); at 4x it still is.
    const s = region.dw / (region.x1 - region.x0);
    expect(region.x0 + (200 - region.dx) / s).toBeCloseTo(1000, 6);
    expect(region.y0 + (150 - region.dy) / s).toBeCloseTo(750, 6);
    expect(region.x1 - region.x0).toBeCloseTo(1000, 6);
    // Panning far past the edge stops at the edge.
    const panned = visibleRegion(panBy(zoomed, canvas, image, 10_000, 10_000), canvas, image);
    expect([panned.x0, panned.y0]).toEqual([0, 0]);
  });

  it('shows one image pixel per canvas pixel at 1:1, computing the region at its own size', () => {
    const region = visibleRegion(oneToOne(fittedView(image), canvas, image), canvas, image);
    expect(region.x1 - region.x0).toBeCloseTo(800, 6);
    expect(renderSize(region)).toEqual({ width: 800, height: 600 });
    // Zoomed further in, a region of 100 x 75 image pixels is computed at 100 x 75.
    const close = visibleRegion(clampView({ zoom: 40, cx: 2000, cy: 1500 }, canvas, image), canvas, image);
    expect(renderSize(close)).toEqual({ width: 100, height: 75 });
  });

  it('widens a magnified region to whole pixels, moving its destination to match', () => {
    const region = visibleRegion(
      clampView({ zoom: 40, cx: 2000.3, cy: 1500.2 }, canvas, image),
      canvas,
      image,
    );
    const aligned = pixelAlignedRegion(region);
    const s = region.dw / (region.x1 - region.x0);
    expect(Number.isInteger(aligned.x0) && Number.isInteger(aligned.x1)).toBe(true);
    expect(aligned.dw / (aligned.x1 - aligned.x0)).toBeCloseTo(s, 9);
    // Image point x0 of the original region lands where it did.
    expect(aligned.dx + (region.x0 - aligned.x0) * s).toBeCloseTo(region.dx, 9);
  });

  it('box-averages rows, so resampled factors give the block means of the image', () => {
    // Rows 0..5 of a 6 x 2 matrix into 3 rows: means of row pairs.
    const m = Float32Array.from([1, 10, 3, 30, 5, 50, 7, 70, 9, 90, 11, 110]);
    expect(Array.from(resampleRows(m, 2, 0, 6, 3))).toEqual([2, 20, 6, 60, 10, 100]);
    // A fractional span averages the whole rows it touches (at least one).
    expect(Array.from(resampleRows(m, 2, 1.5, 4.5, 3))).toEqual([4, 40, 6, 60, 8, 80]);
  });
});
