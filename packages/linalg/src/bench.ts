import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { createRng, type DenseMatrix, type DType, throwIfAborted } from '@lowrank/core';
import {
  type BenchCase,
  type BenchContext,
  type BenchRecord,
  type BenchSuite,
  median,
  timeMedian,
} from '@lowrank/core/bench';
import { linalgBackend } from './backend.js';
import { gemmFlops, gram, matmul } from './matmul.js';

/**
 * GEMM throughput benchmarks (`@lowrank/linalg/bench`): the shapes the algorithms spend their time
 * in, each timed as the median of ctx.repeat runs after one warm-up, with numpy's `@` on the same
 * shapes and dtype timed in a Python child process in the same run (OpenBLAS, all cores).
 */
interface GemmSpec {
  readonly name: string;
  readonly kind: 'matmul' | 'gram';
  readonly dtype: DType;
  readonly aRows: number;
  readonly aCols: number;
  readonly bRows: number;
  readonly bCols: number;
  readonly transposeA: boolean;
  /** Multiply-adds x 2 actually needed (Gram: one triangle counted, as BLAS syrk does). */
  readonly flops: number;
}

const PIXELS = 76800; // 320 x 240 highway video
const FRAMES = 748;
const RANK = 20;

function specs(): GemmSpec[] {
  const out: GemmSpec[] = [];
  for (const dtype of ['float64', 'float32'] as const) {
    const tag = dtype === 'float64' ? 'f64' : 'f32';
    out.push({
      name: `gemm-tall-skinny-${tag}`,
      kind: 'matmul',
      dtype,
      aRows: PIXELS,
      aCols: FRAMES,
      bRows: FRAMES,
      bCols: RANK,
      transposeA: false,
      flops: gemmFlops(PIXELS, RANK, FRAMES),
    });
    out.push({
      name: `gemm-tall-skinny-transposed-${tag}`,
      kind: 'matmul',
      dtype,
      aRows: PIXELS,
      aCols: FRAMES,
      bRows: PIXELS,
      bCols: RANK,
      transposeA: true,
      flops: gemmFlops(FRAMES, RANK, PIXELS),
    });
    out.push({
      name: `gram-AtA-${tag}`,
      kind: 'gram',
      dtype,
      aRows: PIXELS,
      aCols: FRAMES,
      bRows: 0,
      bCols: 0,
      transposeA: true,
      flops: FRAMES * FRAMES * PIXELS,
    });
    out.push({
      name: `gemm-square-512-${tag}`,
      kind: 'matmul',
      dtype,
      aRows: 512,
      aCols: 512,
      bRows: 512,
      bCols: 512,
      transposeA: false,
      flops: gemmFlops(512, 512, 512),
    });
  }
  return out;
}

function randomMatrix(rows: number, cols: number, dtype: DType, seed: number): DenseMatrix {
  const data = dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  createRng(seed).fillNormal(data);
  return { rows, cols, data };
}

const NUMPY_SCRIPT = `
import sys, json, time
import numpy as np
s = json.loads(sys.argv[1])
dt = np.float32 if s['dtype'] == 'float32' else np.float64
rng = np.random.default_rng(1)
a = rng.standard_normal((s['aRows'], s['aCols'])).astype(dt)
b = None if s['kind'] == 'gram' else rng.standard_normal((s['bRows'], s['bCols'])).astype(dt)
def run():
    if s['kind'] == 'gram':
        return a.T @ a
    return (a.T if s['transposeA'] else a) @ b
run()
times = []
for _ in range(s['repeat']):
    t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
times.sort()
n = len(times)
med = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
print(json.dumps({'seconds': med, 'numpy': np.__version__}))
`;

