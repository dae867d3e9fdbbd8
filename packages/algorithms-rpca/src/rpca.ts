import {
  API_VERSION,
  type DenseMatrix,
  defineFactorizer,
  type InputShape,
  isVideoMatrix,
  type LowRankPlusSparseFactorization,
  type MatrixInput,
  type OptionsSpec,
  toDenseMatrix,
  type VideoMatrix,
  validateOptions,
} from '@lowrank/core';
import { linalgBackend } from '@lowrank/linalg';
import { krylovRouteFits } from './block-krylov-thresholding.js';
import { luminanceVideo } from './luminance.js';
import {
  type PcpDiagnostics,
  type PcpOptions,
  type PcpRunControl,
  principalComponentPursuit,
} from './pcp-ialm.js';
import { DEFAULT_PANEL_BLOCK } from './singular-value-thresholding.js';

export type ColorMode = 'luminance' | 'channels';

export interface RpcaOptions extends PcpOptions {
  /**
   * For colour (3-channel) videos: 'luminance' factorizes the gray frames (3x less work);
   * 'channels' factorizes frames x (pixels * 3), so background and foreground come out in colour.
   */
  colorMode: ColorMode;
}

export interface RpcaFactorization extends LowRankPlusSparseFactorization {
  readonly lowRank: DenseMatrix<Float64Array>;
  readonly sparse: DenseMatrix<Float64Array>;
  /** Fraction of non-zero entries of sparse. */
  readonly sparsity: number;
  readonly diagnostics: PcpDiagnostics;
}

export const rpcaOptionsSpec: OptionsSpec<RpcaOptions> = {
  lambda: {
    type: 'number',
    default: 'auto',
    allowAuto: true,
    min: 1e-12,
    description:
      'Weight of the sparse term ||S||_1; auto = 1/sqrt(max(rows, cols)). Larger gives a sparser S.',
  },
  mu: {
    type: 'number',
    default: 'auto',
    allowAuto: true,
    min: 1e-300,
    description: 'Initial augmented-Lagrangian penalty mu0; auto = 1.25/||M||_2 (Lin, Chen, Ma 2010).',
  },
  rho: {
    type: 'number',
    default: 1.5,
    min: 1,
    max: 100,
    description: 'Growth factor of the penalty mu per iteration (larger: fewer iterations, less accurate).',
  },
  muMaxFactor: {
    type: 'number',
    default: 1e7,
    min: 1,
    description: 'The penalty mu stops growing at mu0 times this factor.',
  },
  tolerance: {
    type: 'number',
    default: 1e-7,
    min: 1e-15,
    max: 1,
    description: 'Stop when ||M - L - S||_F / ||M||_F falls below this.',
  },
  maxIterations: {
    type: 'integer',
    default: 1000,
    min: 1,
    max: 100000,
    description: 'Most iterations to run; the result says whether it converged.',
  },
  colorMode: {
    type: 'enum',
    values: ['luminance', 'channels'],
    default: 'luminance',
    description:
      'Colour videos: factorize the luminance (default) or all three channels stacked per frame (colour output).',
  },
};

function withShapeOf<M extends DenseMatrix>(template: M, data: Float64Array): M {
  return { ...template, data } as M;
}

/** Runs the rpca plugin's work with validated options (also usable directly). */
export async function robustPca(
  matrix: MatrixInput,
  options: Partial<RpcaOptions> = {},
  run: PcpRunControl = {},
): Promise<RpcaFactorization> {
  let input: DenseMatrix = toDenseMatrix(matrix);
  const settings = validateOptions(rpcaOptionsSpec, options, input);
  if (isVideoMatrix(input) && input.channels === 3 && settings.colorMode === 'luminance') {
    input = luminanceVideo(input as VideoMatrix);
  }
  const { colorMode: _colorMode, ...pcp } = settings;
  const result = await principalComponentPursuit(input, pcp, run);
  return {
    kind: 'low-rank-plus-sparse',
    rows: input.rows,
    cols: input.cols,
    lowRank: withShapeOf(input, result.lowRank.data) as DenseMatrix<Float64Array>,
    sparse: withShapeOf(input, result.sparse.data) as DenseMatrix<Float64Array>,
    rank: result.rank,
    sparsity: result.sparsity,
    diagnostics: result.diagnostics,
  };
}

const BYTES = 8;
/** V8's heap growth and compiled code while PCP runs. */
const RUNTIME_BYTES = 8 * 2 ** 20;
/** Dead arrays waiting for the collector: every iteration drops a Gram matrix and its eigenvectors. */
const COLLECTOR_SLACK_BYTES = 32 * 2 ** 20;
// Mirrored from block-krylov-thresholding.ts (OVERSAMPLE), pcp-ialm.ts (first predicted rank) and
// singular-value-thresholding.ts (SQUARE_ROUTE_ABOVE).
const KRYLOV_OVERSAMPLE = 8;
const FIRST_PREDICTED_RANK = 10;
const SQUARE_ROUTE_ABOVE = 0.43;
// @lowrank/linalg's threaded GEMM (gemm-threads.ts): tile sizes, the depth-split Gram's partial
// products (DEPTH_UNITS of them, for a C of at most DEPTH_PARTIAL_ELEMENTS) and each thread's
// packing workspace.
const TILE = 4;
const DEPTH_UNITS = 16;
const DEPTH_MIN_INNER = DEPTH_UNITS * 256;
const DEPTH_PARTIAL_ELEMENTS = 1 << 20;
const WORKSPACE_ELEMENTS = 128 * 256 + 256 * 1024;

