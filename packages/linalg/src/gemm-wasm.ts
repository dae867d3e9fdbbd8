import type { MatrixData } from '@lowrank/core';
import { type GemmProblem, type StridedOperand, scaleOutput } from './gemm-js.js';
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from './generated/gemm-wasm-binary.js';
import { pickKernelBinary } from './wasm-features.js';

/**
 * GEMM on the WebAssembly SIMD kernels of assembly/gemm-kernels.ts (GotoBLAS layout).
 * JavaScript packs blocks of op(A) (MC x KC, 4-row panels) and op(B) (KC x NC, NR-column panels)
 * straight from the caller's strided arrays into the module's memory; the module sweeps
 * register-blocked micro-kernels over them, accumulating a block of C kept in its memory; JavaScript
 * copies that block out. Packing doubles as the copy into WebAssembly memory, so the caller's
 * (non-shared) arrays are never copied whole: peak extra memory is a few MB plus one C block.
 */
/** The slice of the WebAssembly JS API we use (the ES2022 lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

interface Kernels {
  readonly memory: WasmMemory;
  readonly dgemmBlock: BlockKernel;
  readonly sgemmBlock: BlockKernel;
  readonly dgemmBlockRowsA: RowsAKernel;
  readonly sgemmBlockRowsA: RowsAKernel;
  readonly dpackTransposedA: PackKernel;
  readonly spackTransposedA: PackKernel;
  /** assembly/lu-panels.ts: LU with partial pivoting in place (w, m, n, perm, one row of scratch). */
  readonly dluRows: (w: number, m: number, n: number, perm: number, tmp: number) => void;
}

type PackKernel = (src: number, ld: number, i0: number, mc: number, kc: number, dst: number) => void;

type RowsAKernel = (
  mc: number,
  nc: number,
  kc: number,
  a: number,
  ldaBytes: number,
  bp: number,
  cp: number,
  ldc: number,
) => void;

export type BlockKernel = (
  mc: number,
  nc: number,
  kc: number,
  ap: number,
  bp: number,
  cp: number,
  ldc: number,
  upperOnly: number,
  diag: number,
  /** 1: store into C instead of adding (the first k-block of a product whose C was not cleared). */
  overwrite: number,
) => void;

let kernels: Kernels | null | undefined;

function loadKernels(): Kernels | null {
  if (kernels !== undefined) return kernels;
  try {
    // Synchronous compile: the module is ~1 KB, well under browsers' main-thread limit.
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) {
      kernels = null;
      return kernels;
    }
    const module = new api.Module(pickKernelBinary(GEMM_WASM_BASE64, GEMM_RELAXED_WASM_BASE64));
    const instance = new api.Instance(module, {});
    const e = instance.exports as unknown as Kernels;
    warmUpKernels(e);
    kernels = e;
  } catch {
    // No WebAssembly, or no simd128 (validation fails): the portable path takes over.
    kernels = null;
  }
  return kernels;
}

/**
 * A dozen tiny block products so V8 optimizes the kernels before the first real product, which
 * would otherwise start in its baseline compiler (see threaded-kernels.ts's warmUp).
 */
function warmUpKernels(k: Kernels): void {
  const size = 16;
  const bytes = size * size * 8;
  const needed = HEAP_BASE + 3 * bytes;
  if (k.memory.buffer.byteLength < needed)
    k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / 65536));
  for (let call = 0; call < 12; call++) {
    k.dgemmBlock(size, size, size, HEAP_BASE, HEAP_BASE + bytes, HEAP_BASE + 2 * bytes, size, 0, 0, 0);
    k.sgemmBlock(size, size, size, HEAP_BASE, HEAP_BASE + bytes, HEAP_BASE + 2 * bytes, size, 0, 0, 0);
  }
}

/**
 * Gaussian elimination with partial pivoting of the row-major m x n matrix `source` (float32 or
 * float64, left untouched), on the module's kernel (the same operations as
 * lu-permuted-lower.ts's JavaScript, so the same bits): returns perm (row i of L U is row perm[i]
 * of the input) and w, the factored matrix (multipliers below the diagonal, U on and above it) as
 * a view of the module's memory, valid until the next kernel call; null without the kernels.
 */
