// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as entry2 from './bench.js';
import * as entry0 from './index.js';
import * as entry1 from './testing/index.js';

describe('@lowrank/core exports', () => {
  it('.', () => {
    expect(Object.keys(entry0).sort()).toEqual([
      'API_VERSION',
      'AbortError',
      'DependencyMissingError',
      'FactorizerRegistry',
      'InvalidInputError',
      'InvalidOptionError',
      'InvalidPluginError',
      'LowrankError',
      'MediaError',
      'OutputExistsError',
      'PluginNotFoundError',
      'ResourceLimitError',
      'assertFiniteMatrix',
      'castMatrix',
      'checkFactorizerShape',
      'checkOptionsSpec',
      'cloneMatrix',
      'compressionRatio',
      'createRng',
      'defineFactorizer',
      'defineStreamingFactorizer',
      'dtypeOf',
      'energyKept',
      'frobeniusNorm',
      'fromMlMatrix',
      'fromRows',
      'getColumn',
      'getEntry',
      'isAbortError',
      'isBatchFactorizer',
      'isDenseMatrix',
      'isLowrankError',
      'isStreamingFactorizer',
      'isVideoMatrix',
      'loadFactorizerModule',
      'loadPlugins',
      'matricesEqual',
      'matrixFrom',
      'meanSquaredError',
      'psnr',
      'psnrFromMse',
      'rankForCompressionRatio',
      'rankForEnergy',
      'rankForPsnr',
      'relativeError',
      'resolveMax',
      'resolvePluginSpecifier',
      'rowView',
      'rowsView',
      'ssim',
      'svdStoredNumbers',
      'throwIfAborted',
      'toDenseMatrix',
      'toKebabCase',
      'toMlMatrix',
      'toRows',
      'transpose',
      'validateOptionValue',
      'validateOptions',
      'videoMatrixFrom',
      'zeros',
    ]);
  });

  it('./testing', () => {
    expect(Object.keys(entry1).sort()).toEqual([
      'assertConformance',
      'assertStreamingConformance',
      'checkFactorizer',
      'checkStreamingFactorizer',
      'conformanceCheckNames',
      'conformanceMatrix',
      'conformanceVideo',
      'streamingConformanceCheckNames',
    ]);
  });

  it('./bench', () => {
    expect(Object.keys(entry2).sort()).toEqual(['median', 'timeMedian']);
  });
});
