/**
 * The message protocol between the extension host and the webviews: one union each way.
 * Progress and cancel are messages like any other. Pixel data and SVD factors travel as typed
 * arrays (VS Code transfers their ArrayBuffers without JSON-encoding them).
 * This file is imported by the host (src/) and bundled into the webview (media/): no Node imports.
 */

export type PanelKind = 'compression' | 'separation';

/** A plugin option, as the webview draws it (a JSON-safe copy of core's OptionSpec). */
export interface OptionInfo {
  readonly key: string;
  readonly type: 'number' | 'integer' | 'boolean' | 'enum' | 'string';
  readonly label: string;
  readonly description: string;
  readonly default: number | string | boolean;
  readonly min?: number;
  /** A number, or 'min-dimension' (min(rows, cols) of the input). */
  readonly max?: number | 'min-dimension';
  readonly values?: readonly string[];
  readonly allowAuto?: boolean;
}

export interface MethodInfo {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly kind: 'low-rank' | 'low-rank-plus-sparse' | 'streaming';
  readonly options: readonly OptionInfo[];
  /** True for plugins loaded from lowrank.plugins. */
  readonly custom: boolean;
}

export type OptionValues = Record<string, number | string | boolean>;

/** An error as the user sees it: what happened (with the file name) and what to do. */
export interface ErrorInfo {
  readonly message: string;
  readonly hint?: string;
  /** LowrankError code when known (MEDIA_ERROR, RESOURCE_LIMIT, DEPENDENCY_MISSING, ...). */
  readonly code?: string;
  /** For a memory refusal: the largest scale and frame count that fit the budget. */
  readonly fits?: { readonly scale?: number; readonly frames?: number };
}

/** A plugin module from lowrank.plugins that could not be loaded, and why. */
export interface PluginErrorInfo {
  readonly specifier: string;
  readonly message: string;
}

/** A frame of a streaming separation, drawn as soon as it is computed (bytes as in SeparationResultInfo). */
export interface LiveFrameInfo {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly original: Uint8Array;
  readonly background: Uint8Array;
  readonly foreground: Uint8Array;
  readonly mask?: Uint8Array;
}

export interface ProgressInfo {
  readonly stage: string;
  /** The latest frame of a streaming separation (at most a few a second). */
  readonly frame?: LiveFrameInfo;
  readonly fraction?: number;
  readonly iteration?: number;
  readonly maxIterations?: number;
  readonly residual?: number;
  readonly message?: string;
  /** Why the run goes another way than asked (a batch run that would not fit streams instead). */
  readonly note?: string;
}

/** Values in one 'factorPart' message (512 KiB): the workbench handles each in a short task. */
export const FACTOR_PART_VALUES = 2 ** 17;

/** The 'factorPart' messages and the 'channelFactors' message that carry one channel's factors. */
export function factorMessages(channel: number, factors: ChannelFactors): HostToWebview[] {
  const parts: HostToWebview[] = [];
  for (const matrix of ['u', 'v'] as const) {
    const values = factors[matrix];
    for (let offset = 0; offset < values.length; offset += FACTOR_PART_VALUES) {
      const slice = values.slice(offset, offset + FACTOR_PART_VALUES);
      parts.push({ type: 'factorPart', channel, matrix, offset, length: values.length, values: slice });
    }
  }
  const empty = new Float32Array(0);
  return [...parts, { type: 'channelFactors', channel, factors: { ...factors, u: empty, v: empty } }];
}

/** Puts 'factorPart' slices back together into one channel's u and v. */
export class FactorAssembler {
  readonly #matrices = new Map<string, Float32Array>();

  add(part: Extract<HostToWebview, { type: 'factorPart' }>): void {
    const key = `${part.channel}:${part.matrix}`;
    let matrix = this.#matrices.get(key);
    if (!matrix || matrix.length !== part.length || part.offset === 0) {
      matrix = new Float32Array(part.length);
      this.#matrices.set(key, matrix);
    }
    matrix.set(part.values, part.offset);
  }

  /** The channel's factors with the u and v assembled from their parts (then forgotten here). */
  complete(channel: number, factors: ChannelFactors): ChannelFactors {
    const u = this.#matrices.get(`${channel}:u`) ?? factors.u;
    const v = this.#matrices.get(`${channel}:v`) ?? factors.v;
    this.#matrices.delete(`${channel}:u`);
    this.#matrices.delete(`${channel}:v`);
    return { ...factors, u, v };
  }
}

/** One channel's truncated SVD, M ~ U diag(s) V^T, U rows x rank and V cols x rank, row-major. */
export interface ChannelFactors {
  readonly rank: number;
  readonly u: Float32Array;
  readonly s: Float32Array;
  readonly v: Float32Array;
  /**
   * A first preview computed at 1/block of the image's size: u and v hold every block-th row of the
   * image-size factors, whose rows repeat in runs of `block` (expandBlocks restores them).
   */
  readonly block?: number;
}

