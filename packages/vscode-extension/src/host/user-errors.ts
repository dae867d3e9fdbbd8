import type { ErrorInfo } from '../shared/protocol.js';

export type ErrorAction = 'Open Settings' | 'Lower Scale';

export interface UserError {
  /** One line: the file name, what went wrong, and the hint. */
  readonly text: string;
  readonly actions: readonly ErrorAction[];
  /** The setting "Open Settings" should show. */
  readonly setting?: string;
}

const FFMPEG_HINT =
  'Install ffmpeg (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set lowrank.ffmpegPath to the ffmpeg executable.';

/**
 * Turns a worker error into the message VS Code shows: always names the file, always says what to
 * do (never a silent blank panel). `canLowerScale`: the panel can rerun at a smaller scale (separation).
 */
export function describeError(fileName: string, error: ErrorInfo, canLowerScale = false): UserError {
  const named = error.message.includes(fileName) ? error.message : `${fileName}: ${error.message}`;
  switch (error.code) {
    case 'DEPENDENCY_MISSING':
      return {
        text: `${named} ${/ffmpeg/i.test(error.message) ? FFMPEG_HINT : (error.hint ?? '')}`.trim(),
        actions: ['Open Settings'],
        setting: 'lowrank.ffmpegPath',
      };
    case 'RESOURCE_LIMIT':
      return {
        text: `${named} ${error.hint ?? 'Lower the scale or the frame count, or raise lowrank.memoryBudgetMB.'}`,
        actions: canLowerScale ? ['Lower Scale', 'Open Settings'] : ['Open Settings'],
        setting: 'lowrank.memoryBudgetMB',
      };
    case 'MEDIA_ERROR':
      return {
        text: `${named} ${error.hint ?? 'The file may be corrupt or in a format that is not supported: try converting it to PNG (images) or MP4 (videos).'}`,
        actions: [],
      };
    default:
      return { text: error.hint ? `${named} ${error.hint}` : named, actions: [] };
  }
}
