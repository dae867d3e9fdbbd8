// Test-only: shared inputs of the SVD tests (excluded from the build).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DenseMatrix } from '@lowrank/core';
import { sample, testData } from './test-data.fixture.js';

/** camera.png decoded as the numpy reference does: ffmpeg 8-bit gray, value / 255. */
export function loadCamera(): DenseMatrix<Float64Array> {
  const raw = execFileSync(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', sample('camera.png'), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    { maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { rows: 512, cols: 512, data: Float64Array.from(raw, (x) => x / 255) };
}

/** numpy's singular values of camera.png and scikit-learn's rank-50 result (test-data/make-fixtures.py). */
export const cameraFixture = JSON.parse(readFileSync(testData('fixtures/camera-svd.json'), 'utf8')) as {
  singularValues: number[];
  frobeniusNorm: number;
  sklearnRandomizedRank50: { relativeError: number; singularValues: number[] };
};
