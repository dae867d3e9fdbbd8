import { createRng, type DenseMatrix } from '@lowrank/core';
import { describe, expect, it } from 'vitest';
import { setLinalgBackend } from './backend.js';
import { symmetricEigen, symmetricTridiagonalEigen } from './symmetric-eigen.js';
import { threadsSupported } from './threads-support.js';

function randomSymmetric(n: number, seed: number): DenseMatrix<Float64Array> {
  const rng = createRng(seed);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const v = rng.normal();
      data[i * n + j] = v;
      data[j * n + i] = v;
    }
  return { rows: n, cols: n, data };
}

function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |V^T V - I| and max |A V - V diag(values)| / max |A|. */
function residuals(
  a: DenseMatrix,
  values: Float64Array,
  v: DenseMatrix,
): { orthogonality: number; residual: number } {
  const n = a.rows;
  let orthogonality = 0;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += v.data[r * n + i]! * v.data[r * n + j]!;
      orthogonality = Math.max(orthogonality, Math.abs(s - (i === j ? 1 : 0)));
    }
  let residual = 0;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += a.data[i * n + r]! * v.data[r * n + j]!;
      residual = Math.max(residual, Math.abs(s - values[j]! * v.data[i * n + j]!));
    }
  return { orthogonality, residual: residual / Math.max(maxAbsOf(a.data), Number.MIN_VALUE) };
}

