// The declarations name Node types (Buffer, NodeJS.ProcessEnv): this reference, kept in dist/index.d.ts,
// brings @types/node (a dependency) to consumers whose tsconfig lists no `types`.
/// <reference types="node" preserve="true" />
/** @lowrank/io: images (sharp) and videos (ffmpeg) to Lowrank matrices and back, written safely. */
export {
  type AtomicOutputDir,
  type AtomicWriteOptions,
  assertWritableFolder,
  checkOutputPath,
  createAtomicOutputDir,
  withTemporaryFile,
  writeDirAtomic,
  writeFileAtomic,
} from './atomic-write.js';
export {
  type EncodedSize,
  encodedSize,
  type LossyFormat,
  type QualityForSize,
  qualityForSize,
} from './encoded-size.js';
export {
  type FfmpegLocation,
  type FfmpegSource,
  type FindFfmpegOptions,
  findFfmpeg,
} from './ffmpeg-discovery.js';
export { type FrameFolder, scanFrameFolder } from './frame-folder.js';
export { LUMA_WEIGHTS, lumaFromRgb } from './luma.js';
export {
  absQuantile,
  contrastNormalize,
  separationComposite,
  sideBySide,
  videoFrame,
  videoMatrixPicture,
} from './matrix-pictures.js';
export {
  extensionOf,
  extensionPattern,
  FRAME_EXTENSIONS,
  IMAGE_FILE_EXTENSIONS,
  isFramePath,
  isImageFilePath,
  isStillImagePath,
  isVideoPath,
  MEDIA_FORMATS,
  type MediaFormat,
  STILL_IMAGE_EXTENSIONS,
  VIDEO_EXTENSIONS,
} from './media-formats.js';
export { assertReadableFile, detectMediaKind } from './media-input.js';
export { type ColorMode, scaledSize } from './media-options.js';
export {
  assertFitsMemory,
  DEFAULT_MEMORY_FRACTION,
  defaultMemoryBudget,
  estimateVideoBytes,
  formatBytes,
  type MemoryEstimate,
} from './memory-budget.js';
export { encodePng } from './png-encoder.js';
export { type ProbeVideoOptions, probeVideo, type VideoInfo } from './probe-video.js';
export {
  decodeFrames,
  openVideoSource,
  type ReadFramesOptions,
  readFrames,
  type VideoFrame,
  type VideoSource,
} from './read-frames.js';
export {
  DEFAULT_BACKGROUND,
  DEFAULT_MAX_PIXELS,
  type ImageMatrices,
  type ImageMetadata,
  type ImageProbe,
  probeImage,
  type ReadImageOptions,
  readImage,
} from './read-image.js';
export {
  decodeVideoMatrix,
  type ReadVideoMatrixOptions,
  readVideoMatrix,
  type VideoMatrixResult,
  type VideoProgress,
} from './read-video-matrix.js';
export { type SampleSlices, samplesInMemory } from './spooled-decode.js';
export { liveTemporaryPaths, watchTemporaryPaths } from './temporary-paths.js';
export {
  encodeImage,
  type ImageChannels,
  type ImageFormat,
  type WriteImageOptions,
  writeImage,
} from './write-image.js';
export {
  type FrameData,
  type VideoOutputFormat,
  type WriteVideoOptions,
  type WrittenVideo,
  writeVideo,
} from './write-video.js';