/** numpy's median seconds for the same product, or undefined when Python/numpy is unavailable. */
function numpySeconds(
  spec: GemmSpec,
  repeat: number,
  python: string,
): Promise<{ seconds: number; numpy: string } | undefined> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', NUMPY_SCRIPT, JSON.stringify({ ...spec, repeat })],
      { timeout: 600_000, maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error) return resolve(undefined);
        try {
          const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
            seconds: number;
            numpy: string;
          };
          resolve(typeof parsed.seconds === 'number' ? parsed : undefined);
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/** Max error over 256 sampled entries against a float64 dot product, relative to the largest sampled |entry|. */
function sampledRelativeError(
  spec: GemmSpec,
  a: DenseMatrix,
  b: DenseMatrix | undefined,
  c: DenseMatrix,
): number {
  const rng = createRng(99);
  const bm = b ?? a;
  const k = spec.transposeA ? a.rows : a.cols;
  let worst = 0;
  let scale = 0;
  for (let s = 0; s < 256; s++) {
    const i = Math.floor(rng.next() * c.rows);
    const j = Math.floor(rng.next() * c.cols);
    let ref = 0;
    for (let p = 0; p < k; p++) {
      const x = spec.transposeA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
      ref += x * bm.data[p * bm.cols + j]!;
    }
    worst = Math.max(worst, Math.abs(c.data[i * c.cols + j]! - ref));
    scale = Math.max(scale, Math.abs(ref));
  }
  return scale === 0 ? worst : worst / scale;
}

function gemmCase(spec: GemmSpec, python: string): BenchCase {
  return {
    name: spec.name,
    async run(ctx: BenchContext): Promise<BenchRecord[]> {
      throwIfAborted(ctx.signal);
      const a = randomMatrix(spec.aRows, spec.aCols, spec.dtype, 1);
      const b = spec.kind === 'gram' ? undefined : randomMatrix(spec.bRows, spec.bCols, spec.dtype, 2);
      const run = (): DenseMatrix =>
        b === undefined ? gram(a, 'AtA') : matmul(a, b, { transposeA: spec.transposeA });
      const loadBefore = loadavg()[0]!;
      const first = run();
      // CPU seconds (all threads of this process) per run: on a shared, overloaded machine
      // wall-clock includes time spent waiting for a core, CPU time does not.
      const cpuRuns: number[] = [];
      const timed = await timeMedian(ctx.repeat, () => {
        throwIfAborted(ctx.signal);
        const before = process.cpuUsage();
        const result = run();
        const used = process.cpuUsage(before);
        cpuRuns.push((used.user + used.system) / 1e6);
        return result;
      });
      const cpuSeconds = median(cpuRuns);
      const relativeError = sampledRelativeError(spec, a, b, first);
      ctx.log(
        `${spec.name}: ${(spec.flops / timed.seconds / 1e9).toFixed(2)} GFLOP/s (median of ${timed.runs.length})`,
      );
      const reference = await numpySeconds(spec, ctx.repeat, python);
      const backend = linalgBackend();
      return [
        {
          case: spec.name,
          seconds: timed.seconds,
          gflops: spec.flops / timed.seconds / 1e9,
          cpuSeconds,
          gflopsPerCpuSecond: spec.flops / cpuSeconds / 1e9,
          ...(reference
            ? {
                referenceSeconds: reference.seconds,
                referenceGflops: spec.flops / reference.seconds / 1e9,
                ratio: timed.seconds / reference.seconds,
                numpy: reference.numpy,
              }
            : {}),
          relativeError,
          shape:
            spec.kind === 'gram'
              ? `gram AtA of ${spec.aRows}x${spec.aCols}`
              : `${spec.transposeA ? 'A^T' : 'A'} B, A ${spec.aRows}x${spec.aCols}, B ${spec.bRows}x${spec.bCols}`,
          dtype: spec.dtype,
          backend: backend.name,
          threads: backend.threads,
          runs: timed.runs,
          minSeconds: Math.min(...timed.runs),
          load1: median([loadBefore, loadavg()[0]!]),
        },
      ];
    },
  };
}

/** The suite; `python` is the interpreter used for the numpy comparison (default /usr/bin/python3). */
export function createLinalgBenchSuite(options: { python?: string } = {}): BenchSuite {
  const python = options.python ?? '/usr/bin/python3';
  return { name: 'linalg', cases: specs().map((s) => gemmCase(s, python)) };
}

export const linalgBenchSuite: BenchSuite = createLinalgBenchSuite();
export default linalgBenchSuite;
