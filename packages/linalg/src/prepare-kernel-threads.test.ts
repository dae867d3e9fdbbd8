import { afterAll, describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { forceThreadedGemmForTests } from './gemm-dispatch.js';
import { allocateKernelMatrix, releaseKernelMatrix } from './kernel-memory.js';
import { matmul } from './matmul.js';
import { prepareKernelThreads, spawnKernelThreads } from './prepare-kernel-threads.js';
import { kernelThreadsRunning } from './threaded-kernels.js';
import { threadsSupported } from './threads-support.js';

describe('prepareKernelThreads', () => {
  afterAll(() => setLinalgBackend('auto'));

  it('does nothing on one thread or the JavaScript backend', () => {
    setLinalgBackend('wasm', { threads: 1 });
    expect(prepareKernelThreads()).toBe(false);
    setLinalgBackend('js');
    expect(prepareKernelThreads()).toBe(false);
    expect(spawnKernelThreads()).toBe(false);
  });

  it.runIf(threadsSupported())("starts the threads with linalg's kernels loaded", () => {
    setLinalgBackend('wasm', { threads: 2 });
    expect(prepareKernelThreads()).toBe(true);
    expect(kernelThreadsRunning(2)).toBe(true);
    // Again: the pool and its modules are kept.
    expect(prepareKernelThreads()).toBe(true);
  });

  it.runIf(threadsSupported())(
    'spawns the workers without waiting; the first threaded product takes them over, on the same memory',
    () => {
      setLinalgBackend('js'); // no pool, no spawned workers
      setLinalgBackend('wasm', { threads: 2 });
      expect(spawnKernelThreads()).toBe(true);
      expect(kernelThreadsRunning(2)).toBe(false);
      // A kernel matrix allocated and released meanwhile must not take the memory from under them.
      releaseKernelMatrix(allocateKernelMatrix(10, 10));
      const a = allocateKernelMatrix(64, 512);
      for (let i = 0; i < a.data.length; i++) a.data[i] = ((i * 7) % 13) - 6;
      try {
        expect(prepareKernelThreads()).toBe(true);
        expect(kernelThreadsRunning(2)).toBe(true);
        forceThreadedGemmForTests(true); // the workers compute half of it, in their memory
        const threaded = matmul(a, a, { transposeB: true }).data;
        forceThreadedGemmForTests(false);
        setLinalgBackend('js');
        const plain = matmul({ rows: 64, cols: 512, data: Float64Array.from(a.data) }, a, {
          transposeB: true,
        }).data;
        expect(Array.from(threaded)).toEqual(Array.from(plain));
      } finally {
        releaseKernelMatrix(a);
      }
    },
  );
});
