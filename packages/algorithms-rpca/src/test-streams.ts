import { createRng } from '@lowrank/core';

/**
 * Synthetic streams with a known answer for the streaming separator's tests: a background that
 * is low-rank and changes slowly, sparse movers of known support, Gaussian noise.
 */
export interface PlantedStream {
  readonly width: number;
  readonly height: number;
  readonly frames: Float64Array[];
  /** The true background of each frame. */
  readonly backgrounds: Float64Array[];
  /** 1 where a mover covers the pixel. */
  readonly movers: Uint8Array[];
}

/**
 * A rank-2 background c1(t) B1 + c2(t) B2 (B1 a horizontal ramp, B2 a wavy lighting pattern;
 * c1 = 1 + 0.2 sin(2 pi t / 200): the light brightens and dims by 20%; c2 = cos(2 pi t / 150)),
 * three 6 x 6 blocks moving across it at 2, 3 and 4 pixels per frame that differ from the
 * background by 0.4, and noise of standard deviation `noise`.
 */
export function plantedStream(
  frames: number,
  seed = 1,
  width = 64,
  height = 48,
  noise = 0.01,
): PlantedStream {
  const rng = createRng(seed);
  const pixels = width * height;
  const ramp = new Float64Array(pixels);
  const waves = new Float64Array(pixels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      ramp[y * width + x] = 0.3 + (0.4 * x) / width;
      waves[y * width + x] = 0.1 * Math.sin(y / 5) + 0.05 * Math.cos(x / 7);
    }
  const out: PlantedStream = { width, height, frames: [], backgrounds: [], movers: [] };
  for (let t = 0; t < frames; t++) {
    const c1 = 1 + 0.2 * Math.sin((2 * Math.PI * t) / 200);
    const c2 = Math.cos((2 * Math.PI * t) / 150);
    const background = new Float64Array(pixels);
    const frame = new Float64Array(pixels);
    const movers = new Uint8Array(pixels);
    for (let k = 0; k < pixels; k++) {
      background[k] = c1 * ramp[k]! + c2 * waves[k]!;
      frame[k] = background[k]! + noise * rng.normal();
    }
    for (let b = 0; b < 3; b++) {
      const left = (t * (2 + b) + 17 * b) % (width - 6);
      const top = 8 + 12 * b;
      for (let y = top; y < top + 6; y++)
        for (let x = left; x < left + 6; x++) {
          const k = y * width + x;
          frame[k] = background[k]! > 0.5 ? background[k]! - 0.4 : background[k]! + 0.4;
          movers[k] = 1;
        }
    }
    out.frames.push(frame);
    out.backgrounds.push(background);
    out.movers.push(movers);
  }
  return out;
}

/**
 * A still scene with noise in which a 10 x 10 block (a parked car) differs by +0.3 until frame
 * `leavesAt` and then shows the background (the car has left).
 */
export function parkedCarStream(
  frames: number,
  leavesAt: number,
  seed = 9,
  width = 64,
  height = 48,
): {
  width: number;
  height: number;
  frames: Float64Array[];
  background: Float64Array;
  inCar: (k: number) => boolean;
} {
  const rng = createRng(seed);
  const pixels = width * height;
  const background = new Float64Array(pixels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      background[y * width + x] = 0.3 + (0.4 * x) / width + 0.1 * Math.sin(y / 4);
  const inCar = (k: number) => {
    const x = k % width;
    const y = Math.floor(k / width);
    return x >= 20 && x < 30 && y >= 20 && y < 30;
  };
  const out: Float64Array[] = [];
  for (let t = 0; t < frames; t++) {
    const frame = new Float64Array(pixels);
    for (let k = 0; k < pixels; k++)
      frame[k] = background[k]! + (t < leavesAt && inCar(k) ? 0.3 : 0) + 0.01 * rng.normal();
    out.push(frame);
  }
  return { width, height, frames: out, background, inCar };
}