export interface ImageInfo {
  readonly fileName: string;
  readonly width: number;
  readonly height: number;
  /** 1 (gray) or 3 (RGB) as factorized. */
  readonly channels: number;
  /**
   * The picture as factorized, one of: 8-bit RGBA row-major (gray repeated in R, G, B), exact, for
   * images up to 1 megapixel; or, above that, an encoded picture the webview decodes off its main
   * thread (a tenth to a thirtieth of the bytes to carry).
   */
  readonly rgba?: Uint8ClampedArray;
  readonly encoded?: EncodedPicture;
}

/**
 * A big original as the webview receives it: the JPEG file itself when its colours are the ones
 * factorized (sent before decoding, so it shows at once), else a JPEG (quality 95) of the decoded picture.
 */
export interface EncodedPicture {
  readonly bytes: Uint8Array;
  readonly type: 'image/jpeg';
  /** True when `bytes` is the source file as it is. */
  readonly source: boolean;
  /**
   * True for a quick copy at about the fitted view's size, sent first: the full-size picture
   * follows in another 'image' message (same name and size), for zoomed views.
   */
  readonly reduced?: boolean;
}

export interface CompressionResultInfo {
  readonly method: string;
  /** The rank the shared pipeline chose (the method's default rank, or lowrank.defaultRank where that is auto). */
  readonly rank: number;
  /** ||M||_F^2 over the factorized channels: energy kept is measured against it, not the computed spectrum. */
  readonly squaredNorm: number;
  /** The largest rank the slider can reach (what the method computed). */
  readonly maxRank: number;
  /** min(width, height). */
  readonly fullRank: number;
  /** Singular values per channel when the method has them (descending). */
  readonly singularValues?: readonly Float32Array[];
  /** storedNumbers[k - 1] = numbers stored for rank k, summed over channels. */
  readonly storedNumbers: Float64Array;
  /** Factors per channel, when the method exposes them; else the host reconstructs on request. */
  readonly factors?: readonly ChannelFactors[];
  readonly milliseconds: number;
  /** Set when only the leading triplets were computed (a big image): why, in words. */
  readonly partialNote?: string;
}

export interface QualityInfo {
  readonly rank: number;
  readonly psnr: number;
  readonly ssim: number;
  readonly relativeError: number;
}

export interface VideoProbeInfo {
  readonly fileName: string;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps?: number;
}

export interface SeparationResultInfo {
  readonly method: string;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps: number;
  /** Values per pixel of original, background and foreground: 1 gray, 3 RGB interleaved. */
  readonly channels: number;
  /** 8-bit frames, frame after frame (frames * width * height * channels bytes each). */
  readonly original: Uint8Array;
  readonly background: Uint8Array;
  /** |S| scaled for display. */
  readonly foreground: Uint8Array;
  /** 0 or 255 per pixel (one value per pixel). */
  readonly mask: Uint8Array;
  /** The video matrix (pixels x frames) drawn small: gray bytes, pictureHeight rows of `frames` columns. */
  readonly matrixPicture: { readonly width: number; readonly height: number; readonly pixels: Uint8Array };
  readonly history: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
  readonly residual: number;
  readonly rank: number;
  readonly milliseconds: number;
  /** Problems the run went on despite (a damaged input read in part). */
  readonly warnings?: readonly string[];
  /** How the run went another way than asked (streamed because a batch run would not fit). */
  readonly notes?: readonly string[];
  /** Set when the frames went through a streaming method: its speed, and whether Cancel stopped it early. */
  readonly streaming?: { readonly framesPerSecond: number; readonly stoppedEarly: boolean };
}

export interface SettingsInfo {
  readonly defaultRank: number;
  /** Triplets a big image's partial SVD computes first (lowrank.rankCap). */
  readonly rankCap: number;
  readonly defaultVideoMethod: string;
  readonly videoScale: number;
  readonly maxFrames: number;
}

