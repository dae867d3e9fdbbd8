import { InvalidInputError, InvalidOptionError } from '@lowrank/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { setLinalgBackend } from './backend.js';
import { forceThreadedGemmForTests } from './gemm-dispatch.js';
import { allocateKernelMatrix, releaseKernelMatrix } from './kernel-memory.js';
import { gram } from './matmul.js';
import { defineThreadedKernels, runKernelOnCallingThread, runKernelOnThreads } from './threaded-kernels.js';
import { threadsSupported } from './threads-support.js';
import { runningPool } from './worker-pool.js';

/**
 * A small threaded kernel module written in WebAssembly text: scaleUnits multiplies x by a factor
 * over units claimed from a work counter (a dynamically scheduled kernel), markThread writes its
 * per-thread argument into its own slot.
 */
const SCALE_WAT = `
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "scaleUnits") (param $counter i32) (param $unit i32) (param $length i32) (param $x i32) (param $factor f64)
    (local $start i32) (local $end i32) (local $at i32)
    (block $done
      (loop $claim
        (local.set $start (i32.mul (i32.atomic.rmw.add (local.get $counter) (i32.const 1)) (local.get $unit)))
        (br_if $done (i32.ge_s (local.get $start) (local.get $length)))
        (local.set $end (i32.add (local.get $start) (local.get $unit)))
        (if (i32.gt_s (local.get $end) (local.get $length)) (then (local.set $end (local.get $length))))
        (block $unitDone
          (loop $entry
            (br_if $unitDone (i32.ge_s (local.get $start) (local.get $end)))
            (local.set $at (i32.add (local.get $x) (i32.shl (local.get $start) (i32.const 3))))
            (f64.store (local.get $at) (f64.mul (f64.load (local.get $at)) (local.get $factor)))
            (local.set $start (i32.add (local.get $start) (i32.const 1)))
            (br $entry)))
        (br $claim))))
  (func (export "markThread") (param $out i32) (param $thread i32)
    (f64.store
      (i32.add (local.get $out) (i32.shl (local.get $thread) (i32.const 3)))
      (f64.convert_i32_s (i32.add (local.get $thread) (i32.const 1))))))
`;
/** The same module with a static data segment, which threaded modules must not have. */
const DATA_WAT = `
(module
  (import "env" "memory" (memory 1 65536 shared))
  (data (i32.const 16) "static")
  (func (export "noop") (param $x i32)))
`;

let scaleBase64 = '';
let dataBase64 = '';

beforeAll(async () => {
  const wabt = await wabtInit();
  const compile = (text: string) => {
    const module = wabt.parseWat('test.wat', text, { threads: true });
    try {
      return Buffer.from(module.toBinary({}).buffer).toString('base64');
    } finally {
      module.destroy();
    }
  };
  scaleBase64 = compile(SCALE_WAT);
  dataBase64 = compile(DATA_WAT);
});

afterAll(() => {
  forceThreadedGemmForTests(false);
  setLinalgBackend('auto');
});

/** The test module's declaration (a fresh module each time). */
function scaleKernels() {
  return defineThreadedKernels({
    name: 'test-scale',
    binaries: { simd128: scaleBase64 },
    kernels: {
      scaleUnits: { args: { counter: 'counter', unit: 'i32', length: 'i32', x: 'pointer', factor: 'f64' } },
      markThread: { args: { out: 'pointer', thread: 'i32' } },
    },
  });
}

