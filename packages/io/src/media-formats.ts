/**
 * The one table of media formats Lowrank reads and writes. Every other list derives from it: the
 * image and frame-folder readers here, the CLI's mask matching, and the VS Code extension's
 * commands, file pickers and package.json `when` clauses (a test checks those against this table).
 * No Node imports: the extension host and webviews import it through `@lowrank/io/formats`.
 */
export interface MediaFormat {
  /** Lower-case file extensions without the dot, the first one canonical. */
  readonly extensions: readonly string[];
  readonly kind: 'image' | 'video';
  readonly label: string;
  /** Still images sharp decodes (for `compress` and readImage). */
  readonly stillImage: boolean;
  /** Usable as a frame of a frame folder (ffmpeg decodes the frames). */
  readonly frame: boolean;
  /** readImage/writeImage can write it. */
  readonly writable: boolean;
}

export const MEDIA_FORMATS: readonly MediaFormat[] = [
  { extensions: ['png'], kind: 'image', label: 'PNG', stillImage: true, frame: true, writable: true },
  {
    extensions: ['jpg', 'jpeg'],
    kind: 'image',
    label: 'JPEG',
    stillImage: true,
    frame: true,
    writable: true,
  },
  { extensions: ['webp'], kind: 'image', label: 'WebP', stillImage: true, frame: true, writable: true },
  {
    extensions: ['tif', 'tiff'],
    kind: 'image',
    label: 'TIFF',
    stillImage: true,
    frame: true,
    writable: false,
  },
  { extensions: ['gif'], kind: 'image', label: 'GIF', stillImage: true, frame: false, writable: false },
  { extensions: ['avif'], kind: 'image', label: 'AVIF', stillImage: true, frame: false, writable: false },
  // sharp cannot read BMP; ffmpeg reads it as a frame of a folder.
  { extensions: ['bmp'], kind: 'image', label: 'BMP', stillImage: false, frame: true, writable: false },
  {
    extensions: ['mp4', 'm4v'],
    kind: 'video',
    label: 'MP4',
    stillImage: false,
    frame: false,
    writable: true,
  },
  { extensions: ['avi'], kind: 'video', label: 'AVI', stillImage: false, frame: false, writable: false },
  {
    extensions: ['mov'],
    kind: 'video',
    label: 'QuickTime',
    stillImage: false,
    frame: false,
    writable: false,
  },
  { extensions: ['mkv'], kind: 'video', label: 'Matroska', stillImage: false, frame: false, writable: false },
  { extensions: ['webm'], kind: 'video', label: 'WebM', stillImage: false, frame: false, writable: false },
];

function extensionsWhere(test: (format: MediaFormat) => boolean): readonly string[] {
  return MEDIA_FORMATS.filter(test).flatMap((f) => f.extensions);
}

/** Still images `compress` takes (sharp decodes them). */
export const STILL_IMAGE_EXTENSIONS = extensionsWhere((f) => f.stillImage);
/** Frames a frame folder may hold (all one format per folder). */
export const FRAME_EXTENSIONS = extensionsWhere((f) => f.frame);
/** Every image file kind, still or frame (mask folders, ground truth). */
export const IMAGE_FILE_EXTENSIONS = extensionsWhere((f) => f.kind === 'image');
/** Video files `separate` takes (ffmpeg decodes them; other containers are tried too). */
export const VIDEO_EXTENSIONS = extensionsWhere((f) => f.kind === 'video');

/** The lower-case extension of a path without the dot ('' when none). */
export function extensionOf(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function isStillImagePath(path: string): boolean {
  return STILL_IMAGE_EXTENSIONS.includes(extensionOf(path));
}

export function isVideoPath(path: string): boolean {
  return VIDEO_EXTENSIONS.includes(extensionOf(path));
}

export function isImageFilePath(path: string): boolean {
  return IMAGE_FILE_EXTENSIONS.includes(extensionOf(path));
}

export function isFramePath(path: string): boolean {
  return FRAME_EXTENSIONS.includes(extensionOf(path));
}

/** A VS Code `resourceExtname` regular expression matching these extensions, case-insensitive. */
export function extensionPattern(extensions: readonly string[]): string {
  return `^\\.(${extensions.join('|')})$`;
}