describe('symmetricEigen', () => {
  it.runIf(threadsSupported())(
    'gives the same decomposition with the symmetric products on two threads as in JavaScript (n = 301)',
    () => {
      // 301: rows split between the threads at an odd place, and trailing sizes cross the
      // threaded path's lower bound (128) on the way down.
      const a = randomSymmetric(301, 17);
      try {
        setLinalgBackend('auto', { threads: 1 });
        const plain = symmetricEigen(a);
        setLinalgBackend('auto', { threads: 2 });
        const threaded = symmetricEigen(a);
        const scale = maxAbsOf(plain.values);
        for (let i = 0; i < a.rows; i++)
          expect(Math.abs(threaded.values[i]! - plain.values[i]!)).toBeLessThan(1e-13 * scale);
        const r = residuals(a, threaded.values, threaded.vectors);
        expect(r.orthogonality).toBeLessThan(1e-12);
        expect(r.residual).toBeLessThan(1e-12);
      } finally {
        setLinalgBackend('auto');
      }
    },
  );

  it('solves a 2 x 2 matrix in closed form', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/sqrt2 and (1, -1)/sqrt2.
    const { values, vectors } = symmetricEigen({ rows: 2, cols: 2, data: Float64Array.of(2, 1, 1, 2) });
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors.data[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors.data[0]! * vectors.data[2]!).toBeCloseTo(0.5, 14);
    expect(vectors.data[1]! * vectors.data[3]!).toBeCloseTo(-0.5, 14);
  });

  it('handles 0 x 0, 1 x 1, the zero matrix and diagonal matrices', () => {
    expect(symmetricEigen({ rows: 0, cols: 0, data: new Float64Array(0) }).values.length).toBe(0);
    expect(Array.from(symmetricEigen({ rows: 1, cols: 1, data: Float64Array.of(-4) }).values)).toEqual([-4]);
    const zero = symmetricEigen({ rows: 3, cols: 3, data: new Float64Array(9) });
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    expect(
      residuals({ rows: 3, cols: 3, data: new Float64Array(9) }, zero.values, zero.vectors).orthogonality,
    ).toBe(0);
    const n = 50;
    const diag = new Float64Array(n * n);
    for (let i = 0; i < n; i++) diag[i * n + i] = ((i * 37) % n) - 20;
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data: diag });
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - (29 - i))).toBeLessThan(1e-13);
    expect(residuals({ rows: n, cols: n, data: diag }, values, vectors).residual).toBeLessThan(1e-15);
  });

  it('matches the closed form of the second-difference matrix, 2 - 2 cos(k pi / (n + 1))', () => {
    for (const n of [7, 33, 200]) {
      const data = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        data[i * n + i] = 2;
        if (i + 1 < n) data[i * n + i + 1] = data[(i + 1) * n + i] = -1;
      }
      const { values, vectors } = symmetricEigen({ rows: n, cols: n, data });
      for (let k = 1; k <= n; k++)
        expect(Math.abs(values[n - k]! - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-13);
      const r = residuals({ rows: n, cols: n, data }, values, vectors);
      expect(r.orthogonality).toBeLessThan(1e-13);
      expect(r.residual).toBeLessThan(1e-13);
    }
  });

  it('matches numpy eigvalsh on a 60 x 60 matrix (divide and conquer path)', () => {
    // /usr/bin/python3 -c "import numpy as np; n=60; i=np.arange(n); A=np.cos(np.outer(i,i)*0.1)+np.diag(i/10); print(np.linalg.eigvalsh(A)[::-1].tolist())"
    const numpy = [
      11.511337400139185, 11.395043741986813, 11.322123921897349, 11.26663807154651, 11.21509351980108,
      11.163385960518196, 11.11112261736279, 11.058273123033475, 11.004815225652063, 10.950725278038556,
      10.895978017963136, 10.84054640751043, 9.915937910437643, 8.16685965436401, 7.583840125064314,
      5.6285624481727, 5.194718760757665, 5.1808682832962, 5.168148650719981, 5.156629995640987,
      5.146449156381525, 5.137959908250173, 5.135097709603216, 5.1309725864593565, 5.124758761525384,
      5.116611319624356, 5.105657255517133, 5.0900278357505355, 3.746204899422504, 3.0684992660525,
      2.8996460547310487, 1.1913865254519518, 1.1762164017009407, 1.1655703691548942, 1.1576099394954342,
      1.152094954361803, 1.1484756474658975, 1.1412388440441026, 1.1325806251089516, 1.1318260706531247,
      1.120952434954836, 1.1088215650482756, 1.0955302611139155, 1.0811296347805885, -4.143067774954819,
      -4.258118031200149, -4.529379684625556, -4.585164213392845, -4.640250151114371, -4.694665490191973,
      -4.748436359398008, -4.801587194484631, -4.85414089287723, -4.906119593997021, -4.957581188275242,
      -5.0091629333481755, -5.0628035810644425, -5.120258434991815, -5.2106794600499144, -6.333159935679617,
    ];
    const n = 60;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) data[i * n + j] = Math.cos(i * j * 0.1) + (i === j ? i / 10 : 0);
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data });
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - numpy[i]!)).toBeLessThan(1e-12 * 11.6);
    const r = residuals({ rows: n, cols: n, data }, values, vectors);
    expect(r.orthogonality).toBeLessThan(1e-13);
    expect(r.residual).toBeLessThan(1e-13);
  });

  it('matches numpy on the 10 x 10 Hilbert matrix to absolute 1e-15 * norm', () => {
    // /usr/bin/python3 -c "import numpy as np; H=1/(np.add.outer(np.arange(10),np.arange(10))+1); print(np.linalg.eigvalsh(H)[::-1].tolist())"
    const numpy = [
      1.751919670265178, 0.3429295484835092, 0.03574181627163938, 0.0025308907686701475,
      0.00012874961427639307, 4.729689293175668e-6, 1.2289677387661043e-7, 2.1474388227819394e-9,
      2.266746263188589e-11, 1.093231106206518e-13,
    ];
    const n = 10;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = 1 / (i + j + 1);
    const { values } = symmetricEigen({ rows: n, cols: n, data });
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - numpy[i]!)).toBeLessThan(4e-15 * 1.76);
  });

  it('gives orthonormal vectors and small residuals on random matrices around the leaf size', () => {
    for (const n of [3, 31, 32, 33, 65, 150]) {
      const a = randomSymmetric(n, n);
      const { values, vectors } = symmetricEigen(a);
      for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
      const r = residuals(a, values, vectors);
      expect(r.orthogonality).toBeLessThan(1e-13);
      expect(r.residual).toBeLessThan(1e-13);
    }
  });

  it('returns only the eigenvectors above vectorsAbove, equal to the full decomposition columns', () => {
    const n = 150;
    const a = randomSymmetric(n, 7);
    const full = symmetricEigen(a);
    const threshold = full.values[40]!; // values[0..39] are above it (distinct with probability 1)
    const top = symmetricEigen(a, { vectorsAbove: threshold });
    expect(top.values).toEqual(full.values);
    expect(top.vectors.rows).toBe(n);
    expect(top.vectors.cols).toBe(40);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < 40; j++)
        worst = Math.max(worst, Math.abs(top.vectors.data[i * 40 + j]! - full.vectors.data[i * n + j]!));
    // Same reflectors on the same tridiagonal vectors: only the products' blocking differs.
    expect(worst).toBeLessThan(1e-13);
    expect(symmetricEigen(a, { vectorsAbove: Number.POSITIVE_INFINITY }).vectors.cols).toBe(0);
    expect(symmetricEigen(a, { vectorsAbove: Number.NEGATIVE_INFINITY }).vectors.cols).toBe(n);
  });

  it('copes with heavily repeated eigenvalues (identity plus low rank: deflation)', () => {
    const n = 120;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) data[i * n + j] = (i === j ? 1 : 0) + ((i % 5) * (j % 5)) / 25;
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data });
    // Rank-1 update of the identity: one eigenvalue 1 + sum((i % 5)^2)/25^2 * ..., the rest exactly 1.
    let norm2 = 0;
    for (let i = 0; i < n; i++) norm2 += ((i % 5) / 5) ** 2;
    expect(values[0]).toBeCloseTo(1 + norm2, 12);
    for (let i = 1; i < n; i++) expect(Math.abs(values[i]! - 1)).toBeLessThan(1e-13);
    const r = residuals({ rows: n, cols: n, data }, values, vectors);
    expect(r.orthogonality).toBeLessThan(1e-13);
    expect(r.residual).toBeLessThan(1e-13);
  });

  it("separates Wilkinson's W+ near-double eigenvalues (numpy reference) with orthogonal vectors", () => {
    // /usr/bin/python3 -c "import numpy as np; n=201; d=np.abs(np.arange(n)-100.0); T=np.diag(d)+np.diag(np.ones(n-1),1)+np.diag(np.ones(n-1),-1); print(np.linalg.eigvalsh(T)[::-1][:4].tolist())"
    const numpy = [100.7461941829034, 100.74619418290337, 99.21067864733321, 99.21067864733304];
    const n = 201;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      data[i * n + i] = Math.abs(i - 100);
      if (i + 1 < n) data[i * n + i + 1] = data[(i + 1) * n + i] = 1;
    }
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data });
    for (let i = 0; i < 4; i++) expect(Math.abs(values[i]! - numpy[i]!)).toBeLessThan(1e-12 * 100);
    const r = residuals({ rows: n, cols: n, data }, values, vectors);
    expect(r.orthogonality).toBeLessThan(1e-13);
    expect(r.residual).toBeLessThan(1e-13);
  });

  it('keeps a Gram matrix with a 1e16 dynamic range accurate to eps * largest', () => {
    // G = Q diag(10^-k) Q^T with eigenvalues 1 .. 1e-16 and a random orthogonal Q.
    const n = 90;
    const g = randomSymmetric(n, 42);
    const q = symmetricEigen(g).vectors.data;
    const lambda = Array.from({ length: n }, (_, i) => 10 ** (-(16 * i) / (n - 1)));
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k]! * lambda[k]! * q[j * n + k]!;
        data[i * n + j] = s;
      }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) data[i * n + j] = data[j * n + i]!;
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data });
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - lambda[i]!)).toBeLessThan(1e-14);
    const r = residuals({ rows: n, cols: n, data }, values, vectors);
    expect(r.orthogonality).toBeLessThan(1e-13);
    expect(r.residual).toBeLessThan(1e-14);
  });

  it('reads only the upper triangle, does not modify its input, and rejects bad input', () => {
    const a = randomSymmetric(40, 5);
    const upperOnly = Float64Array.from(a.data);
    for (let i = 0; i < 40; i++) for (let j = 0; j < i; j++) upperOnly[i * 40 + j] = 99;
    const copy = Float64Array.from(upperOnly);
    const x = symmetricEigen(a);
    const y = symmetricEigen({ rows: 40, cols: 40, data: upperOnly });
    expect(Array.from(y.values)).toEqual(Array.from(x.values));
    expect(Array.from(upperOnly)).toEqual(Array.from(copy));
    expect(() => symmetricEigen({ rows: 2, cols: 3, data: new Float64Array(6) })).toThrow(/square/);
    expect(() => symmetricEigen({ rows: 2, cols: 2, data: Float64Array.of(1, Number.NaN, 0, 1) })).toThrow(
      /non-finite/,
    );
    const controller = new AbortController();
    controller.abort();
    expect(() => symmetricEigen(a, { signal: controller.signal })).toThrow(/cancel/i);
  });
});

describe('symmetricTridiagonalEigen', () => {
  it('matches the closed form of the second-difference matrix (ascending)', () => {
    const n = 100;
    const { values, vectors } = symmetricTridiagonalEigen(
      new Float64Array(n).fill(2),
      new Float64Array(n - 1).fill(-1),
    );
    for (let k = 1; k <= n; k++)
      expect(Math.abs(values[k - 1]! - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-13);
    // Eigenvector k is sin(j k pi / (n + 1)) up to sign and scale.
    const k = 3;
    const col = Array.from({ length: n }, (_, j) => vectors.data[j * n + (k - 1)]!);
    const ref = Array.from({ length: n }, (_, j) => Math.sin(((j + 1) * k * Math.PI) / (n + 1)));
    const scale = col[0]! / ref[0]!;
    for (let j = 0; j < n; j++) expect(col[j]!).toBeCloseTo(ref[j]! * scale, 12);
  });
});
