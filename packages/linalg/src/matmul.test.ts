import { createRng, type DenseMatrix, InvalidInputError, InvalidOptionError } from '@lowrank/core';
import { afterEach, describe, expect, it } from 'vitest';
import { linalgBackend, setLinalgBackend } from './backend.js';
import { forceThreadedGemmForTests } from './gemm-dispatch.js';
import { gemmFlops, gram, matmul } from './matmul.js';

type DT = 'float64' | 'float32';

function random(rows: number, cols: number, dtype: DT = 'float64', seed = 1): DenseMatrix {
  const rng = createRng(seed + rows * 7919 + cols);
  const data = dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  return { rows, cols, data };
}

/** The textbook triple loop in float64, and the sum of |terms| per entry (to scale tolerances). */
function naive(
  a: DenseMatrix,
  b: DenseMatrix,
  ta: boolean,
  tb: boolean,
): { c: Float64Array; mag: Float64Array } {
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const n = tb ? b.rows : b.cols;
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = ta ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
        const y = tb ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!;
        s += x * y;
        t += Math.abs(x * y);
      }
      c[i * n + j] = s;
      mag[i * n + j] = t;
    }
  return { c, mag };
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  mag: ArrayLike<number>,
  relTol: number,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(mag[i]!, 1e-300));
  }
  expect(worst).toBeLessThanOrEqual(relTol);
}

// Shapes chosen to hit every edge: vectors, sizes not multiple of the 4x4 / 4x8 register tiles,
// inner dimensions crossing the 256-wide KC block, output widths crossing the 1024-wide NC block,
// and operands too big for the memcpy fast paths.
const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [1, 9, 5],
  [9, 1, 5],
  [7, 5, 1],
  [13, 17, 31],
  [33, 6, 257],
  [5, 1030, 19],
  [130, 21, 300],
  // Past the copy budgets (m > 16384 rows of a transposed A; depth > 32768): the JS-packing fallbacks.
  [16411, 2, 5],
  [3, 2, 33001],
];

const BACKENDS = ['js', 'wasm'] as const;

afterEach(() => {
  forceThreadedGemmForTests(false);
  setLinalgBackend('auto');
});

describe('matmul', () => {
  for (const backend of BACKENDS)
    for (const dtype of ['float64', 'float32'] as const)
      it(`matches the triple loop on odd shapes and all transposes (${backend}, ${dtype})`, () => {
        setLinalgBackend(backend);
        // float64: a few ulps of the summed magnitudes; float32: float32 rounding of the inputs' products.
        const tol = dtype === 'float64' ? 1e-14 : 2e-6;
        for (const [m, n, k] of SHAPES)
          for (const ta of [false, true])
            for (const tb of [false, true]) {
              const a = ta ? random(k, m, dtype, 3) : random(m, k, dtype, 3);
              const b = tb ? random(n, k, dtype, 4) : random(k, n, dtype, 4);
              const c = matmul(a, b, { transposeA: ta, transposeB: tb });
              expect([c.rows, c.cols]).toEqual([m, n]);
              expect(c.data).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
              const ref = naive(a, b, ta, tb);
              expectClose(c.data, ref.c, ref.mag, tol);
            }
      });

  it('gives the same answers on the js and wasm paths (float64 within 1e-14 of the summed magnitudes, float32 within 2e-6)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const a = random(203, 517, dtype, 8);
      const b = random(517, 45, dtype, 9);
      setLinalgBackend('js');
      const viaJs = matmul(a, b);
      const gramJs = gram(a, 'AtA');
      setLinalgBackend('wasm');
      const viaWasm = matmul(a, b);
      const gramWasm = gram(a, 'AtA');
      const ref = naive(a, b, false, false);
      const tol = dtype === 'float64' ? 1e-14 : 2e-6;
      expectClose(viaWasm.data, viaJs.data, ref.mag, tol);
      const gramMag = naive(a, a, true, false).mag;
      expectClose(gramWasm.data, gramJs.data, gramMag, tol);
    }
  });

  it('reproduces a closed form: A[i][p] = i + 1, B[p][j] = j + 1 gives C[i][j] = k (i + 1)(j + 1)', () => {
    for (const backend of BACKENDS) {
      setLinalgBackend(backend);
      const m = 37;
      const n = 11;
      const k = 300;
      const a = { rows: m, cols: k, data: new Float64Array(m * k) };
      const b = { rows: k, cols: n, data: new Float64Array(k * n) };
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a.data[i * k + p] = i + 1;
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b.data[p * n + j] = j + 1;
      const c = matmul(a, b);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) expect(c.data[i * n + j]).toBe(k * (i + 1) * (j + 1));
    }
  });

  it('computes alpha op(A) op(B) + beta C into out', () => {
    for (const backend of BACKENDS) {
      setLinalgBackend(backend);
      const a = random(40, 30, 'float64', 5);
      const b = random(40, 50, 'float64', 6);
      const start = random(30, 50, 'float64', 7);
      const out = { rows: 30, cols: 50, data: start.data.slice() };
      const returned = matmul(a, b, { transposeA: true, out, alpha: -2, beta: 0.5 });
      expect(returned).toBe(out);
      const ref = naive(a, b, true, false);
      const expected = ref.c.map((v, i) => -2 * v + 0.5 * start.data[i]!);
      expectClose(
        out.data,
        expected,
        ref.mag.map((v) => 2 * v + 1),
        1e-14,
      );
    }
  });

  it('beta 0 discards NaN left in out', () => {
    const out = { rows: 2, cols: 2, data: new Float64Array([Number.NaN, 1, 2, 3]) };
    matmul(
      { rows: 2, cols: 1, data: new Float64Array([1, 2]) },
      { rows: 1, cols: 2, data: new Float64Array([3, 4]) },
      { out },
    );
    expect(Array.from(out.data)).toEqual([3, 4, 6, 8]);
  });

  it('rejects mismatched shapes, dtypes, beta without out, and out overlapping an operand', () => {
    const a = random(3, 4);
    expect(() => matmul(a, random(3, 2))).toThrow(InvalidInputError);
    expect(() => matmul(a, random(3, 2), { transposeA: true })).not.toThrow();
    expect(() => matmul(a, random(4, 2, 'float32'))).toThrow(/dtype/);
    expect(() => matmul(a, random(4, 2), { beta: 1 })).toThrow(InvalidOptionError);
    expect(() => matmul(a, random(4, 2), { out: random(3, 3) })).toThrow(/output is 3 x 3/);
    const square = random(4, 4);
    expect(() => matmul(square, random(4, 4), { out: square })).toThrow(/shares memory/);
  });

  it('handles empty inner dimension as a zero product', () => {
    const c = matmul(
      { rows: 3, cols: 0, data: new Float64Array(0) },
      { rows: 0, cols: 2, data: new Float64Array(0) },
    );
    expect(Array.from(c.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts flops', () => {
    expect(gemmFlops(2, 3, 4)).toBe(48);
  });
});

