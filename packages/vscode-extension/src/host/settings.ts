/**
 * Reads the lowrank.* settings into checked values. A getter is passed in (vscode's
 * WorkspaceConfiguration.get) so this stays testable without VS Code.
 */
export interface LowrankSettings {
  readonly defaultRank: number;
  /** Triplets a big image's partial SVD computes (the slider's reach until the panel raises it). */
  readonly rankCap: number;
  readonly defaultVideoMethod: string;
  readonly videoScale: number;
  readonly maxFrames: number;
  readonly memoryBudgetBytes: number;
  readonly ffmpegPath: string | undefined;
  readonly plugins: readonly string[];
}

export type SettingGetter = (key: string) => unknown;

function integer(value: unknown, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min ? value : fallback;
}

export function readSettings(get: SettingGetter, trusted: boolean): LowrankSettings {
  const scale = get('video.scale');
  const plugins = get('plugins');
  const ffmpeg = get('ffmpegPath');
  const method = get('video.defaultMethod');
  return {
    defaultRank: integer(get('defaultRank'), 50, 1),
    rankCap: integer(get('rankCap'), 100, 1),
    defaultVideoMethod: typeof method === 'string' && method.trim() ? method.trim() : 'auto',
    videoScale: typeof scale === 'number' && scale > 0 && scale <= 1 ? scale : 0.5,
    maxFrames: integer(get('video.maxFrames'), 200, 2),
    memoryBudgetBytes: integer(get('memoryBudgetMB'), 2048, 64) * 2 ** 20,
    // Both run or point at code: honoured only in a trusted workspace.
    ffmpegPath: trusted && typeof ffmpeg === 'string' && ffmpeg.trim() ? ffmpeg.trim() : undefined,
    plugins:
      trusted && Array.isArray(plugins)
        ? plugins.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
        : [],
  };
}

/** Why configured plugins are not in the method list, when they are not (shown in the panels). */
export function pluginNote(
  get: SettingGetter,
  trusted: boolean,
  loadErrors: readonly { readonly specifier: string; readonly message: string }[],
): string | undefined {
  const configured = get('plugins');
  const count = Array.isArray(configured) ? configured.length : 0;
  if (!trusted && count > 0) {
    return `Restricted Mode: the ${count} plugin module(s) in lowrank.plugins are not loaded, because plugins run code. Trust this workspace to use them.`;
  }
  if (loadErrors.length > 0)
    return `${loadErrors.length} plugin module(s) in lowrank.plugins could not be loaded (details below and in the Lowrank output channel).`;
  return undefined;
}