/** Host -> webview. */
export type HostToWebview =
  | {
      readonly type: 'init';
      readonly panel: PanelKind;
      /** The source file as a URI string (kept in the webview state for the serializer). */
      readonly source: string;
      readonly fileName: string;
      /** True when the host re-sends earlier results next (the panel was hidden and shown again). */
      readonly hasResults: boolean;
      /** The last rank shown for this file, remembered by the host (wins over the webview state on restore). */
      readonly rememberedRank?: number;
      readonly methods: readonly MethodInfo[];
      readonly settings: SettingsInfo;
      /** Why custom plugins are off or failed to load, when they are. */
      readonly pluginNote?: string;
      /** Each plugin module that failed to load, shown in the panel. */
      readonly pluginErrors?: readonly PluginErrorInfo[];
    }
  | { readonly type: 'busy'; readonly busy: boolean; readonly stage?: string }
  | { readonly type: 'progress'; readonly progress: ProgressInfo }
  | { readonly type: 'error'; readonly error: ErrorInfo }
  | { readonly type: 'image'; readonly image: ImageInfo }
  /**
   * One channel's factors, sent ahead of their 'compressed' message: a message is one task in the
   * workbench and in the webview, and a 12-megapixel photo's factors in one block both too long.
   * Its u and v are empty here: they came just before, in 'factorPart' messages.
   */
  | { readonly type: 'channelFactors'; readonly channel: number; readonly factors: ChannelFactors }
  /** A slice of one channel's u or v (`length` values in all), at most FACTOR_PART_VALUES long. */
  | {
      readonly type: 'factorPart';
      readonly channel: number;
      readonly matrix: 'u' | 'v';
      readonly offset: number;
      readonly length: number;
      readonly values: Float32Array;
    }
  /** `factorChannels`: the result's factors came just before, in this many 'channelFactors' messages. */
  | {
      readonly type: 'compressed';
      readonly result: CompressionResultInfo;
      readonly factorChannels?: number;
    }
  /** Quick leading factors of a big image, before the full factorization: a first preview. */
  | { readonly type: 'preview'; readonly factors: readonly ChannelFactors[] }
  | { readonly type: 'reconstruction'; readonly rank: number; readonly pixels: Float32Array }
  | { readonly type: 'quality'; readonly quality: QualityInfo }
  | { readonly type: 'saved'; readonly file: string }
  | { readonly type: 'probe'; readonly probe: VideoProbeInfo }
  /** `restored`: read back from the extension's storage after a window reload (nothing to export until run again). */
  | { readonly type: 'separated'; readonly result: SeparationResultInfo; readonly restored?: boolean }
  | { readonly type: 'exported'; readonly folder: string }
  /** The running work was stopped; `resultsKept` is false when the worker's cached results are gone. */
  | { readonly type: 'cancelled'; readonly resultsKept: boolean }
  /** The user chose "Lower Scale" on a memory-budget error: run again at this scale (one that fits). */
  | { readonly type: 'lowerScale'; readonly scale: number };

/** Webview -> host. */
export type WebviewToHost =
  | { readonly type: 'ready' }
  | {
      readonly type: 'compress';
      readonly method: string;
      readonly options: OptionValues;
      readonly colour: boolean;
      /** Triplets to compute at least (the slider's reach on a big image); default the setting. */
      readonly rankCap?: number;
    }
  | { readonly type: 'quality'; readonly rank: number }
  | { readonly type: 'reconstruct'; readonly rank: number }
  | { readonly type: 'save'; readonly rank: number }
  | {
      readonly type: 'separate';
      readonly method: string;
      readonly options: OptionValues;
      readonly colour: boolean;
      readonly scale: number;
      readonly startFrame: number;
      readonly frameCount: number;
    }
  | { readonly type: 'export' }
  | { readonly type: 'cancel' };

const WEBVIEW_TO_HOST_TYPES = new Set([
  'ready',
  'compress',
  'quality',
  'reconstruct',
  'save',
  'separate',
  'export',
  'cancel',
]);

function isRank(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function isOptionValues(value: unknown): value is OptionValues {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => ['number', 'string', 'boolean'].includes(typeof v));
}

/**
 * Checks a message from a webview before the host acts on it: webview content is less trusted
 * than the host, so a malformed message is dropped rather than half-handled.
 */
export function isWebviewToHost(message: unknown): message is WebviewToHost {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  if (typeof m.type !== 'string' || !WEBVIEW_TO_HOST_TYPES.has(m.type)) return false;
  switch (m.type) {
    case 'compress':
      return (
        typeof m.method === 'string' &&
        isOptionValues(m.options) &&
        typeof m.colour === 'boolean' &&
        (m.rankCap === undefined || isRank(m.rankCap))
      );
    case 'quality':
    case 'reconstruct':
    case 'save':
      return isRank(m.rank);
    case 'separate':
      return (
        typeof m.method === 'string' &&
        isOptionValues(m.options) &&
        typeof m.colour === 'boolean' &&
        typeof m.scale === 'number' &&
        m.scale > 0 &&
        m.scale <= 1 &&
        Number.isInteger(m.startFrame) &&
        (m.startFrame as number) >= 0 &&
        Number.isInteger(m.frameCount) &&
        (m.frameCount as number) >= 2
      );
    default:
      return true;
  }
}

/** The state a panel keeps across hide/show and window reloads (the serializer reads it). */
export interface PanelState {
  readonly panel: PanelKind;
  /** The source file (a URI string), so a reloaded window can reopen it. */
  readonly source: string;
  readonly method?: string;
  readonly rank?: number;
  readonly rankCap?: number;
  readonly colour?: boolean;
  readonly view?: string;
  readonly options?: OptionValues;
  readonly scale?: number;
  readonly startFrame?: number;
  readonly frameCount?: number;
}

export function isPanelState(value: unknown): value is PanelState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (s.panel === 'compression' || s.panel === 'separation') && typeof s.source === 'string';
}
