// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as entry0 from './index.js';

describe('@lowrank/pipelines exports', () => {
  it('.', () => {
    expect(Object.keys(entry0).sort()).toEqual([
      'AUTOMATIC_METHOD',
      'DEFAULT_BUDGET_SHARE',
      'DEFAULT_COMPRESSION_RANK',
      'DEFAULT_RANK_CAP',
      'EXACT_SVD_MAX_PIXELS',
      'FOREGROUND_WHITE_QUANTILE',
      'ImageCompression',
      'LOW_RANK_BACKGROUND_RANK',
      'MemoryBudgetError',
      'PREVIEW_RANK',
      'RUNTIME_BASELINE_BYTES',
      'SEPARATION_FILES',
      'StreamedSeparation',
      'UNSTATED_WORKING_COPIES',
      'VideoSeparation',
      'backgroundPlate',
      'builtInFactorizers',
      'compressImageFile',
      'defaultMemoryBudgetBytes',
      'defaultMethods',
      'describeRankRule',
      'estimateCompressionBytes',
      'estimateSeparationBytes',
      'estimateStreamingBytes',
      'loadMethods',
      'separateVideo',
      'streamingImageQuality',
      'totalBytes',
    ]);
  });
});
