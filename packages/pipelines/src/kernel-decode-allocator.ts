import type { DenseMatrix } from '@lowrank/core';
import { allocateKernelMatrix, releaseKernelMatrix, releaseKernelMatrixWhenCollected } from '@lowrank/linalg';

/**
 * Storage for a video decoded into linalg's kernel memory (readVideoMatrix's `allocate` option), so
 * that the methods' threads read it where it is, holding one copy of the frames however the
 * header counted them.
 *
 * When a header over-counts the frames (the highway AVI says 750 for 748), readVideoMatrix asks
 * for a second, exact array and copies the frames into it. The kernel memory never shrinks, so a
 * second array would leave the first one's pages resident beside it (one more copy of the video
 * for the rest of the run). Here the exact array is a view at the first one's address: the copy is
 * onto itself. Arrays the decode stopped using (a header that under-counted makes it grow) are
 * released when it ends; the result's array frees itself once garbage-collected.
 */
export class KernelDecodeAllocator {
  readonly #handed: DenseMatrix<Float64Array>[] = [];

  /** readVideoMatrix's `allocate`: a fresh zero-filled array, or a shorter view of the last one. */
  allocate(length: number): Float64Array {
    const last = this.#handed.at(-1);
    if (last && length <= last.data.length)
      return new Float64Array(last.data.buffer, last.data.byteOffset, length);
    const matrix = allocateKernelMatrix(1, length);
    this.#handed.push(matrix);
    return matrix.data;
  }

  /**
   * The decode is over: `result` (the decoded matrix's array, undefined after an error) is left to
   * the collector, everything else handed out is released now.
   */
  settle(result: Float64Array | undefined): void {
    for (const matrix of this.#handed.splice(0)) {
      const holdsResult =
        result !== undefined &&
        matrix.data.buffer === result.buffer &&
        matrix.data.byteOffset === result.byteOffset;
      if (holdsResult) releaseKernelMatrixWhenCollected({ rows: 1, cols: result.length, data: result });
      else releaseKernelMatrix(matrix);
    }
  }
}
