// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as bench from './bench.js';
import * as entry from './index.js';
import * as testing from './testing.js';

describe('@lowrank/algorithms-rpca exports', () => {
  it('.', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'BlockKrylovThresholding',
      'ForegroundMaskModel',
      'GramThresholding',
      'IncrementalPcp',
      'IncrementalSvd',
      'LUMA_WEIGHTS',
      'PixelNoiseLevel',
      'ShadowSuppression',
      'StreamingForegroundMasks',
      'StreamingRpcaSeparation',
      'TemporalConsistency',
      'default',
      'defaultProducts',
      'estimateMaskModelBytes',
      'estimateStreamingMaskBytes',
      'estimateStreamingRpcaBytes',
      'evaluateMasks',
      'factorizers',
      'fillHoles',
      'foregroundDeviation',
      'foregroundMasks',
      'growFromSeeds',
      'javascriptProducts',
      'linalgProducts',
      'luminanceVideo',
      'maskRuleDefaults',
      'medianAbsolute',
      'openMask',
      'openStreamingRpca',
      'pcpDefaults',
      'principalComponentPursuit',
      'removeSmallBlobs',
      'residualPass',
      'resolveMaskRules',
      'robustPca',
      'rpca',
      'rpcaOptionsSpec',
      'startPass',
      'streamingFactorizers',
      'streamingRpca',
      'streamingRpcaOptionsSpec',
      'updatePass',
    ]);
  });
  it('./testing', () => {
    expect(Object.keys(testing).sort()).toEqual(['plantedLowRankPlusSparse', 'trajectoryFixtureMatrix']);
  });
  it('./bench', () => {
    expect(Object.keys(bench).sort()).toEqual(['default', 'rpcaBenchSuite']);
  });
});
