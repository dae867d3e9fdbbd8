// biome-ignore-all assist/source/organizeImports: helpers append one re-export each; keep the order.
export * from './backend.js';
export * from './matmul.js';
export * from './householder-qr.js';
export * from './lu-permuted-lower.js';
export * from './elementwise.js';
export * from './symmetric-eigen.js';
export {
  allocateCollectedKernelArray,
  allocateKernelMatrix,
  isKernelMatrix,
  kernelMatrixBytes,
  releaseKernelMatrix,
  releaseKernelMatrixWhenCollected,
} from './gemm-threads.js';
export * from './pcp-passes.js';
