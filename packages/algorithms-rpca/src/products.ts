import type { DenseMatrix } from '@lowrank/core';
import { gram, matmul, symmetricEigen } from '@lowrank/linalg';
import { type DenseProducts, javascriptProducts } from './dense-products.js';

/** @lowrank/linalg's kernels (WebAssembly SIMD, threads for large products; JavaScript where those are unavailable). */
export const linalgProducts: DenseProducts = {
  smallGram(a, out) {
    const g = gram(a, a.rows <= a.cols ? 'AAt' : 'AtA') as DenseMatrix<Float64Array>;
    if (out && out.length >= g.data.length) {
      out.set(g.data);
      return { rows: g.rows, cols: g.cols, data: out.subarray(0, g.data.length) };
    }
    return g;
  },
  matmul(a, b, { transposeA, transposeB, out, accumulate }) {
    const rows = transposeA ? a.cols : a.rows;
    const cols = transposeB ? b.rows : b.cols;
    const target = out ? { rows, cols, data: out.subarray(0, rows * cols) } : undefined;
    return matmul(a, b, {
      transposeA,
      transposeB,
      ...(target ? { out: target, beta: accumulate ? 1 : 0 } : {}),
    }) as DenseMatrix<Float64Array>;
  },
  symmetricEigen(a, vectorsAbove) {
    return symmetricEigen(a, vectorsAbove === undefined ? {} : { vectorsAbove });
  },
};

/** The fastest available dense products: @lowrank/linalg's (javascriptProducts stays as a test reference). */
export function defaultProducts(): Promise<DenseProducts> {
  return Promise.resolve(linalgProducts ?? javascriptProducts);
}