export function luRowsWasm(
  source: MatrixData,
  m: number,
  n: number,
): { perm: Int32Array; w: Float64Array } | null {
  const k = loadKernels();
  if (k === null) return null;
  const wBytes = roundUp(m * n * 8, 64);
  const permPtr = HEAP_BASE + wBytes;
  const tmpPtr = permPtr + roundUp(m * 4, 64);
  const needed = tmpPtr + n * 8;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const buffer = k.memory.buffer;
  // The module's memory is reused call after call: no fresh pages to fault in, unlike a new array.
  const w = new Float64Array(buffer, HEAP_BASE, m * n);
  w.set(source.subarray(0, m * n));
  k.dluRows(HEAP_BASE, m, n, permPtr, tmpPtr);
  return { perm: new Int32Array(buffer, permPtr, m).slice(), w };
}

/** True when the SIMD kernels compiled and instantiated in this runtime. */
export function wasmKernelsAvailable(): boolean {
  return loadKernels() !== null;
}

const MR = 4;
const KC = 256;
const MC = 128;
const NC = 1024;
/** Elements of C kept in WebAssembly memory at once (32 MB in float64). */
const C_BLOCK_ELEMENTS = 4 << 20;
/** Byte offset where our buffers start (below it: whatever the AssemblyScript runtime reserves). */
const HEAP_BASE = 65536;

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

export function gemmWasm(p: GemmProblem): void {
  const k = loadKernels();
  if (k === null) throw new Error('WebAssembly kernels are not available.');
  const { m, n, a, b, c, cOffset, ldc, alpha, beta } = p;
  const depth = p.k;
  const f32 = c instanceof Float32Array;
  const esize = f32 ? 4 : 8;
  const NR = f32 ? 8 : 4;
  const kernel = f32 ? k.sgemmBlock : k.dgemmBlock;
  const packTransposed = f32 ? k.spackTransposedA : k.dpackTransposedA;
  const upperOnly = p.upperOnly === true;
  const direct = beta === 0 && alpha === 1;
  if (!direct) scaleOutput(c, cOffset, ldc, m, n, beta);
  if (m === 0 || n === 0) return;
  if (depth === 0 || alpha === 0) {
    if (direct) scaleOutput(c, cOffset, ldc, m, n, 0);
    return;
  }

  const nPad = roundUp(n, NR);
  if (!upperOnly && a.colStride === 1 && depth * nPad <= WHOLE_B_ELEMENTS && MC * depth <= A_ROWS_ELEMENTS) {
    gemmRowsOfA(p, k, f32, nPad, direct);
    return;
  }
  const ncMax = Math.min(NC, nPad);
  const kcMax = Math.min(KC, depth);
  const mcMax = Math.min(MC, roundUp(m, MR));
  const blockRows = Math.min(roundUp(m, MR), Math.max(mcMax, Math.floor(C_BLOCK_ELEMENTS / nPad / MC) * MC));
  const aElems = mcMax * kcMax;
  const bElems = kcMax * ncMax;
  const cElems = blockRows * nPad;
  // op(A) = A^T: stored rows of A are copied into the module a KC-row chunk at a time (memcpy) and
  // packed there by SIMD code, instead of element by element in JavaScript.
  const rawTransposed = a.rowStride === 1 && KC * m <= RAW_CHUNK_ELEMENTS;
  const rawElems = rawTransposed ? kcMax * m + 2 * MR : 0;
  const aPtr = HEAP_BASE;
  const bPtr = aPtr + roundUp(aElems * esize, 64);
  const rawPtr = bPtr + roundUp(bElems * esize, 64);
  const cPtr = rawPtr + roundUp(rawElems * esize, 64);
  const needed = cPtr + cElems * esize;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const buffer = k.memory.buffer;
  const heap: MatrixData = f32 ? new Float32Array(buffer) : new Float64Array(buffer);
  const aOff = aPtr / esize;
  const bOff = bPtr / esize;
  const cOff = cPtr / esize;

  for (let ib = 0; ib < m; ib += blockRows) {
    const mb = Math.min(blockRows, m - ib);
    heap.fill(0, cOff, cOff + roundUp(mb, MR) * nPad);
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      const ncPad = roundUp(nc, NR);
      if (upperOnly && jc + ncPad <= ib) continue;
      for (let pc = 0; pc < depth; pc += KC) {
        const kc = Math.min(KC, depth - pc);
        packB(b, pc, kc, jc, nc, NR, heap, bOff);
        if (rawTransposed) {
          const rawOff = rawPtr / esize;
          for (let r = 0; r < kc; r++) {
            const from = a.offset + (pc + r) * a.colStride;
            heap.set(a.data.subarray(from, from + m), rawOff + r * m);
          }
        }
        for (let ic = ib; ic < ib + mb; ic += MC) {
          const mc = Math.min(MC, ib + mb - ic);
          if (upperOnly && jc + ncPad <= ic) continue;
          // Columns past m (up to the next multiple of 4) read neighbouring values; their C rows are discarded.
          if (rawTransposed) packTransposed(rawPtr, m, ic, roundUp(mc, MR), kc, aPtr);
          else packA(a, ic, mc, pc, kc, heap, aOff);
          const cBlock = cPtr + ((ic - ib) * nPad + jc) * esize;
          kernel(roundUp(mc, MR), ncPad, kc, aPtr, bPtr, cBlock, nPad, upperOnly ? 1 : 0, jc - ic, 0);
        }
      }
    }
    for (let i = 0; i < mb; i++) {
      const src = cOff + i * nPad;
      const dst = cOffset + (ib + i) * ldc;
      if (direct) c.set(heap.subarray(src, src + n), dst);
      else for (let j = 0; j < n; j++) c[dst + j] = c[dst + j]! + alpha * heap[src + j]!;
    }
  }
}

