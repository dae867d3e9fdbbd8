import { type AbstractMatrix, Matrix as MlMatrix } from 'ml-matrix';
import { InvalidInputError, InvalidOptionError } from './errors.js';

/** Element storage of a dense matrix: float64 by default, float32 where an algorithm tolerates it. */
export type MatrixData = Float64Array | Float32Array;
export type DType = 'float64' | 'float32';

/**
 * The one dense matrix type for big data: row-major and contiguous,
 * element (i, j) at `data[i * cols + j]`. Plain data, so it crosses worker threads
 * (and SharedArrayBuffers) without conversion.
 */
export interface DenseMatrix<D extends MatrixData = MatrixData> {
  readonly rows: number;
  readonly cols: number;
  readonly data: D;
}

/**
 * A video held as frames x pixels, row-major: each frame is one contiguous row, filled as it
 * streams in. Read column-major, the same memory is the (pixels x frames) matrix M of the
 * background-subtraction literature, so no transpose is ever copied: algorithms that are
 * symmetric in M and M^T (SVD, PCP) run on it directly.
 */
export interface VideoMatrix<D extends MatrixData = MatrixData> extends DenseMatrix<D> {
  readonly layout: 'frames-by-pixels';
  /** Frame width in pixels; `cols === width * height * channels`. */
  readonly width: number;
  readonly height: number;
  /** 1 for gray/luminance; 3 for interleaved RGB per pixel. */
  readonly channels: number;
  /** Frames per second, when known. */
  readonly fps?: number;
}

/** Anything a matrix argument accepts: our dense type, an ml-matrix Matrix, or an array of rows. */
export type MatrixInput = DenseMatrix | AbstractMatrix | ArrayLike<ArrayLike<number>>;

export function dtypeOf(m: DenseMatrix): DType {
  return m.data instanceof Float32Array ? 'float32' : 'float64';
}

function allocate(length: number, dtype: DType): MatrixData {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new InvalidInputError(`Matrix shape ${rows} x ${cols} is not a pair of non-negative integers.`);
  }
}

/** A zero-filled rows x cols matrix. */
export function zeros(rows: number, cols: number, dtype: DType = 'float64'): DenseMatrix {
  checkShape(rows, cols);
  return { rows, cols, data: allocate(rows * cols, dtype) };
}

/** Wraps existing row-major storage without copying. */
export function matrixFrom<D extends MatrixData>(rows: number, cols: number, data: D): DenseMatrix<D> {
  checkShape(rows, cols);
  if (data.length !== rows * cols) {
    throw new InvalidInputError(
      `Matrix data has ${data.length} elements but ${rows} x ${cols} needs ${rows * cols}.`,
    );
  }
  return { rows, cols, data };
}

/** Wraps frames x pixels storage as a video matrix without copying. */
export function videoMatrixFrom<D extends MatrixData>(
  data: D,
  shape: { frames: number; width: number; height: number; channels?: number; fps?: number },
): VideoMatrix<D> {
  const channels = shape.channels ?? 1;
  const base = matrixFrom(shape.frames, shape.width * shape.height * channels, data);
  return {
    ...base,
    layout: 'frames-by-pixels',
    width: shape.width,
    height: shape.height,
    channels,
    ...(shape.fps === undefined ? {} : { fps: shape.fps }),
  };
}

export function isVideoMatrix(m: unknown): m is VideoMatrix {
  return isDenseMatrix(m) && (m as Partial<VideoMatrix>).layout === 'frames-by-pixels';
}

export function isDenseMatrix(value: unknown): value is DenseMatrix {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<DenseMatrix>;
  return (
    typeof m.rows === 'number' &&
    typeof m.cols === 'number' &&
    (m.data instanceof Float64Array || m.data instanceof Float32Array) &&
    m.data.length === m.rows * m.cols
  );
}

function isMlMatrix(value: unknown): value is AbstractMatrix {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbstractMatrix).get === 'function' &&
    typeof (value as AbstractMatrix).rows === 'number' &&
    typeof (value as AbstractMatrix).columns === 'number'
  );
}

/** A dense matrix from rows of numbers (copies). */
export function fromRows(rows: ArrayLike<ArrayLike<number>>, dtype: DType = 'float64'): DenseMatrix {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0]!.length;
  const out = zeros(m, n, dtype);
  for (let i = 0; i < m; i++) {
    const row = rows[i]!;
    if (row.length !== n) {
      throw new InvalidInputError(
        `Row ${i} has ${row.length} entries but row 0 has ${n}; rows must be equal length.`,
      );
    }
    for (let j = 0; j < n; j++) out.data[i * n + j] = row[j]!;
  }
  return out;
}

/** Rows of numbers from a dense matrix (copies). */
export function toRows(m: DenseMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Converts an ml-matrix Matrix (copies: ml-matrix stores arrays of rows). */
export function fromMlMatrix(m: AbstractMatrix, dtype: DType = 'float64'): DenseMatrix {
  const out = zeros(m.rows, m.columns, dtype);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.columns; j++) out.data[i * m.columns + j] = m.get(i, j);
  return out;
}

