// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as entry0 from './index.js';

describe('@lowrank/algorithms-svd exports', () => {
  it('.', () => {
    expect(Object.keys(entry0).sort()).toEqual([
      'DEFAULT_KRYLOV_DEPTH',
      'applySignConvention',
      'autoPowerIterations',
      'blockKrylovSvd',
      'chooseRank',
      'compressImage',
      'factorizers',
      'orthonormalComplement',
      'randomizedSvd',
      'randomizedSvdFactorizer',
      'randomizedSvdOptionsSpec',
      'reconstructFromFactors',
      'svd',
      'svdBackgroundFactorizer',
      'svdBackgroundOptionsSpec',
      'svdFactorization',
      'svdFactorizer',
      'svdOptionsSpec',
      'takeColumns',
    ]);
  });
});
