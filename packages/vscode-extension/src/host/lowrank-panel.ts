import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type {
  CompressionResultInfo,
  ErrorInfo,
  HostToWebview,
  ImageInfo,
  MethodInfo,
  PanelKind,
  PluginErrorInfo,
  ProgressInfo,
  SeparationResultInfo,
  VideoProbeInfo,
  WebviewToHost,
} from '../shared/protocol.js';
import { factorMessages, isWebviewToHost } from '../shared/protocol.js';
import type { PartialResult, WorkerRequest, WorkerResults } from '../shared/worker-protocol.js';
import { LatestOnly } from './latest-only.js';
import { freeSiblingPath } from './output-names.js';
import { RememberedRanks } from './remembered-ranks.js';
import { SeparationStore } from './separation-store.js';
import { type LowrankSettings, pluginNote, readSettings } from './settings.js';
import { describeError } from './user-errors.js';
import { createNonce, renderWebviewHtml } from './webview-html.js';
import { WorkerCancelledError, WorkerClient, WorkerRequestError } from './worker-client.js';

export const COMPRESSION_VIEW_TYPE = 'lowrank.compression';
export const SEPARATION_VIEW_TYPE = 'lowrank.separation';

const TITLES: Record<PanelKind, string> = { compression: 'SVD', separation: 'Separation' };

function currentSettings(): { settings: LowrankSettings; trusted: boolean; get: (key: string) => unknown } {
  const config = vscode.workspace.getConfiguration('lowrank');
  const get = (key: string) => config.get(key);
  const trusted = vscode.workspace.isTrusted;
  return { settings: readSettings(get, trusted), trusted, get };
}

/**
 * One panel (a webview panel or a custom editor) showing one source file. Owns its worker thread:
 * the worker is terminated on cancel and when the panel closes. Caches the last results so a
 * panel that was hidden (its webview destroyed) comes back without computing again.
 */
