import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { buildOutcomeIndex, customIdOfLine, resultsFileCandidates, type OutcomeIndex, type RequestOutcomeInfo } from '../../core/results/outcomeIndex';
import { isBatchDocument } from '../documents/isBatchDocument';
import { Disposable } from '../lifecycle';
import { resultsFolder } from '../results/resultsService';

/** The results found for a source document: where they are and their outcomes by custom_id. */
export interface SourceOutcomes {
  readonly resultsPath: string;
  readonly index: OutcomeIndex;
}

/** Results files indexed at once (each about 10 MB for 100,000 requests). */
const maxIndexes = 8;

interface CachedIndex {
  /** The results file's size and time when it was indexed: a change means indexing again. */
  readonly stamp: string;
  readonly index: Promise<OutcomeIndex | undefined>;
}

/**
 * The outcomes of downloaded results, for the batch files they came from. A results file is indexed once per
 * change (a watcher drops the index when it changes or goes, and a cheap stat before each use catches what a
 * watcher misses); typing in the source costs nothing, and a hover parses only its line's custom_id and reads
 * only that request's line of the results.
 */
export class OutcomesController extends Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly indexes = new Map<string, CachedIndex>();

  /** Fires when a results file appeared, changed or went away. */
  readonly onDidChange = this.changeEmitter.event;

  /** Watches a results folder configured outside the workspace, which the workspace watcher does not see. */
  private outsideWatcher: vscode.Disposable | undefined;

  constructor() {
    super();
    this.registerAll(
      this.changeEmitter,
      this.watch('**/*.results.jsonl'),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(CONFIG_SECTION)) {
          this.watchOutsideFolder();
          this.changeEmitter.fire();
        }
      }),
      { dispose: () => this.outsideWatcher?.dispose() },
    );
    this.watchOutsideFolder();
  }

  /** The outcomes of a batch document's downloaded results; undefined when it has none (or is no batch file). */
  async outcomesFor(document: vscode.TextDocument): Promise<SourceOutcomes | undefined> {
    if (document.uri.scheme !== 'file' || !isBatchDocument(document)) {
      return undefined;
    }
    const folders = [resultsFolder({ sourceUri: document.uri.toString() }), dirname(document.uri.fsPath)];
    for (const resultsPath of resultsFileCandidates(basename(document.uri.fsPath), folders, join)) {
      const stamp = stampOf(resultsPath);
      if (stamp === undefined) {
        this.indexes.delete(resultsPath);
        continue;
      }
      let cached = this.indexes.get(resultsPath);
      if (cached?.stamp !== stamp) {
        cached = { stamp, index: buildOutcomeIndex(resultsPath).catch(() => undefined) };
        this.indexes.delete(resultsPath);
        this.indexes.set(resultsPath, cached);
        // The oldest index goes first: a few results files at a time are looked at.
        if (this.indexes.size > maxIndexes) {
          this.indexes.delete(this.indexes.keys().next().value!);
        }
      }
      const index = await cached.index;
      return index ? { resultsPath, index } : undefined;
    }
    return undefined;
  }

  /** The outcome of the request written on `line` of a batch document, matched by its custom_id. */
  async outcomeAt(document: vscode.TextDocument, line: number): Promise<{ readonly info: RequestOutcomeInfo; readonly resultsPath: string } | undefined> {
    const id = customIdOfLine(document.lineAt(line).text);
    if (id === undefined) {
      return undefined;
    }
    const outcomes = await this.outcomesFor(document);
    const info = outcomes?.index.lookup(id);
    return info && outcomes ? { info, resultsPath: outcomes.resultsPath } : undefined;
  }

  private watch(pattern: vscode.GlobPattern): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = (uri: vscode.Uri) => {
      this.indexes.delete(uri.fsPath);
      this.changeEmitter.fire();
    };
    return vscode.Disposable.from(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
  }

  private watchOutsideFolder(): void {
    this.outsideWatcher?.dispose();
    this.outsideWatcher = undefined;
    if (this.isDisposed || !vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>(Settings.resultsFolder, '').trim()) {
      return;
    }
    const folder = vscode.Uri.file(resultsFolder({}));
    if (vscode.workspace.getWorkspaceFolder(folder) === undefined) {
      this.outsideWatcher = this.watch(new vscode.RelativePattern(folder, '**/*.results.jsonl'));
    }
  }
}

function stampOf(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? `${stat.size}:${stat.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}
