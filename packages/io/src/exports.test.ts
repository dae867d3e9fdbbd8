// The package's public API, export by export: a change here is a change users see (say so in a changeset).

import { describe, expect, it } from 'vitest';
import * as entry0 from './index.js';
import * as entry1 from './media-formats.js';

describe('@lowrank/io exports', () => {
  it('.', () => {
    expect(Object.keys(entry0).sort()).toEqual([
      'DEFAULT_BACKGROUND',
      'DEFAULT_MAX_PIXELS',
      'DEFAULT_MEMORY_FRACTION',
      'FRAME_EXTENSIONS',
      'IMAGE_FILE_EXTENSIONS',
      'LUMA_WEIGHTS',
      'MEDIA_FORMATS',
      'STILL_IMAGE_EXTENSIONS',
      'VIDEO_EXTENSIONS',
      'absQuantile',
      'assertFitsMemory',
      'assertReadableFile',
      'assertWritableFolder',
      'checkOutputPath',
      'contrastNormalize',
      'createAtomicOutputDir',
      'decodeFrames',
      'decodeVideoMatrix',
      'defaultMemoryBudget',
      'detectMediaKind',
      'encodeImage',
      'encodePng',
      'encodedSize',
      'estimateVideoBytes',
      'extensionOf',
      'extensionPattern',
      'findFfmpeg',
      'formatBytes',
      'isFramePath',
      'isImageFilePath',
      'isStillImagePath',
      'isVideoPath',
      'liveTemporaryPaths',
      'lumaFromRgb',
      'openVideoSource',
      'probeImage',
      'probeVideo',
      'qualityForSize',
      'readFrames',
      'readImage',
      'readVideoMatrix',
      'samplesInMemory',
      'scaledSize',
      'scanFrameFolder',
      'separationComposite',
      'sideBySide',
      'videoFrame',
      'videoMatrixPicture',
      'watchTemporaryPaths',
      'withTemporaryFile',
      'writeDirAtomic',
      'writeFileAtomic',
      'writeImage',
      'writeVideo',
    ]);
  });

  it('./formats', () => {
    expect(Object.keys(entry1).sort()).toEqual([
      'FRAME_EXTENSIONS',
      'IMAGE_FILE_EXTENSIONS',
      'MEDIA_FORMATS',
      'STILL_IMAGE_EXTENSIONS',
      'VIDEO_EXTENSIONS',
      'extensionOf',
      'extensionPattern',
      'isFramePath',
      'isImageFilePath',
      'isStillImagePath',
      'isVideoPath',
    ]);
  });
});
