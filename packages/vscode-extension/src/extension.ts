/**
 * Extension entry. activate() only registers commands, the custom editor and the panel
 * serializers; nothing is computed until the user asks.
 */
import * as vscode from 'vscode';
import { COMPRESSION_VIEW_TYPE, LowrankPanel, SEPARATION_VIEW_TYPE } from './host/lowrank-panel.js';
import { IMAGE_EXTENSIONS, isImagePath, isVideoPath, VIDEO_EXTENSIONS } from './shared/media-kinds.js';
import { isPanelState, type PanelKind } from './shared/protocol.js';

const VIEW_TYPES: Record<PanelKind, string> = {
  compression: COMPRESSION_VIEW_TYPE,
  separation: SEPARATION_VIEW_TYPE,
};

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Lowrank');
  context.subscriptions.push(output);
  const open = (kind: PanelKind) => async (uri?: vscode.Uri) => {
    const source = uri instanceof vscode.Uri ? uri : await pickSource(kind);
    if (!source) return;
    if (source.scheme !== 'file') {
      void vscode.window.showErrorMessage(
        `${source.toString()}: Lowrank reads local files only; copy the file into a local folder first.`,
      );
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES[kind], kind, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    new LowrankPanel(context, panel, kind, source, output);
  };
  const revive = (kind: PanelKind): vscode.WebviewPanelSerializer => ({
    async deserializeWebviewPanel(panel, state) {
      if (!isPanelState(state) || state.panel !== kind) {
        // Nothing to restore from: say so instead of leaving a blank panel.
        panel.webview.html =
          '<p>This Lowrank panel cannot be restored; open the file again from the Explorer.</p>';
        return;
      }
      new LowrankPanel(context, panel, kind, vscode.Uri.parse(state.source), output);
    },
  });
  context.subscriptions.push(
    vscode.commands.registerCommand('lowrank.previewCompression', open('compression')),
    vscode.commands.registerCommand('lowrank.separateBackground', open('separation')),
    vscode.window.registerWebviewPanelSerializer(COMPRESSION_VIEW_TYPE, revive('compression')),
    vscode.window.registerWebviewPanelSerializer(SEPARATION_VIEW_TYPE, revive('separation')),
    vscode.window.registerCustomEditorProvider(
      'lowrank.compressionEditor',
      {
        openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
        resolveCustomEditor: (document, panel) => {
          new LowrankPanel(context, panel, 'compression', document.uri, output);
        },
      } satisfies vscode.CustomReadonlyEditorProvider,
      { supportsMultipleEditorsPerDocument: true },
    ),
  );
}

export function deactivate(): void {}

/** The file the command applies to when it is not run from a menu: the active editor's, else a picker. */
async function pickSource(kind: PanelKind): Promise<vscode.Uri | undefined> {
  const fits = (uri: vscode.Uri) => (kind === 'compression' ? isImagePath(uri.path) : isVideoPath(uri.path));
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const active =
    input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  if (active && fits(active)) return active;
  if (kind === 'compression') {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Images: [...IMAGE_EXTENSIONS] },
      openLabel: 'Preview SVD Compression',
    });
    return picked?.[0];
  }
  // A dialog cannot pick both files and folders on Windows and Linux (it becomes a folder picker):
  // ask which first.
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'A video file…', folder: false },
      { label: 'A folder of frames…', description: 'images of one scene, in name order', folder: true },
    ],
    { title: 'Separate background and foreground of', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFiles: !choice.folder,
    canSelectFolders: choice.folder,
    ...(choice.folder ? {} : { filters: { Videos: [...VIDEO_EXTENSIONS] } }),
    openLabel: 'Separate',
  });
  return picked?.[0];
}
