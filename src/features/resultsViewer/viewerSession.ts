import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelResolver } from '../../core/tokens/models';
import { buildResultsModel, exportCsv, exportJsonl, normalizeQuery, pageOf, queryResults, ResultsChangedError, summarizeResults, type ResultsModel, type ResultsQuery, type ResultsView } from '../../core/results/viewModel';
import { pageSize, type GridColumn, type HostMessage, type WebviewMessage } from '../../resultsViewer/protocol';
import { isCancellation } from '../errors';
import { announceExport } from '../results/downloadNotice';
import { detailPane } from './detailSections';
import { detailLabels, webviewStrings } from './strings';

export interface SessionOptions {
  readonly resultsPath: string;
  readonly inputPath: string | undefined;
  readonly resolver: ModelResolver;
  readonly log: vscode.LogOutputChannel;
}

/** Most rows a page request may ask for: the webview asks for {@link pageSize}. */
const maxPage = pageSize * 5;
/**
 * Failure codes the webview gets (the code filter's choices and the header line), most common first: a file with
 * a code per row would otherwise send every code with every view and fill a select with them.
 */
export const maxFailureCodes = 50;
/** A file that keeps changing (still being written) is read again once it has been quiet this long. */
const rebuildDelayMs = 300;

/**
 * One open results viewer: builds the model (showing rows while it grows), answers the webview's queries, pages
 * and details, exports views, and rebuilds when the file changes. Disposing it aborts a build in progress.
 */
