export {
  type LinalgBackendChoice,
  type LinalgBackendInfo,
  linalgBackend,
  setLinalgBackend,
} from './backend.js';
export { type OrthonormalBasisOptions, orthonormalBasis } from './cholesky-qr2.js';
export { axpby, frobeniusNorm, maxAbs, softThreshold } from './elementwise.js';
export { orthonormalizeColumns, qrThin } from './householder-qr.js';
export {
  allocateCollectedKernelArray,
  allocateKernelMatrix,
  isKernelArray,
  isKernelMatrix,
  kernelMatrixBytes,
  releaseKernelMatrix,
  releaseKernelMatrixWhenCollected,
} from './kernel-memory.js';
export { type LuFactors, luFactor, luPermutedLower } from './lu-permuted-lower.js';
export { gemmFlops, gram, type MatmulOptions, matmul } from './matmul.js';
export { prefaultKernelMatrix } from './prefault-kernel-matrix.js';
export { prepareKernelThreads, spawnKernelThreads } from './prepare-kernel-threads.js';
export { finiteSumOfSquares, sumOfSquares } from './sum-of-squares.js';
export {
  type SymmetricEigenOptions,
  type SymmetricEigenResult,
  symmetricEigen,
  symmetricTridiagonalEigen,
} from './symmetric-eigen.js';
export {
  defineThreadedKernels,
  type KernelArgumentKind,
  type KernelArguments,
  type KernelArray,
  runKernelOnCallingThread,
  runKernelOnThreads,
  type ThreadedKernel,
  type ThreadedKernelDeclaration,
  type ThreadedKernelModuleDeclaration,
  type WarmUpSpace,
} from './threaded-kernels.js';
export { threadsSupported } from './threads-support.js';