export class LowrankPanel {
  readonly #panel: vscode.WebviewPanel;
  readonly #kind: PanelKind;
  readonly #source: vscode.Uri;
  readonly #worker: WorkerClient;
  readonly #disposables: vscode.Disposable[] = [];
  #methods: Promise<WorkerResults['methods']> | undefined;
  #image: ImageInfo | undefined;
  #compressed: CompressionResultInfo | undefined;
  #probe: VideoProbeInfo | undefined;
  #separated: SeparationResultInfo | undefined;
  #lastMethod = '';
  #running: vscode.CancellationTokenSource | undefined;
  /** Slider-driven requests: one in flight per kind, and only the latest rank waits behind it. */
  readonly #perRank = {
    quality: new LatestOnly(
      async (rank: number) => {
        this.#post({ type: 'quality', quality: await this.#worker.request({ type: 'quality', rank }) });
      },
      (error) => this.#reportError(error),
    ),
    reconstruct: new LatestOnly(
      async (rank: number) => {
        const r = await this.#worker.request({ type: 'reconstruct', rank });
        this.#post({ type: 'reconstruction', rank: r.rank, pixels: r.pixels });
      },
      (error) => this.#reportError(error),
    ),
  };
  #runningType: WorkerRequest['type'] | undefined;
  /**
   * The running separation streams (its method is a streaming one, or a live frame came): Cancel
   * stops it where it is and keeps the frames done.
   */
  #streaming = false;
  readonly #rememberedRanks: RememberedRanks;
  readonly #separations: SeparationStore;
  /** The separation shown came from storage (a window reload): the worker has no job to export. */
  #restored = false;

  readonly #output: vscode.OutputChannel;

  constructor(
    context: vscode.ExtensionContext,
    panel: vscode.WebviewPanel,
    kind: PanelKind,
    source: vscode.Uri,
    output: vscode.OutputChannel,
  ) {
    this.#output = output;
    this.#panel = panel;
    this.#kind = kind;
    this.#source = source;
    this.#rememberedRanks = new RememberedRanks(context.globalStorageUri.fsPath);
    this.#separations = new SeparationStore(context.globalStorageUri.fsPath);
    const { settings } = currentSettings();
    const pluginBase = vscode.workspace.getWorkspaceFolder(source)?.uri.fsPath ?? join(source.fsPath, '..');
    this.#worker = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, {
      ...(settings.ffmpegPath ? { ffmpegPath: settings.ffmpegPath } : {}),
      pluginModules: settings.plugins,
      pluginBase,
      memoryBudgetBytes: settings.memoryBudgetBytes,
      defaultRank: settings.defaultRank,
    });
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.title = `${TITLES[kind]}: ${basename(source.fsPath)}`;
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    panel.webview.html = renderWebviewHtml({
      panel: kind,
      title: panel.title,
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'out', `${kind}.js`)).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'styles.css')).toString(),
      nonce: createNonce(),
    });
    this.#disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewToHost(message)) void this.#onMessage(message);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    // Start the worker and load the methods while the webview loads: its 'ready' waits for them.
    // A failure here is reported when 'ready' asks again.
    this.#loadMethods().catch(() => undefined);
  }

  get fileName(): string {
    return basename(this.#source.fsPath);
  }

  /** One line in the "Lowrank" output channel, where errors and plugin failures stay readable. */
  #log(text: string): void {
    this.#output.appendLine(`[${new Date().toISOString()}] ${this.fileName}: ${text}`);
  }

  #post(message: HostToWebview): void {
    void this.#panel.webview.postMessage(message);
  }

  #loadMethods(): Promise<WorkerResults['methods']> {
    this.#methods ??= this.#worker.request({ type: 'methods' }).catch((error: unknown) => {
      this.#methods = undefined;
      throw error;
    });
    return this.#methods;
  }

  async #onMessage(message: WebviewToHost): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          return await this.#onReady();
        case 'compress':
          return await this.#compress(message.method, message.options, message.colour, message.rankCap);
        case 'quality':
          // Sent once the slider settles: the moment to remember the rank for a window reload.
          this.#rememberedRanks.set(this.#source.toString(), message.rank);
          return this.#perRank.quality.ask(message.rank);
        case 'reconstruct':
          return this.#perRank.reconstruct.ask(message.rank);
        case 'save':
          return await this.#save(message.rank);
        case 'separate':
          return await this.#separate(message);
        case 'export':
          return await this.#export();
        case 'cancel':
          return this.cancel();
      }
    } catch (error) {
      this.#reportError(error);
    }
  }

  async #onReady(): Promise<void> {
    const { settings, trusted, get } = currentSettings();
    let methods: MethodInfo[] = [];
    let note: string | undefined;
    let pluginErrors: readonly PluginErrorInfo[] = [];
    try {
      const loaded = await this.#loadMethods();
      methods = loaded.methods;
      pluginErrors = loaded.pluginErrors;
      note = pluginNote(get, trusted, pluginErrors);
      for (const failure of pluginErrors)
        this.#log(`Plugin ${failure.specifier} could not be loaded: ${failure.message}`);
    } catch (error) {
      this.#reportError(error);
    }
    const hasResults = this.#kind === 'compression' ? !!this.#compressed : !!this.#separated;
    const rememberedRank =
      this.#kind === 'compression' ? this.#rememberedRanks.get(this.#source.toString()) : undefined;
    this.#post({
      type: 'init',
      panel: this.#kind,
      source: this.#source.toString(),
      fileName: this.fileName,
      hasResults,
      ...(rememberedRank === undefined ? {} : { rememberedRank }),
      methods,
      settings: {
        defaultRank: settings.defaultRank,
        rankCap: settings.rankCap,
        defaultVideoMethod: settings.defaultVideoMethod,
        videoScale: settings.videoScale,
        maxFrames: settings.maxFrames,
      },
      ...(note ? { pluginNote: note } : {}),
      ...(pluginErrors.length ? { pluginErrors } : {}),
    });
    if (this.#kind === 'compression' && this.#image && this.#compressed) {
      this.#post({ type: 'image', image: this.#image });
      await this.#postCompressed(this.#compressed);
    }
    if (this.#kind === 'separation') {
      if (!this.#separated) {
        // A window reload: the last separation of this source, if it was kept and is still current.
        const kept = await this.#separations.load(this.#source.fsPath);
        if (kept && !this.#separated) {
          this.#separated = kept;
          this.#restored = true;
        }
      }
      if (this.#separated)
        this.#post({
          type: 'separated',
          result: this.#separated,
          ...(this.#restored ? { restored: true } : {}),
        });
      this.#probe ??= await this.#worker.request({ type: 'probeVideo', file: this.#source.fsPath });
      this.#post({ type: 'probe', probe: this.#probe });
    }
  }

  /** Runs one long request with a cancellable progress notification mirrored in the webview. */
  async #withProgress<T extends WorkerRequest>(
    title: string,
    request: T,
    onPartial?: (partial: PartialResult) => void,
  ): Promise<WorkerResults[T['type']]> {
    this.cancelRunning();
    const source = new vscode.CancellationTokenSource();
    this.#running = source;
    this.#runningType = request.type;
    this.#post({ type: 'busy', busy: true, stage: title });
    try {
      return await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `${title}: ${this.fileName}`,
          cancellable: true,
        },
        (report, token) => {
          token.onCancellationRequested(() => this.cancel());
          let reported = 0;
          return this.#worker.request(
            request,
            (progress: ProgressInfo) => {
              // Live frames come only from a stream (one chosen, or the automatic fallback).
              if (request.type === 'separate' && progress.frame) this.#streaming = true;
              this.#post({ type: 'progress', progress });
              const increment =
                progress.fraction !== undefined ? Math.max(0, progress.fraction * 100 - reported) : undefined;
              if (increment !== undefined) reported += increment;
              report.report({ message: progressText(progress), ...(increment ? { increment } : {}) });
            },
            onPartial,
          );
        },
      );
    } finally {
      if (this.#running === source) {
        this.#running = undefined;
        this.#runningType = undefined;
      }
      source.dispose();
      this.#post({ type: 'busy', busy: false });
    }
  }

  async #compress(
    method: string,
    options: Record<string, number | string | boolean>,
    colour: boolean,
    rankCap: number | undefined,
  ): Promise<void> {
    this.#lastMethod = method;
    this.#image = undefined;
    this.#compressed = undefined;
    const { result } = await this.#withProgress(
      'Lowrank: factorizing',
      {
        type: 'compress',
        file: this.#source.fsPath,
        method,
        options,
        colour,
        rankCap: rankCap ?? currentSettings().settings.rankCap,
      },
      // The original shows as soon as it is decoded, a first preview as soon as it exists.
      (partial) => {
        if (partial.kind === 'image') {
          this.#image = partial.image;
          this.#post({ type: 'image', image: partial.image });
        } else {
          this.#post({ type: 'preview', factors: partial.factors });
        }
      },
    );
    this.#compressed = result;
    // The method that ran ('auto' resolves to svd or randomized-svd): Save's file name says which.
    this.#lastMethod = result.method;
    await this.#postCompressed(result);
  }

  /**
   * The result with its factors ahead of it, in slices of 512 KiB (see 'factorPart'), each
   * posted in a task of its own: VS Code copies a message's buffers on this thread, and a
   * 12-megapixel photo's factors at once block it for a few hundred milliseconds.
   */
  async #postCompressed(result: CompressionResultInfo): Promise<void> {
    const { factors, ...rest } = result;
    for (const [index, channel] of (factors ?? []).entries()) {
      for (const message of factorMessages(index, channel)) {
        this.#post(message);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.#post({ type: 'compressed', result: rest, ...(factors ? { factorChannels: factors.length } : {}) });
  }

  async #save(rank: number): Promise<void> {
    const target = await freeSiblingPath(
      this.#source.fsPath,
      `${this.#lastMethod || 'svd'}-rank${rank}`,
      '.png',
    );
    const { file } = await this.#worker.request({ type: 'savePng', rank, target });
    this.#post({ type: 'saved', file: basename(file) });
    const open = await vscode.window.showInformationMessage(
      `Saved the rank-${rank} reconstruction as ${basename(file)}.`,
      'Open',
    );
    if (open) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
  }

  async #separate(message: Extract<WebviewToHost, { type: 'separate' }>): Promise<void> {
    this.#separated = undefined;
    this.#lastMethod = message.method;
    const methods = await this.#loadMethods().catch(() => undefined);
    this.#streaming = methods?.methods.find((m) => m.name === message.method)?.kind === 'streaming';
    const result = await this.#withProgress('Lowrank: separating', {
      type: 'separate',
      file: this.#source.fsPath,
      method: message.method,
      options: message.options,
      colour: message.colour,
      scale: message.scale,
      startFrame: message.startFrame,
      frameCount: message.frameCount,
    });
    this.#separated = result;
    // The method that ran ('auto' resolves to rpca or streaming-rpca): Export's folder name says which.
    this.#lastMethod = result.method;
    this.#restored = false;
    this.#post({ type: 'separated', result });
    // Kept for a window reload (within the store's size limits), off the critical path.
    void this.#separations.save(this.#source.fsPath, result).then((kept) => {
      if (!kept)
        this.#log('The separation is too large to keep across a window reload (over 64 MiB of frames).');
    });
  }

  async #export(): Promise<void> {
    if (this.#restored) {
      this.#post({
        type: 'error',
        error: {
          message:
            'This separation was restored after a reload; press Run to compute it again before exporting.',
        },
      });
      return;
    }
    const target = await freeSiblingPath(
      this.#source.fsPath,
      `${this.#lastMethod || 'lowrank'}-separation`,
      '',
    );
    // The worker writes the folder atomically (a hidden partial folder renamed at the end).
    await this.#withProgress('Lowrank: exporting', { type: 'export', folder: target });
    this.#post({ type: 'exported', folder: basename(target) });
    void vscode.window.showInformationMessage(
      `Exported background, foreground and masks to ${basename(target)}.`,
    );
  }

  cancelRunning(): void {
    if (this.#running) this.cancel();
  }

  /**
   * Stops the running work at once. A streaming separation stops through its AbortSignal and keeps
   * the frames done (the worker answers with them); an export stops the same way (ffmpeg is killed
   * and the temporary folder removed) so the worker keeps the separation; anything else terminates
   * the worker thread (the host keeps the last results it was sent).
   */
  cancel(): void {
    const exporting = this.#runningType === 'export';
    const stoppingStream = this.#runningType === 'separate' && this.#streaming;
    this.#running?.cancel();
    this.#running = undefined;
    this.#runningType = undefined;
    if (stoppingStream) {
      // The worker ends the stream where it is and answers with the frames done so far.
      this.#worker.abortCurrent();
      this.#post({ type: 'cancelled', resultsKept: true });
      return;
    }
    if (exporting) {
      this.#worker.abortCurrent();
    } else {
      this.#methods = undefined;
      void this.#worker.cancel();
      // A terminated worker lost its cached factors: a restored panel must compute again.
      this.#compressed = undefined;
      this.#image = undefined;
      this.#separated = undefined;
    }
    this.#post({ type: 'cancelled', resultsKept: exporting });
  }

  #reportError(error: unknown): void {
    if (error instanceof WorkerCancelledError) return;
    if (error instanceof WorkerRequestError && error.info.code === 'ABORTED') return;
    const info: ErrorInfo =
      error instanceof WorkerRequestError
        ? error.info
        : { message: error instanceof Error ? error.message : String(error) };
    const user = describeError(
      this.fileName,
      info,
      this.#kind === 'separation' && info.fits?.scale !== undefined,
    );
    this.#log(user.text);
    this.#post({ type: 'error', error: { ...info, message: user.text } });
    void vscode.window.showErrorMessage(user.text, ...user.actions).then((action) => {
      if (action === 'Open Settings' && user.setting) {
        void vscode.commands.executeCommand('workbench.action.openSettings', user.setting);
      }
      if (action === 'Lower Scale' && info.fits?.scale !== undefined)
        this.#post({ type: 'lowerScale', scale: info.fits.scale });
    });
  }

  dispose(): void {
    void this.#worker.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

function progressText(p: ProgressInfo): string {
  const parts = [p.stage];
  if (p.iteration !== undefined)
    parts.push(`iteration ${p.iteration}${p.maxIterations ? `/${p.maxIterations}` : ''}`);
  if (p.residual !== undefined) parts.push(`residual ${p.residual.toExponential(2)}`);
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}
