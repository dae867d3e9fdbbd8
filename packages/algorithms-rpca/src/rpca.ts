import {
  API_VERSION,
  type DenseMatrix,
  defineFactorizer,
  isVideoMatrix,
  type LowRankPlusSparseFactorization,
  type MatrixInput,
  type OptionsSpec,
  toDenseMatrix,
  type VideoMatrix,
  validateOptions,
} from '@lowrank/core';
import { luminanceVideo } from './luminance.js';
import {
  type PcpDiagnostics,
  type PcpOptions,
  type PcpRunControl,
  principalComponentPursuit,
} from './pcp-ialm.js';

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
});