describe('gram', () => {
  for (const backend of BACKENDS)
    for (const dtype of ['float64', 'float32'] as const)
      it(`is symmetric and equals A^T A / A A^T (${backend}, ${dtype})`, () => {
        setLinalgBackend(backend);
        const tol = dtype === 'float64' ? 1e-14 : 2e-6;
        for (const [rows, cols] of [
          [1, 1],
          [7, 3],
          [3, 7],
          [301, 37],
          [37, 301],
          [5, 1030],
        ] as const) {
          const a = random(rows, cols, dtype, 11);
          for (const side of ['AtA', 'AAt'] as const) {
            const g = gram(a, side);
            const ref = side === 'AtA' ? naive(a, a, true, false) : naive(a, a, false, true);
            const size = side === 'AtA' ? cols : rows;
            expect([g.rows, g.cols]).toEqual([size, size]);
            expectClose(g.data, ref.c, ref.mag, tol);
            let asymmetric = 0;
            for (let i = 0; i < size; i++)
              for (let j = 0; j < i; j++) if (g.data[i * size + j] !== g.data[j * size + i]) asymmetric++;
            expect(asymmetric).toBe(0);
          }
        }
      });

  it('rejects an unknown side', () => {
    expect(() => gram(random(2, 2), 'AB' as 'AtA')).toThrow(InvalidOptionError);
  });
});

describe('threaded WebAssembly path', () => {
  it('matches the triple loop on odd shapes, transposes, Gram and alpha/beta (2 and 3 threads)', () => {
    forceThreadedGemmForTests(true);
    for (const threads of [2, 3]) {
      for (const dtype of ['float64', 'float32'] as const) {
        const tol = dtype === 'float64' ? 1e-14 : 2e-6;
        // 260 x 8320: wider than 32 times its height, so split by columns although over 256 rows.
        for (const [m, n, k] of [...SHAPES, [301, 37, 260] as const, [260, 8320, 5] as const]) {
          for (const ta of [false, true]) {
            const a = ta ? random(k, m, dtype, 21) : random(m, k, dtype, 21);
            const b = random(k, n, dtype, 22);
            setLinalgBackend('wasm', { threads });
            const c = matmul(a, b, { transposeA: ta });
            const ref = naive(a, b, ta, false);
            expectClose(c.data, ref.c, ref.mag, tol);
          }
          if (k > 2000) continue; // its Gram matrix would be k x k
          const g = random(m, k, dtype, 23);
          setLinalgBackend('wasm', { threads });
          const viaThreads = gram(g, 'AtA');
          const ref = naive(g, g, true, false);
          expectClose(viaThreads.data, ref.c, ref.mag, tol);
          // Its A A^T would be n x n (8320^2 for the widest shape: half a gigabyte and minutes of
          // triple loop, which says nothing the other shapes do not).
          if (n > 2000) continue;
          // A A^T: the rows run along k, so both operands take the transposing pack paths.
          const wide = random(n, k, dtype, 27);
          const wideGram = gram(wide, 'AAt');
          const wideRef = naive(wide, wide, false, true);
          expectClose(wideGram.data, wideRef.c, wideRef.mag, tol);
        }
        const out = random(13, 17, dtype, 24);
        const start = Float64Array.from(out.data);
        const a = random(13, 31, dtype, 25);
        const b = random(17, 31, dtype, 26);
        setLinalgBackend('wasm', { threads });
        matmul(a, b, { transposeB: true, out, alpha: 3, beta: -1 });
        const ref = naive(a, b, false, true);
        expectClose(
          out.data,
          ref.c.map((v, i) => 3 * v - start[i]!),
          ref.mag.map((v, i) => 3 * v + Math.abs(start[i]!)),
          tol,
        );
      }
    }
    expect(linalgBackend().threads).toBe(3);
  });
});

describe('backend selection', () => {
  it('reports the path in use and rejects unknown choices', () => {
    setLinalgBackend('js', { threads: 2 });
    expect(linalgBackend()).toEqual({ simd: false, threads: 1, name: 'js' });
    setLinalgBackend('wasm');
    expect(linalgBackend()).toMatchObject({ simd: true });
    expect(linalgBackend().name).toMatch(/^wasm-(relaxed-simd|simd128)$/);
    expect(() => setLinalgBackend('gpu' as 'js')).toThrow(InvalidOptionError);
    expect(() => setLinalgBackend('js', { threads: 0 })).toThrow(InvalidOptionError);
  });
});