/** Budgets for the unpacked-A path: op(B) packed whole, and MC rows of A copied at once. */
const WHOLE_B_ELEMENTS = 4 << 20;
/** Largest KC-row chunk of a transposed A copied into the module at once. */
const RAW_CHUNK_ELEMENTS = 4 << 20;
const A_ROWS_ELEMENTS = 4 << 20;

/**
 * op(A) = A with contiguous rows (the tall-skinny A·B of randomized SVD): op(B) is packed once,
 * rows of A are memcpy'd into the module 128 at a time and read there unpacked, saving the
 * per-element JavaScript packing loop over the big operand.
 */
function gemmRowsOfA(p: GemmProblem, k: Kernels, f32: boolean, nPad: number, direct: boolean): void {
  const { m, n, a, b, c, cOffset, ldc, alpha } = p;
  const depth = p.k;
  const esize = f32 ? 4 : 8;
  const NR = f32 ? 8 : 4;
  const kernel = f32 ? k.sgemmBlockRowsA : k.dgemmBlockRowsA;
  const blockRows = Math.min(roundUp(m, MR), Math.max(MC, Math.floor(C_BLOCK_ELEMENTS / nPad / MC) * MC));
  const bPtr = HEAP_BASE;
  const aPtr = bPtr + roundUp(depth * nPad * esize, 64);
  const cPtr = aPtr + roundUp((MC + MR) * depth * esize, 64);
  const needed = cPtr + blockRows * nPad * esize;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / 65536));
  const heap: MatrixData = f32 ? new Float32Array(k.memory.buffer) : new Float64Array(k.memory.buffer);
  const aOff = aPtr / esize;
  const cOff = cPtr / esize;
  for (let pc = 0; pc < depth; pc += KC)
    packB(b, pc, Math.min(KC, depth - pc), 0, n, NR, heap, bPtr / esize + pc * nPad);
  const src = a.data;
  const lda = a.rowStride;
  for (let ib = 0; ib < m; ib += blockRows) {
    const mb = Math.min(blockRows, m - ib);
    heap.fill(0, cOff, cOff + roundUp(mb, MR) * nPad);
    for (let ic = ib; ic < ib + mb; ic += MC) {
      const mc = Math.min(MC, ib + mb - ic);
      const first = a.offset + ic * lda;
      if (lda === depth) heap.set(src.subarray(first, first + mc * depth), aOff);
      else
        for (let r = 0; r < mc; r++)
          heap.set(src.subarray(first + r * lda, first + r * lda + depth), aOff + r * depth);
      // Rows past the end of A (up to the next multiple of 4) read stale memory; their C rows are discarded.
      for (let pc = 0; pc < depth; pc += KC) {
        const kc = Math.min(KC, depth - pc);
        kernel(
          roundUp(mc, MR),
          nPad,
          kc,
          aPtr + pc * esize,
          depth * esize,
          bPtr + pc * nPad * esize,
          cPtr + (ic - ib) * nPad * esize,
          nPad,
        );
      }
    }
    for (let i = 0; i < mb; i++) {
      const from = cOff + i * nPad;
      const dst = cOffset + (ib + i) * ldc;
      if (direct) c.set(heap.subarray(from, from + n), dst);
      else for (let j = 0; j < n; j++) c[dst + j] = c[dst + j]! + alpha * heap[from + j]!;
    }
  }
}

