import { type DenseMatrix, throwIfAborted } from '@lowrank/core';
import {
  type BenchCase,
  type BenchContext,
  type BenchRecord,
  type BenchSuite,
  timeMedian,
} from '@lowrank/core/bench';
import { linalgBackend, matmul } from '@lowrank/linalg';
import { type SvdFactors, svd } from './gram-jacobi-svd.js';
import { reconstructFromFactors } from './low-rank-svd-result.js';
import { randomizedSvd } from './randomized-svd.js';

/**
 * ||A - U diag(s) V^T||_F / ||A||_F without forming the approximation (U, V orthonormal):
 * ||A||^2 - 2 sum_i s_i u_i^T A v_i + sum_i s_i^2.
 */
export function truncatedRelativeError(a: DenseMatrix, f: SvdFactors): number {
  const a64 =
    a.data instanceof Float64Array ? a : { rows: a.rows, cols: a.cols, data: Float64Array.from(a.data) };
  const av = matmul(a64, f.v).data; // m x k
  const k = f.s.length;
  let cross = 0;
  for (let r = 0; r < a.rows; r++)
    for (let i = 0; i < k; i++) cross += f.s[i]! * f.u.data[r * f.u.cols + i]! * av[r * k + i]!;
  let norm2 = 0;
  for (let i = 0; i < a.data.length; i++) norm2 += a.data[i]! * a.data[i]!;
  let s2 = 0;
  for (let i = 0; i < k; i++) s2 += f.s[i]! * f.s[i]!;
  return Math.sqrt(Math.max(0, norm2 - 2 * cross + s2) / norm2);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function withReference(record: BenchRecord, reference: Record<string, unknown> | undefined): BenchRecord {
  const referenceSeconds = num(reference?.seconds);
  return {
    ...record,
    ...(referenceSeconds === undefined ? {} : { referenceSeconds, ratio: record.seconds / referenceSeconds }),
  };
}

/** (1) Randomized SVD, rank 10, of the highway video: 748 frames x 76 800 pixels (76 800 x 748 for numpy). */
const randomizedVideoCase: BenchCase = {
  name: 'randomized-svd-highway-rank10',
  async run(ctx: BenchContext) {
    const path = ctx.dataPath('video/highway-traffic-320x240.avi');
    const video = await ctx.loadMedia(path);
    throwIfAborted(ctx.signal);
    ctx.log(`randomized SVD rank 10 of ${video.rows} x ${video.cols} (frames x pixels)`);
    const timed = await timeMedian(ctx.repeat, () => randomizedSvd(video, 10, { signal: ctx.signal }), {
      warmup: 1,
    });
    const relativeError = truncatedRelativeError(video, timed.result);
    const reference = await ctx.reference(['rsvd', path, '--rank', '10', '--repeat', String(ctx.repeat)]);
    return [
      withReference(
        {
          case: this.name,
          seconds: timed.seconds,
          runs: timed.runs,
          relativeError,
          ...(num(reference?.relative_error) === undefined
            ? {}
            : { referenceRelativeError: num(reference?.relative_error) }),
          shape: [video.cols, video.rows],
          backend: linalgBackend().name,
        },
        reference,
      ),
    ];
  },
};

/** (2) Exact SVD of camera.png (512 x 512) against numpy.linalg.svd (gesdd). */
const exactCameraCase: BenchCase = {
  name: 'svd-camera-exact',
  async run(ctx: BenchContext) {
    const path = ctx.dataPath('images/camera.png');
    const image = await ctx.loadMedia(path);
    throwIfAborted(ctx.signal);
    const timed = await timeMedian(ctx.repeat, () => svd(image, { signal: ctx.signal }), { warmup: 1 });
    const f = timed.result;
    const full = reconstructFromFactors(f, f.s.length);
    let num2 = 0;
    let den2 = 0;
    for (let i = 0; i < image.data.length; i++) {
      const d = image.data[i]! - full.data[i]!;
      num2 += d * d;
      den2 += image.data[i]! * image.data[i]!;
    }
    const reference = await ctx.reference(['svd', path, '--repeat', String(ctx.repeat)]);
    const head = Array.isArray(reference?.singular_values_head)
      ? (reference.singular_values_head as number[])
      : [];
    let deviation = 0;
    head.forEach((value, i) => {
      deviation = Math.max(deviation, Math.abs(f.s[i]! - value) / head[0]!);
    });
    const sum = num(reference?.singular_values_sum);
    let ours = 0;
    for (const s of f.s) ours += s;
    return [
      withReference(
        {
          case: this.name,
          seconds: timed.seconds,
          runs: timed.runs,
          relativeError: Math.sqrt(num2 / den2),
          ...(head.length ? { singularValueDeviation: deviation } : {}),
          ...(sum === undefined ? {} : { singularValueSumDeviation: Math.abs(ours - sum) / sum }),
          shape: [image.rows, image.cols],
          backend: linalgBackend().name,
        },
        reference,
      ),
    ];
  },
};

/** `@lowrank/algorithms-svd/bench`: the suite `lowrank bench` runs for this package. */
export const benchSuite: BenchSuite = {
  name: 'algorithms-svd',
  cases: [randomizedVideoCase, exactCameraCase],
};

export default benchSuite;
