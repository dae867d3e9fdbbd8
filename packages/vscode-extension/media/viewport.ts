import type { ChannelFactors } from '../src/shared/protocol.js';

/**
 * Zoom and pan shared by the panes of the compression panel, and the reconstruction at the
 * resolution shown: box-averaging rows of U and V is averaging blocks of the image, because
 * D_r (U S V^T) D_c^T = (D_r U) S (D_c V)^T. So the rank-k picture of the visible region at screen
 * resolution comes from factors of (shown rows) x rank and (shown columns) x rank, whatever the
 * image's size. Sizes are in device pixels (canvas pixels); image coordinates in image pixels.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** zoom 1 fits the whole image; (cx, cy) is the image point at the canvas centre. */
export interface View {
  readonly zoom: number;
  readonly cx: number;
  readonly cy: number;
}

/** The visible part of the image [x0, x1) x [y0, y1) and where it lands on the canvas. */
export interface Region {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly dx: number;
  readonly dy: number;
  readonly dw: number;
  readonly dh: number;
}

/** Furthest zoom in: 16 canvas pixels per image pixel, or 8 times the fitted view if that is more. */
export const MAX_PIXEL_SCALE = 16;
export const MAX_ZOOM_OVER_FIT = 8;

export function fittedView(image: Size): View {
  return { zoom: 1, cx: image.width / 2, cy: image.height / 2 };
}

function fitScale(canvas: Size, image: Size): number {
  return Math.min(canvas.width / image.width, canvas.height / image.height);
}

/** Canvas pixels per image pixel. */
export function pixelScale(view: View, canvas: Size, image: Size): number {
  return fitScale(canvas, image) * view.zoom;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** The view with its zoom in range and its centre where the visible region stays inside the image. */
export function clampView(view: View, canvas: Size, image: Size): View {
  const fit = fitScale(canvas, image);
  const zoom = clamp(view.zoom, 1, Math.max(MAX_ZOOM_OVER_FIT, MAX_PIXEL_SCALE / fit));
  const s = fit * zoom;
  const w = Math.min(image.width, canvas.width / s);
  const h = Math.min(image.height, canvas.height / s);
  return {
    zoom,
    cx: clamp(view.cx, w / 2, image.width - w / 2),
    cy: clamp(view.cy, h / 2, image.height - h / 2),
  };
}

export function visibleRegion(view: View, canvas: Size, image: Size): Region {
  const v = clampView(view, canvas, image);
  const s = pixelScale(v, canvas, image);
  const w = Math.min(image.width, canvas.width / s);
  const h = Math.min(image.height, canvas.height / s);
  const dw = w * s;
  const dh = h * s;
  return {
    x0: v.cx - w / 2,
    y0: v.cy - h / 2,
    x1: v.cx + w / 2,
    y1: v.cy + h / 2,
    dx: (canvas.width - dw) / 2,
    dy: (canvas.height - dh) / 2,
    dw,
    dh,
  };
}

/** Zooms by `factor` keeping the image point under canvas pixel (px, py) where it is. */
export function zoomAt(view: View, canvas: Size, image: Size, factor: number, px: number, py: number): View {
  const before = clampView(view, canvas, image);
  const s0 = pixelScale(before, canvas, image);
  const ix = before.cx + (px - canvas.width / 2) / s0;
  const iy = before.cy + (py - canvas.height / 2) / s0;
  const zoomed = clampView({ ...before, zoom: before.zoom * factor }, canvas, image);
  const s1 = pixelScale(zoomed, canvas, image);
  return clampView(
    { zoom: zoomed.zoom, cx: ix - (px - canvas.width / 2) / s1, cy: iy - (py - canvas.height / 2) / s1 },
    canvas,
    image,
  );
}

/** Moves the picture by (dx, dy) canvas pixels (a drag). */
export function panBy(view: View, canvas: Size, image: Size, dx: number, dy: number): View {
  const s = pixelScale(clampView(view, canvas, image), canvas, image);
  return clampView({ ...view, cx: view.cx - dx / s, cy: view.cy - dy / s }, canvas, image);
}

/** One image pixel per canvas pixel, around the same centre. */
export function oneToOne(view: View, canvas: Size, image: Size): View {
  return clampView({ ...view, zoom: 1 / fitScale(canvas, image) }, canvas, image);
}

/**
 * Where to compute: a magnified region (at least one canvas pixel per image pixel) widened to whole
 * image pixels, its destination moved to match, so each computed pixel lands exactly where the
 * original's does; a reduced region as it is.
 */
export function pixelAlignedRegion(region: Region): Region {
  const s = region.dw / (region.x1 - region.x0);
  if (s < 1) return region;
  const x0 = Math.floor(region.x0 + 1e-9);
  const y0 = Math.floor(region.y0 + 1e-9);
  const x1 = Math.ceil(region.x1 - 1e-9);
  const y1 = Math.ceil(region.y1 - 1e-9);
  return {
    x0,
    y0,
    x1,
    y1,
    dx: region.dx - (region.x0 - x0) * s,
    dy: region.dy - (region.y0 - y0) * s,
    dw: (x1 - x0) * s,
    dh: (y1 - y0) * s,
  };
}

/** The resolution to compute the reconstruction at: the region's pixels, at most the canvas area it covers. */
export function renderSize(region: Region): Size {
  return {
    width: Math.max(1, Math.min(Math.ceil(region.x1 - region.x0 - 1e-9), Math.round(region.dw))),
    height: Math.max(1, Math.min(Math.ceil(region.y1 - region.y0 - 1e-9), Math.round(region.dh))),
  };
}

/**
 * Rows [from, to) of a rows x rank matrix averaged into `count` rows (each output row the mean of
 * the source rows its span covers, at least one): the box filter along one side of the image.
 */
export function resampleRows(
  m: Float32Array,
  rank: number,
  from: number,
  to: number,
  count: number,
): Float32Array {
  const out = new Float32Array(count * rank);
  const span = (to - from) / count;
  const acc = new Float64Array(rank);
  for (let i = 0; i < count; i++) {
    const first = Math.floor(from + i * span);
    const last = Math.max(first + 1, Math.ceil(from + (i + 1) * span - 1e-9));
    acc.fill(0);
    for (let r = first; r < last; r++) for (let t = 0; t < rank; t++) acc[t]! += m[r * rank + t]!;
    for (let t = 0; t < rank; t++) out[i * rank + t] = acc[t]! / (last - first);
  }
  return out;
}

/** Factors of the visible region at `size`: U's shown rows and V's shown columns, box-averaged. */
export function resampleFactors(
  factors: readonly ChannelFactors[],
  region: Region,
  size: Size,
): ChannelFactors[] {
  return factors.map((f) => ({
    rank: f.rank,
    s: f.s,
    u: resampleRows(f.u, f.rank, region.y0, region.y1, size.height),
    v: resampleRows(f.v, f.rank, region.x0, region.x1, size.width),
  }));
}