/** op(A)[i0 : i0 + mc, p0 : p0 + kc] into 4-row panels (zero-padded), panel ir at dst + ir * kc. */
function packA(
  a: StridedOperand,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
  dst: MatrixData,
  dOff: number,
): void {
  const src = a.data;
  const rs = a.rowStride;
  const cs = a.colStride;
  if (rs === 1 && mc % MR === 0) {
    // op(A) = A^T: walk each stored row of A sequentially (strided walks defeat the prefetcher).
    for (let kk = 0; kk < kc; kk++) {
      const s = a.offset + i0 + (p0 + kk) * cs;
      let q = dOff + kk * MR;
      for (let ir = 0; ir < mc; ir += MR, q += MR * kc) {
        dst[q] = src[s + ir]!;
        dst[q + 1] = src[s + ir + 1]!;
        dst[q + 2] = src[s + ir + 2]!;
        dst[q + 3] = src[s + ir + 3]!;
      }
    }
    return;
  }
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    let q = dOff + ir * kc;
    let s = a.offset + (i0 + ir) * rs + p0 * cs;
    if (rows === MR) {
      const s1 = rs;
      const s2 = 2 * rs;
      const s3 = 3 * rs;
      for (let kk = 0; kk < kc; kk++, q += 4, s += cs) {
        dst[q] = src[s]!;
        dst[q + 1] = src[s + s1]!;
        dst[q + 2] = src[s + s2]!;
        dst[q + 3] = src[s + s3]!;
      }
    } else {
      for (let kk = 0; kk < kc; kk++, q += 4, s += cs) {
        for (let r = 0; r < MR; r++) dst[q + r] = r < rows ? src[s + r * rs]! : 0;
      }
    }
  }
}

/** op(B)[p0 : p0 + kc, j0 : j0 + nc] into NR-column panels (zero-padded), panel jr at dst + jr * kc. */
function packB(
  b: StridedOperand,
  p0: number,
  kc: number,
  j0: number,
  nc: number,
  nr: number,
  dst: MatrixData,
  dOff: number,
): void {
  const src = b.data;
  const rs = b.rowStride;
  const cs = b.colStride;
  for (let jr = 0; jr < nc; jr += nr) {
    const cols = Math.min(nr, nc - jr);
    let q = dOff + jr * kc;
    let s = b.offset + p0 * rs + (j0 + jr) * cs;
    if (cs === 1 && cols === nr) {
      for (let kk = 0; kk < kc; kk++, q += nr, s += rs) {
        for (let t = 0; t < nr; t++) dst[q + t] = src[s + t]!;
      }
    } else if (rs === 1) {
      // op(B) = B^T: walk each stored row of B (a column of op(B)) sequentially.
      for (let t = 0; t < nr; t++) {
        if (t >= cols) {
          for (let kk = 0; kk < kc; kk++) dst[q + kk * nr + t] = 0;
          continue;
        }
        const col = s + t * cs;
        for (let kk = 0; kk < kc; kk++) dst[q + kk * nr + t] = src[col + kk]!;
      }
    } else {
      for (let kk = 0; kk < kc; kk++, q += nr, s += rs) {
        for (let t = 0; t < nr; t++) dst[q + t] = t < cols ? src[s + t * cs]! : 0;
      }
    }
  }
}
