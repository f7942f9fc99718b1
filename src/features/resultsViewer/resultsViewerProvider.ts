import { unwatchFile, watchFile, type Stats } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RESULTS_VIEW_TYPE } from '../../constants';
import type { WebviewMessage } from '../../resultsViewer/protocol';
import { ModelResolver } from '../../core/tokens/models';
import { estimatorSettings } from '../estimates/estimateSettings';
import type { JobStore } from '../jobs/jobStore';
import { findInputFile } from './inputFile';
import { viewerHtml, viewerResourceRoots } from './viewerHtml';
import { ViewerSession } from './viewerSession';

/** How often an open results file is checked for changes. */
const watchIntervalMs = 1000;

/**
 * The results viewer, the default editor of `*.results.jsonl` (package.json `customEditors`): a grid of the
 * rows joined with their requests. Read-only: the document is the file's URI; each editor has its own session.
 */
export class ResultsViewerProvider implements vscode.CustomReadonlyEditorProvider {
  private readonly sessions = new Map<string, Set<ViewerSession>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: JobStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  static register(context: vscode.ExtensionContext, store: JobStore, log: vscode.LogOutputChannel): ResultsViewerProvider {
    const provider = new ResultsViewerProvider(context.extensionUri, store, log);
    context.subscriptions.push(vscode.window.registerCustomEditorProvider(RESULTS_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true }));
    return provider;
  }

  /** The sessions of the editors open on `uri` (for tests). */
  sessionsOf(uri: vscode.Uri): ViewerSession[] {
    return [...(this.sessions.get(uri.toString()) ?? [])];
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const uri = document.uri;
    panel.webview.options = { enableScripts: true, localResourceRoots: viewerResourceRoots(this.extensionUri) };
    panel.webview.html = viewerHtml(panel.webview, this.extensionUri, path.basename(uri.fsPath));
    const session = new ViewerSession(panel.webview, { resultsPath: uri.fsPath, inputPath: findInputFile(uri.fsPath, this.recordedInputs(uri.fsPath)), resolver: new ModelResolver(estimatorSettings(uri)), log: this.log });
    const key = uri.toString();
    const open = this.sessions.get(key) ?? new Set<ViewerSession>();
    open.add(session);
    this.sessions.set(key, open);

    // Polling the one file's stat: it follows the path across the atomic rename a new download makes, and works
    // where file events do not (a results file outside the workspace, a host out of inotify watches).
    const onChange = (now: Stats, before: Stats) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) {
        session.scheduleRebuild();
      }
    };
    watchFile(uri.fsPath, { interval: watchIntervalMs }, onChange);
    const subscriptions = [
      { dispose: () => unwatchFile(uri.fsPath, onChange) },
      panel.webview.onDidReceiveMessage((message: WebviewMessage) => void session.handle(message)),
    ];
    panel.onDidDispose(() => {
      vscode.Disposable.from(...subscriptions).dispose();
      session.dispose();
      open.delete(session);
      if (open.size === 0) {
        this.sessions.delete(key);
      }
    });
  }

  /** The inputs the job records name for a results file they downloaded. */
  private recordedInputs(resultsPath: string): string[] {
    return this.store
      .all()
      .filter((record) => record.downloaded?.results !== undefined && path.resolve(record.downloaded.results) === path.resolve(resultsPath))
      .flatMap((record) => [record.sourceUri ? vscode.Uri.parse(record.sourceUri) : undefined].filter((source) => source?.scheme === 'file').map((source) => source!.fsPath).concat(record.inputPath ?? []));
  }
}