describe.runIf(threadsSupported())('threaded kernel modules', () => {
  it('loads a module into a pool that is already running and runs it with named arguments', () => {
    setLinalgBackend('wasm', { threads: 3 });
    forceThreadedGemmForTests(true);
    // A linalg product starts the pool (and loads linalg's own module).
    const t = allocateKernelMatrix(8, 40);
    t.data.fill(1);
    expect(gram(t, 'AAt').data[0]).toBe(40);
    const pool = runningPool();
    expect(pool?.threads).toBe(3);

    const kernels = scaleKernels();
    const x = allocateKernelMatrix(1, 1001);
    for (let i = 0; i < x.data.length; i++) x.data[i] = i;
    expect(
      runKernelOnThreads(kernels.scaleUnits, 3, { unit: 64, length: 1001, x: x.data, factor: 0.5 }),
    ).toBe(true);
    expect(runningPool()).toBe(pool); // not restarted
    for (let i = 0; i < x.data.length; i++) expect(x.data[i]).toBe(i * 0.5);
    // The counter is zeroed for every run, so a second run covers every unit again.
    runKernelOnThreads(kernels.scaleUnits, 3, { unit: 100, length: 1001, x: x.data, factor: 2 });
    for (let i = 0; i < x.data.length; i++) expect(x.data[i]).toBe(i);

    // Per-thread arguments: each thread writes its own slot.
    const out = allocateKernelMatrix(1, 3);
    runKernelOnThreads(kernels.markThread, 3, { out: out.data }, (thread) => ({ thread }));
    expect(Array.from(out.data)).toEqual([1, 2, 3]);
    expect(runKernelOnCallingThread(kernels.markThread, { out: out.data.subarray(1), thread: 0 })).toBe(true);
    expect(Array.from(out.data)).toEqual([1, 1, 3]);
    for (const m of [t, x, out]) releaseKernelMatrix(m);
  });

  it('throws a clear error, computing nothing, on a missing, misspelled, extra or doubled argument', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const kernels = scaleKernels();
    const x = allocateKernelMatrix(1, 100);
    x.data.fill(3);
    const run = (args: object, perThread?: (t: number) => object) => () =>
      runKernelOnThreads(kernels.scaleUnits, 2, args as never, perThread as never);
    expect(run({ unit: 8, length: 100, x: x.data })).toThrow(/argument factor is missing/);
    expect(run({ unit: 8, length: 100, x: x.data })).toThrow(InvalidOptionError);
    expect(run({ unit: 8, length: 100, x: x.data, factr: 2 })).toThrow(/argument factor is missing/);
    expect(run({ unit: 8, length: 100, x: x.data, factor: 2, facto: 2 })).toThrow(/has no argument facto/);
    expect(run({ unit: 8, length: 100, x: x.data, factor: 2, counter: 0 })).toThrow(
      /has no argument counter/,
    );
    expect(run({ unit: 8, length: 100, x: x.data, factor: 2 }, () => ({ unit: 4 }))).toThrow(
      /argument unit is given both/,
    );
    expect(run({ unit: 8.5, length: 100, x: x.data, factor: 2 })).toThrow(/unit must be an integer/);
    expect(run({ unit: 8, length: 100, x: x.data, factor: Number.NaN })).toThrow(/factor must be a number/);
    // An ordinary array cannot be a pointer.
    expect(run({ unit: 8, length: 100, x: new Float64Array(100), factor: 2 })).toThrow(InvalidInputError);
    expect(x.data.every((v) => v === 3)).toBe(true);
    releaseKernelMatrix(x);
  });

  it('checks declarations: against the binary when it loads, and their own shape when defined', () => {
    setLinalgBackend('wasm', { threads: 2 });
    const x = allocateKernelMatrix(1, 4);
    // One parameter short of the export: refused at load, before anything runs.
    const short = defineThreadedKernels({
      name: 'test-short',
      binaries: { simd128: scaleBase64 },
      kernels: { scaleUnits: { args: { counter: 'counter', unit: 'i32', length: 'i32', x: 'pointer' } } },
    });
    expect(() => runKernelOnThreads(short.scaleUnits, 2, { unit: 1, length: 4, x: x.data })).toThrow(
      /scaleUnits is declared with 4 arguments, but the module exports it with 5/,
    );
    const missing = defineThreadedKernels({
      name: 'test-missing',
      binaries: { simd128: scaleBase64 },
      kernels: { scale: { args: { x: 'pointer' } } },
    });
    expect(() => runKernelOnThreads(missing.scale, 2, { x: x.data })).toThrow(/does not export it/);
    const withData = defineThreadedKernels({
      name: 'test-data',
      binaries: { simd128: dataBase64 },
      kernels: { noop: { args: { x: 'i32' } } },
    });
    expect(() => runKernelOnThreads(withData.noop, 2, { x: 0 })).toThrow(/must not carry static data/);
    const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`a${i}`, 'i32' as const]));
    expect(() =>
      defineThreadedKernels({
        name: 'test-wide',
        binaries: { simd128: scaleBase64 },
        kernels: { k: { args: tooMany } },
      }),
    ).toThrow(/at most 15/);
    expect(() =>
      defineThreadedKernels({
        name: 'test-kind',
        binaries: { simd128: scaleBase64 },
        kernels: { k: { args: { x: 'u8' as 'i32' } } },
      }),
    ).toThrow(/a kind of i32, f64, pointer, counter/);
    releaseKernelMatrix(x);
  });

  it('runs warm-up calls from the declaration, and a slip in them throws', () => {
    setLinalgBackend('wasm', { threads: 2 });
    let warmUpCalls = 0;
    const warmed = defineThreadedKernels({
      name: 'test-warm-up',
      binaries: { simd128: scaleBase64 },
      warmUpBytesPerThread: 64,
      kernels: {
        markThread: {
          args: { out: 'pointer', thread: 'i32' },
          warmUp: (space, thread) => {
            warmUpCalls++;
            return { out: space.own(thread), thread: 0 };
          },
        },
      },
    });
    const out = allocateKernelMatrix(1, 2);
    runKernelOnThreads(warmed.markThread, 2, { out: out.data }, (thread) => ({ thread }));
    // Two rounds of twelve calls on each of two threads, once per module and pool.
    expect(warmUpCalls).toBe(48);
    runKernelOnThreads(warmed.markThread, 2, { out: out.data }, (thread) => ({ thread }));
    expect(warmUpCalls).toBe(48);
    expect(Array.from(out.data)).toEqual([1, 2]);
    const slip = defineThreadedKernels({
      name: 'test-warm-up-slip',
      binaries: { simd128: scaleBase64 },
      kernels: {
        markThread: {
          args: { out: 'pointer', thread: 'i32' },
          warmUp: (space, thread) => ({ out: space.own(thread), thred: 0 }) as never,
        },
      },
    });
    expect(() => runKernelOnThreads(slip.markThread, 2, { out: out.data }, (thread) => ({ thread }))).toThrow(
      /argument thread is missing/,
    );
    releaseKernelMatrix(out);
  });

  it('declines (false, nothing run) on one thread', () => {
    const kernels = scaleKernels();
    const x = allocateKernelMatrix(1, 4);
    x.data.fill(1);
    expect(runKernelOnThreads(kernels.scaleUnits, 1, { unit: 1, length: 4, x: x.data, factor: 2 })).toBe(
      false,
    );
    expect(Array.from(x.data)).toEqual([1, 1, 1, 1]);
    releaseKernelMatrix(x);
  });
});
