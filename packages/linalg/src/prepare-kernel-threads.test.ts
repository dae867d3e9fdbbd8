import { afterAll, describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { prepareKernelThreads } from './prepare-kernel-threads.js';
import { kernelThreadsRunning } from './threaded-kernels.js';
import { threadsSupported } from './threads-support.js';

describe('prepareKernelThreads', () => {
  afterAll(() => setLinalgBackend('auto'));

  it('does nothing on one thread or the JavaScript backend', () => {
    setLinalgBackend('wasm', { threads: 1 });
    expect(prepareKernelThreads()).toBe(false);
    setLinalgBackend('js');
    expect(prepareKernelThreads()).toBe(false);
  });

  it.runIf(threadsSupported())("starts the threads with linalg's kernels loaded", () => {
    setLinalgBackend('wasm', { threads: 2 });
    expect(prepareKernelThreads()).toBe(true);
    expect(kernelThreadsRunning(2)).toBe(true);
    // Again: the pool and its modules are kept.
    expect(prepareKernelThreads()).toBe(true);
  });
});