const roundUp = (x: number, step: number) => Math.ceil(x / step) * step;

/**
 * Bytes robust PCA holds at its peak beyond the input (see the plugin's estimateWorkingBytes), for
 * a rows x cols float64 input in the kernel memory. Counted from pcp-ialm.ts and the thresholding
 * steps: with s = min(rows, cols) and N the long side,
 * - M's companions L, S and the work matrix T, three matrices of the input's size in the kernel
 *   memory (pcp-kernels.ts: the dual variable lives in T);
 * - the thresholding's kernel buffers, kept to the end: the block Krylov route's Z stack (its
 *   first block, 4 x (10 + 8) rows, and one growth to twice that) and its panel, and the Gram
 *   route's panel of up to 192 rows (only while the kept rank is under 0.43 s), all N wide;
 * - above them, the largest product's scratch: the Gram T T^T split by depth into 16 partial
 *   s x s products (s <= 1024), the eigensolver's s x s work matrix, and a whole s x N C when L
 *   cannot be written in place (s or N not a multiple of 4);
 * - in JavaScript: the Gram matrix kept between iterations, the eigensolver's divide-and-conquer
 *   arrays (7 s^2 at its top merge) and the previous iteration's vectors.
 */
export function pcpWorkingBytes(rows: number, cols: number): number {
  const s = Math.min(rows, cols);
  const long = Math.max(rows, cols);
  const matrix = rows * cols;
  const threads = linalgBackend().threads;
  // Kernel matrices that live through the iterations.
  let kept = 3 * matrix;
  const firstBlock = Math.min(FIRST_PREDICTED_RANK, s) + KRYLOV_OVERSAMPLE;
  const krylov =
    rows <= cols && krylovRouteFits({ rows, cols, data: new Float64Array(0) }, FIRST_PREDICTED_RANK);
  if (krylov) kept += (4 * firstBlock + 4 * 2 * firstBlock + 2 * firstBlock) * long;
  const panelRows = Math.min(DEFAULT_PANEL_BLOCK, Math.max(2 * Math.ceil(SQUARE_ROUTE_ABOVE * s), 16));
  kept += panelRows * long;
  // The largest scratch above them.
  const sPad = roundUp(s, TILE);
  const gram =
    threads > 1 && long >= DEPTH_MIN_INNER && sPad * sPad <= DEPTH_PARTIAL_ELEMENTS
      ? DEPTH_UNITS * sPad * sPad
      : sPad * sPad;
  const eigen = 2 * s * s;
  const inPlace = rows % TILE === 0 && cols % TILE === 0;
  const rebuild = inPlace ? 0 : roundUp(rows, TILE) * roundUp(cols, TILE);
  const scratch = Math.max(gram, eigen, rebuild) + threads * WORKSPACE_ELEMENTS;
  const arrays = 9 * s * s;
  return (kept + scratch + arrays) * BYTES + RUNTIME_BYTES + COLLECTOR_SLACK_BYTES;
}

/**
 * The rpca plugin's working memory for an input of this shape with these options. A 3-channel
 * video in colorMode 'luminance' is first converted to a gray copy in ordinary memory, then copied
 * into the kernel memory: two matrices of a third of the input, and PCP on that size.
 */
export function rpcaWorkingBytes(shape: InputShape, options: Partial<RpcaOptions> = {}): number {
  const settings = validateOptions(rpcaOptionsSpec, options, shape);
  const { rows, cols } = shape;
  if (shape.channels === 3 && settings.colorMode === 'luminance') {
    const gray = rows * (cols / 3);
    return 2 * gray * BYTES + pcpWorkingBytes(rows, cols / 3);
  }
  // A float32 input is iterated on as a float64 copy.
  return (shape.dtype === 'float32' ? rows * cols * BYTES : 0) + pcpWorkingBytes(rows, cols);
}

/** The `rpca` plugin: robust PCA (principal component pursuit) by inexact ALM. */
export const rpca = defineFactorizer<RpcaOptions, RpcaFactorization>({
  meta: {
    name: 'rpca',
    version: '0.1.0',
    apiVersion: API_VERSION,
    displayName: 'Robust PCA (principal component pursuit)',
    description:
      'Splits M into a low-rank L (the static background) plus a sparse S (what moves), by principal component pursuit solved with the inexact augmented Lagrange multiplier method.',
  },
  kind: 'low-rank-plus-sparse',
  options: rpcaOptionsSpec,
  factorize: (matrix, options, run) => robustPca(matrix, options, run),
  /**
   * For an input in the kernel memory, as the pipelines decode videos (readVideoMatrix with
   * `allocate: allocateCollectedKernelArray`): 4 to 5 times the input (L, S, the work matrix, the
   * thresholding's buffers and scratch; relatively more for few frames, whose panels and Gram
   * scratch weigh more). An input in ordinary memory is copied there first: one more matrix of its
   * size.
   */
  estimateWorkingBytes: (shape, options) => rpcaWorkingBytes(shape, options),
});
