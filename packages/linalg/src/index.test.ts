import { describe, expect, it } from 'vitest';
import * as linalg from './index.js';

describe('@lowrank/linalg public API', () => {
  it('exports exactly these values (types are checked by the compiler)', () => {
    expect(Object.keys(linalg).sort()).toEqual([
      'allocateCollectedKernelArray',
      'allocateKernelMatrix',
      'axpby',
      'defineThreadedKernels',
      'finiteSumOfSquares',
      'frobeniusNorm',
      'gemmFlops',
      'gram',
      'isKernelArray',
      'isKernelMatrix',
      'kernelMatrixBytes',
      'linalgBackend',
      'luFactor',
      'luPermutedLower',
      'matmul',
      'maxAbs',
      'orthonormalBasis',
      'orthonormalizeColumns',
      'prefaultKernelMatrix',
      'prepareKernelThreads',
      'qrThin',
      'releaseKernelMatrix',
      'releaseKernelMatrixWhenCollected',
      'runKernelOnCallingThread',
      'runKernelOnThreads',
      'setLinalgBackend',
      'softThreshold',
      'spawnKernelThreads',
      'sumOfSquares',
      'symmetricEigen',
      'symmetricTridiagonalEigen',
      'threadsSupported',
    ]);
  });
});
