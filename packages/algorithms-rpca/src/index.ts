export {
  BlockKrylovThresholding,
  type KrylovOutcome,
  type KrylovStart,
} from './block-krylov-thresholding.js';
export { type DenseProducts, javascriptProducts } from './dense-products.js';
export {
  estimateMaskModelBytes,
  ForegroundMaskModel,
  type MaskFrameShape,
  type MaskImplementation,
  type MaskRuleOptions,
  type MaskThresholdRule,
  maskRuleDefaults,
  resolveMaskRules,
  type ShadowMode,
} from './foreground-mask-model.js';
export {
  type ForegroundMaskOptions,
  type ForegroundMasks,
  foregroundMasks,
  type SparseSource,
} from './foreground-masks.js';
export { fillHoles } from './hole-filling.js';
export { growFromSeeds } from './hysteresis.js';
export {
  IncrementalPcp,
  type IncrementalPcpOptions,
} from './incremental-pcp.js';
export { IncrementalSvd } from './incremental-svd.js';
export { LUMA_WEIGHTS, luminanceVideo } from './luminance.js';
export { evaluateMasks, type LabelImages, type MaskEvaluation } from './mask-evaluation.js';
export { medianAbsolute } from './median-absolute.js';
export { openMask } from './morphological-opening.js';
export {
  type PcpDiagnostics,
  type PcpOptions,
  type PcpResult,
  type PcpRunControl,
  pcpDefaults,
  principalComponentPursuit,
} from './pcp-ialm.js';
export { residualPass, startPass, updatePass } from './pcp-kernels.js';
export { PixelNoiseLevel } from './pixel-noise-level.js';
export { defaultProducts, linalgProducts } from './products.js';
export {
  type ColorMode,
  type RpcaFactorization,
  type RpcaOptions,
  robustPca,
  rpca,
  rpcaOptionsSpec,
} from './rpca.js';
export { type ShadowBounds, ShadowSuppression } from './shadow-suppression.js';
export { GramThresholding } from './singular-value-thresholding.js';
export { removeSmallBlobs } from './small-blob-removal.js';
export {
  estimateStreamingMaskBytes,
  foregroundDeviation,
  StreamingForegroundMasks,
} from './streaming-foreground-masks.js';
export {
  estimateStreamingRpcaBytes,
  openStreamingRpca,
  type StreamingRpcaFrame,
  type StreamingRpcaOptions,
  StreamingRpcaSeparation,
  streamingRpca,
  streamingRpcaOptionsSpec,
} from './streaming-rpca.js';
export { TemporalConsistency } from './temporal-consistency.js';

import { rpca } from './rpca.js';
import { streamingRpca } from './streaming-rpca.js';
/** Every batch factorizer this package provides (what `registry.load('@lowrank/algorithms-rpca')` registers). */
export const factorizers = [rpca];
/** Every streaming separator this package provides. */
export const streamingFactorizers = [streamingRpca];
export default rpca;