/** Converts to an ml-matrix Matrix, the interchange type at the edges (copies). */
export function toMlMatrix(m: DenseMatrix): MlMatrix {
  const out = new MlMatrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) {
    const row = out.getRow(i);
    for (let j = 0; j < m.cols; j++) row[j] = m.data[i * m.cols + j]!;
    out.setRow(i, row);
  }
  return out;
}

/**
 * Normalizes any accepted matrix input to the dense type. Dense inputs are returned as they are
 * (no copy: callers must not write into them); others are copied.
 */
export function toDenseMatrix(input: MatrixInput, dtype?: DType): DenseMatrix {
  if (isDenseMatrix(input)) {
    if (dtype === undefined || dtypeOf(input) === dtype) return input;
    return castMatrix(input, dtype);
  }
  if (isMlMatrix(input)) return fromMlMatrix(input, dtype);
  if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as ArrayLike<unknown>).length === 'number'
  ) {
    return fromRows(input as ArrayLike<ArrayLike<number>>, dtype);
  }
  throw new InvalidInputError(
    'Expected a matrix: { rows, cols, data: Float64Array | Float32Array }, an ml-matrix Matrix, or an array of rows.',
  );
}

export function cloneMatrix<D extends MatrixData>(m: DenseMatrix<D>): DenseMatrix<D> {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() as D };
}

export function castMatrix(m: DenseMatrix, dtype: DType): DenseMatrix {
  const out = zeros(m.rows, m.cols, dtype);
  out.data.set(m.data);
  return out;
}

/** Row i as a zero-copy view. */
export function rowView<D extends MatrixData>(m: DenseMatrix<D>, i: number): D {
  if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
    throw new InvalidOptionError('row', `${i} is outside 0..${m.rows - 1}.`);
  }
  return m.data.subarray(i * m.cols, (i + 1) * m.cols) as D;
}

/** Rows [start, end) as a zero-copy matrix view (rows are contiguous in row-major storage). */
export function rowsView<D extends MatrixData>(
  m: DenseMatrix<D>,
  start: number,
  end: number,
): DenseMatrix<D> {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > m.rows || start > end) {
    throw new InvalidOptionError('rows', `[${start}, ${end}) is outside 0..${m.rows}.`);
  }
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) as D };
}

/** Column j copied out (columns are strided in row-major storage). */
export function getColumn(m: DenseMatrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

export function getEntry(m: DenseMatrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/**
 * A transposed copy; blocked so both sides stay in cache. Only for small or edge uses. `out`
 * (m.cols x m.rows, any dtype) is written instead of a new matrix, for a loop that transposes
 * again and again.
 */
export function transpose(m: DenseMatrix, out: DenseMatrix = zeros(m.cols, m.rows, dtypeOf(m))): DenseMatrix {
  if (out.rows !== m.cols || out.cols !== m.rows) {
    throw new InvalidInputError(
      `transpose: out is ${out.rows} x ${out.cols}; expected ${m.cols} x ${m.rows}.`,
    );
  }
  const B = 32;
  for (let i0 = 0; i0 < m.rows; i0 += B)
    for (let j0 = 0; j0 < m.cols; j0 += B) {
      const iEnd = Math.min(i0 + B, m.rows);
      const jEnd = Math.min(j0 + B, m.cols);
      for (let i = i0; i < iEnd; i++)
        for (let j = j0; j < jEnd; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
    }
  return out;
}

/** Throws InvalidInputError naming the first NaN/Inf entry, and for empty matrices. */
export function assertFiniteMatrix(m: DenseMatrix, what = 'matrix'): void {
  if (m.rows === 0 || m.cols === 0) {
    throw new InvalidInputError(
      `The ${what} is empty (${m.rows} x ${m.cols}); give it at least one row and column.`,
    );
  }
  const d = m.data;
  // x * 0 is 0 for every finite x and NaN for NaN and +-Infinity: one branch-free pass (a
  // 24-megapixel float32 image: 24 ms instead of 31), then a search only when something is wrong.
  let probe = 0;
  for (let k = 0; k < d.length; k++) probe += d[k]! * 0;
  if (probe === 0) return;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    if (!Number.isFinite(v)) {
      const i = Math.floor(k / m.cols);
      throw new InvalidInputError(
        `The ${what} has a non-finite entry (${v}) at row ${i}, column ${k - i * m.cols}.`,
        { hint: 'Replace NaN/Infinity values (for example with 0 or the row mean) before factorizing.' },
      );
    }
  }
}

export function matricesEqual(a: DenseMatrix, b: DenseMatrix): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  for (let k = 0; k < a.data.length; k++) if (!Object.is(a.data[k], b.data[k])) return false;
  return true;
}