export class ViewerSession implements vscode.Disposable {
  private model: ResultsModel | undefined;
  private view: ResultsView | undefined;
  private query: ResultsQuery = {};
  private version = 0;
  /** What the current version is a view of. */
  private viewOf: { model?: ResultsModel; key?: string } = {};
  private build: AbortController | undefined;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly opened = performance.now();
  private firstPageLogged = false;
  private webviewReady = false;
  /** The version whose whole first page went with its view message. */
  private firstPageSent = -1;
  private readonly posted = new vscode.EventEmitter<HostMessage>();
  /** Every message sent to the webview (for tests). */
  readonly onDidPost = this.posted.event;
  /** Settles when the current build ends (for tests and exports). */
  built: Promise<void> = Promise.resolve();
  private markReady!: () => void;
  /** Resolves once the webview has loaded and said so (for tests: its own messages come first). */
  readonly whenReady = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly webview: vscode.Webview,
    private readonly options: SessionOptions,
  ) {
    this.rebuild();
  }

  /** The model as far as it was read, and whether it is complete. */
  get current(): ResultsModel | undefined {
    return this.model;
  }

  /** Reads the results file again (it changed on disk), keeping the query. */
  scheduleRebuild(): void {
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => this.rebuild(), rebuildDelayMs);
  }

  async handle(message: WebviewMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          if (!this.webviewReady) {
            this.webviewReady = true;
            this.options.log.info(`Results viewer: webview of ${path.basename(this.options.resultsPath)} ready ${Math.round(performance.now() - this.opened)} ms after the editor opened`);
          }
          // A webview shown again is a new page: it has none of the rows.
          this.firstPageSent = -1;
          this.markReady();
          if (message.query !== undefined) {
            this.query = normalizeQuery(message.query);
          }
          this.post({ type: 'init', strings: webviewStrings(), fileName: path.basename(this.options.resultsPath), hasInput: this.options.inputPath !== undefined });
          this.postProgress();
          this.refreshView();
          return;
        case 'query':
          this.query = normalizeQuery(message.query);
          this.refreshView();
          return;
        case 'page':
          this.postPage(message.version, message.offset, message.count);
          return;
        case 'detail':
          await this.postDetail(message.index);
          return;
        case 'export':
          await this.export(message.format);
          return;
        case 'goToSource':
          await this.goToSource(message.index);
          return;
      }
    } catch (error) {
      if (!isCancellation(error) && !(error instanceof vscode.CancellationError)) {
        this.options.log.error(`Results viewer: ${String(error)}`);
        this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.rebuildTimer);
    this.build?.abort();
    this.model = undefined;
    this.view = undefined;
    this.posted.dispose();
  }

  private rebuild(): void {
    this.build?.abort();
    const abort = new AbortController();
    this.build = abort;
    const show = (model: ResultsModel) => {
      if (this.build === abort) {
        this.model = model;
        this.postProgress();
        this.refreshView();
      }
    };
    const start = performance.now();
    const done = (model: ResultsModel) => {
      this.options.log.info(`Results viewer: read ${model.rowCount.toLocaleString('en-US')} rows of ${path.basename(this.options.resultsPath)} in ${Math.round(performance.now() - start)} ms`);
      show(model);
    };
    this.built = buildResultsModel(this.options.resultsPath, { inputPath: this.options.inputPath, resolver: this.options.resolver, signal: abort.signal, onProgress: show }).then(done, (error: unknown) => {
      if (!abort.signal.aborted && !this.disposed) {
        this.options.log.error(`Results viewer: reading ${this.options.resultsPath} failed: ${String(error)}`);
        this.post({ type: 'error', message: vscode.l10n.t('The results could not be read: {0}', error instanceof Error ? error.message : String(error)) });
      }
    });
  }

  private refreshView(): void {
    const model = this.model;
    if (model === undefined) {
      return;
    }
    this.view = queryResults(model, this.query);
    // A growing model only adds rows at the end of an unsorted view: its pages stay valid, and the webview's
    // requests for them are still answered (a new version at every progress report would outrun them).
    const key = JSON.stringify(this.query);
    if (model !== this.viewOf.model || key !== this.viewOf.key || this.query.sort !== undefined) {
      this.version++;
      this.viewOf = { model, key };
    }
    // The first page goes with the view, saving the webview a round trip, until it is whole.
    const firstPage = this.firstPageSent === this.version ? undefined : pageOf(model, this.view, 0, pageSize);
    if (firstPage !== undefined && firstPage.length === Math.min(pageSize, this.view.rows.length) && (firstPage.length === pageSize || model.complete)) {
      this.firstPageSent = this.version;
    }
    const summary = summarizeResults(model);
    const structuredRows = summary.structured.ok + summary.structured.invalid + summary.structured.missingFields;
    this.post({
      type: 'view',
      version: this.version,
      query: this.query,
      columns: columnsOf(model, structuredRows > 0, summary.totals.reasoningTokens > 0),
      rowCount: this.view.rows.length,
      totalRows: model.rowCount,
      counts: this.view.counts,
      statusFacets: this.view.statusFacets,
      totals: this.view.totals,
      failuresByCode: summary.failuresByCode.slice(0, maxFailureCodes),
      structured: { rows: structuredRows, problems: summary.structured.invalid + summary.structured.missingFields },
      complete: model.complete,
      malformed: model.report.malformedCount,
      firstPage,
    });
    if (firstPage !== undefined && firstPage.length > 0) {
      this.logFirstPage();
    }
  }

  private postProgress(): void {
    const model = this.model;
    this.post({ type: 'progress', bytesRead: model?.bytesRead ?? 0, totalBytes: model?.totalBytes ?? 0, rows: model?.rowCount ?? 0, complete: model?.complete ?? false });
  }

  private postPage(version: number, offset: number, count: number): void {
    // A page of an older view is of no use: the webview asks again for the view it has now.
    if (this.model === undefined || this.view === undefined || version !== this.version || !Number.isFinite(offset) || !Number.isFinite(count)) {
      return;
    }
    this.post({ type: 'page', version, offset, rows: pageOf(this.model, this.view, offset, Math.min(count, maxPage)) });
    this.logFirstPage();
  }

  private logFirstPage(): void {
    if (!this.firstPageLogged && this.webviewReady) {
      this.firstPageLogged = true;
      this.options.log.info(`Results viewer: first page of ${path.basename(this.options.resultsPath)} sent ${Math.round(performance.now() - this.opened)} ms after the editor opened`);
    }
  }

  private async postDetail(index: number): Promise<void> {
    const model = this.requireModel();
    if (!hasRow(model, index)) {
      // A selection restored from before the file changed: there is no such row any more.
      return;
    }
    this.post({ type: 'detail', detail: detailPane(await model.detail(index), detailLabels()) });
  }

  private async export(format: 'csv' | 'jsonl'): Promise<void> {
    await this.built;
    const model = this.requireModel();
    const view = this.view ?? queryResults(model, this.query);
    const folder = path.dirname(this.options.resultsPath);
    const stem = path.basename(this.options.resultsPath).replace(/\.results\.jsonl$/i, '').replace(/\.jsonl$/i, '');
    const destination = await vscode.window.showSaveDialog({
      title: format === 'csv' ? vscode.l10n.t('Export the Rows Shown as CSV') : vscode.l10n.t('Export the Rows Shown as JSONL'),
      defaultUri: vscode.Uri.file(path.join(folder, `${stem}.view.${format === 'csv' ? 'csv' : 'jsonl'}`)),
      filters: format === 'csv' ? { [vscode.l10n.t('CSV')]: ['csv'] } : { [vscode.l10n.t('JSON Lines')]: ['jsonl'] },
    });
    if (destination === undefined) {
      return;
    }
    const write = format === 'csv' ? exportCsv : exportJsonl;
    // The save dialog asked before replacing a file.
    const rows = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting {0} rows', view.rows.length.toLocaleString()), cancellable: true }, async (_progress, token) => {
      const abort = new AbortController();
      const listener = token.onCancellationRequested(() => abort.abort());
      try {
        return await write(model, view, destination.fsPath, { overwrite: true, signal: abort.signal });
      } catch (error) {
        throw error instanceof ResultsChangedError ? new Error(vscode.l10n.t('The results file changed since it was read; the export stopped. Export again once the viewer has read it again.')) : error;
      } finally {
        listener.dispose();
      }
    });
    void announceExport(destination.fsPath, rows);
  }

  private async goToSource(index: number): Promise<void> {
    const model = this.requireModel();
    if (!hasRow(model, index)) {
      return;
    }
    const detail = await model.detail(index);
    if (this.options.inputPath !== undefined && detail.inputLine !== undefined) {
      const position = new vscode.Position(detail.inputLine - 1, 0);
      await vscode.window.showTextDocument(vscode.Uri.file(this.options.inputPath), { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.Beside });
      return;
    }
    // No input line: the row's line of the results file itself, in a text editor.
    const position = new vscode.Position(detail.resultLine - 1, 0);
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(this.options.resultsPath), 'default', { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.Beside });
  }

  private requireModel(): ResultsModel {
    if (this.model === undefined) {
      throw new Error(vscode.l10n.t('The results are still being read.'));
    }
    return this.model;
  }

  private post(message: HostMessage): void {
    if (this.disposed) {
      return;
    }
    this.posted.fire(message);
    void this.webview.postMessage(message);
  }
}

