// The declarations name Node types (ChildProcess, Buffer, NodeJS.ProcessEnv): this reference, kept in
// dist/index.d.ts, brings @types/node (a dependency) to consumers whose tsconfig lists no `types`.
/// <reference types="node" preserve="true" />
export * from './atomic-write.js';
export * from './encoded-size.js';
export * from './ffmpeg-discovery.js';
export * from './ffmpeg-process.js';
export * from './frame-folder.js';
export * from './luma.js';
export * from './matrix-pictures.js';
export * from './media-formats.js';
export * from './media-input.js';
export * from './media-options.js';
export * from './memory-budget.js';
export * from './probe-video.js';
export * from './read-frames.js';
export * from './read-image.js';
export * from './read-video-matrix.js';
export * from './temporary-paths.js';
export * from './write-image.js';
export * from './write-video.js';
