import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import {
  assertFiniteMatrix,
  castMatrix,
  cloneMatrix,
  fromMlMatrix,
  fromRows,
  getColumn,
  isDenseMatrix,
  isVideoMatrix,
  matrixFrom,
  rowsView,
  rowView,
  toDenseMatrix,
  toMlMatrix,
  toRows,
  transpose,
  videoMatrixFrom,
  zeros,
} from './matrix.js';

describe('dense matrix', () => {
  it('stores row-major: (i, j) at i * cols + j', () => {
    const m = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(toRows(m)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('wraps storage without copying and checks the length', () => {
    const data = new Float64Array(6);
    const m = matrixFrom(2, 3, data);
    m.data[4] = 7;
    expect(data[4]).toBe(7);
    expect(() => matrixFrom(2, 2, data)).toThrow(/6 elements but 2 x 2 needs 4/);
    expect(() => zeros(-1, 2)).toThrow(InvalidInputError);
  });

  it('gives zero-copy row views and strided column copies', () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const r = rowView(m, 1);
    r[0] = 30;
    expect(m.data[2]).toBe(30);
    const v = rowsView(m, 1, 3);
    expect(v.rows).toBe(2);
    expect(v.data.buffer).toBe(m.data.buffer);
    expect(Array.from(getColumn(m, 1))).toEqual([2, 4, 6]);
    expect(() => rowView(m, 3)).toThrow(/row/);
    expect(() => rowsView(m, 2, 1)).toThrow(/rows/);
  });

  it('converts to and from ml-matrix, and accepts ml-matrix and arrays as input', () => {
    const ml = new Matrix([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const dense = fromMlMatrix(ml);
    expect(Array.from(dense.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(toMlMatrix(dense).to2DArray()).toEqual(ml.to2DArray());
    expect(toDenseMatrix(ml).data).toEqual(dense.data);
    expect(
      toDenseMatrix([
        [1, 2, 3],
        [4, 5, 6],
      ]).data,
    ).toEqual(dense.data);
    expect(toDenseMatrix(dense)).toBe(dense);
    expect(toDenseMatrix(dense, 'float32').data).toBeInstanceOf(Float32Array);
    expect(() => toDenseMatrix(42 as never)).toThrow(InvalidInputError);
    expect(() => fromRows([[1, 2], [3]])).toThrow(/Row 1 has 1 entries/);
  });

  it('transposes (blocked) and clones/casts', () => {
    const m = zeros(37, 45);
    for (let k = 0; k < m.data.length; k++) m.data[k] = k;
    const t = transpose(m);
    expect(t.rows).toBe(45);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < m.cols; j++) expect(t.data[j * 37 + i]).toBe(m.data[i * 45 + j]);
    // Into a given out (reused, stale values overwritten), or refused at the wrong shape.
    const out = zeros(45, 37);
    out.data.fill(-5);
    expect(transpose(m, out)).toBe(out);
    expect(out.data).toEqual(t.data);
    expect(() => transpose(m, zeros(37, 45))).toThrow(/out is 37 x 45; expected 45 x 37/);
    const c = cloneMatrix(m);
    c.data[0] = -1;
    expect(m.data[0]).toBe(0);
    expect(castMatrix(m, 'float32').data[100]).toBe(100);
  });

  it('describes a video as frames x pixels without copying', () => {
    const data = new Float32Array(4 * 6);
    const v = videoMatrixFrom(data, { frames: 4, width: 3, height: 2, fps: 25 });
    expect(v.rows).toBe(4);
    expect(v.cols).toBe(6);
    expect(v.layout).toBe('frames-by-pixels');
    expect(v.data).toBe(data);
    expect(isVideoMatrix(v)).toBe(true);
    expect(isVideoMatrix(zeros(2, 2))).toBe(false);
    expect(isDenseMatrix({ rows: 1, cols: 2, data: new Float64Array(3) })).toBe(false);
    expect(() => videoMatrixFrom(data, { frames: 5, width: 3, height: 2 })).toThrow(InvalidInputError);
  });

  it('refuses NaN, Infinity and empty matrices with the position', () => {
    const m = fromRows([
      [1, 2],
      [3, Number.NaN],
    ]);
    expect(() => assertFiniteMatrix(m, 'image')).toThrow(
      /image has a non-finite entry \(NaN\) at row 1, column 1/,
    );
    expect(() => assertFiniteMatrix(fromRows([[Number.POSITIVE_INFINITY]]))).toThrow(/Infinity/);
    expect(() => assertFiniteMatrix(zeros(0, 3))).toThrow(/empty/);
    expect(() => assertFiniteMatrix(fromRows([[1]]))).not.toThrow();
  });
});