/** Whether `index` (from the webview: any value) is a row of the model. */
function hasRow(model: ResultsModel, index: unknown): index is number {
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < model.rowCount;
}

/**
 * The grid's columns: the fixed ones (reasoning tokens only when some row has them), the structured state when any
 * row has one, then the answers' fields. The fixed ones fit an editor about 900 px wide; past them the grid
 * scrolls sideways with custom_id kept in sight.
 */
function columnsOf(model: ResultsModel, structured: boolean, reasoning: boolean): GridColumn[] {
  const strings = webviewStrings();
  const columns: GridColumn[] = [
    { id: 'custom_id', label: strings.custom_id!, width: '124px' },
    { id: 'status', label: strings.status!, width: '104px' },
    { id: 'code', label: strings.code!, width: '112px' },
    { id: 'prompt', label: strings.prompt!, width: 'minmax(150px, 2fr)' },
    { id: 'answer', label: strings.answer!, width: 'minmax(180px, 3fr)' },
    { id: 'inputTokens', label: strings.inputTokens!, numeric: true, width: '60px' },
    { id: 'outputTokens', label: strings.outputTokens!, numeric: true, width: '64px' },
    ...(reasoning ? [{ id: 'reasoningTokens', label: strings.reasoningTokens!, numeric: true, width: '80px' } as const] : []),
    { id: 'cost', label: strings.costColumn!, numeric: true, width: '100px' },
  ];
  if (structured) {
    columns.push({ id: 'structured', label: strings.structured!, width: '110px' });
  }
  for (const field of model.fields) {
    columns.push({ id: `field:${field.name}`, label: field.name, width: '140px' });
  }
  return columns;
}
