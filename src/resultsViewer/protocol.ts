// The messages between the results viewer's webview and the extension host. Only plain JSON values cross: the
// host holds the model and answers queries, pages and details; the webview holds at most a few pages of rows.
import type { ColumnId, PageRow, ResultsQuery, StatusCounts, Totals } from '../core/results/resultsView';

/** Rows per page the webview asks for as it scrolls. */
export const pageSize = 200;

/** A titled block of the detail pane: text shown as it is (a prompt, an answer) or pretty-printed JSON. */
export interface DetailSection {
  readonly title: string;
  readonly text: string;
  /** Shown as code (monospace), not prose. */
  readonly code?: boolean;
}

export interface DetailPane {
  readonly index: number;
  readonly customId: string;
  readonly request: readonly DetailSection[];
  readonly response: readonly DetailSection[];
  /** A file changed since the model was built: what is shown may not be this row's. */
  readonly changed: boolean;
  readonly inputLine: number | undefined;
}

export interface GridColumn {
  readonly id: ColumnId;
  readonly label: string;
  readonly numeric?: boolean;
  /** CSS width, e.g. `120px` or `minmax(200px, 2fr)`. */
  readonly width: string;
}

/** What the webview keeps across being hidden and shown (vscode.setState). */
export interface ViewerState {
  readonly query: ResultsQuery;
  readonly scrollTop: number;
  readonly selected: number | undefined;
}

export type HostMessage =
  | { readonly type: 'init'; readonly strings: Readonly<Record<string, string>>; readonly fileName: string; readonly hasInput: boolean }
  | { readonly type: 'progress'; readonly bytesRead: number; readonly totalBytes: number; readonly rows: number; readonly complete: boolean }
  | {
      readonly type: 'view';
      /** Grows with every query or rebuild: pages of an older view are dropped. */
      readonly version: number;
      readonly query: ResultsQuery;
      readonly columns: readonly GridColumn[];
      readonly rowCount: number;
      /** Rows of the whole results file (as far as it was read): "12 of 48 rows" whatever filters and search apply. */
      readonly totalRows: number;
      readonly counts: StatusCounts;
      readonly statusFacets: StatusCounts;
      readonly totals: Totals;
      /** The whole model's failures by code, most common first (the code filter's choices). */
      readonly failuresByCode: readonly { readonly code: string; readonly count: number }[];
      /** Rows of the whole model with a structured answer, and those with a problem. */
      readonly structured: { readonly rows: number; readonly problems: number };
      readonly complete: boolean;
      /** Unreadable lines of the results file (not shown as rows). */
      readonly malformed: number;
      /** The first page of a new view (or of a growing one, while it is short): no round trip to show it. */
      readonly firstPage?: readonly PageRow[];
    }
  | { readonly type: 'page'; readonly version: number; readonly offset: number; readonly rows: readonly PageRow[] }
  | { readonly type: 'detail'; readonly detail: DetailPane }
  | { readonly type: 'error'; readonly message: string };

export type WebviewMessage =
  /** The webview loaded (again, after being hidden): with the query it restored from its state. */
  | { readonly type: 'ready'; readonly query?: ResultsQuery }
  | { readonly type: 'query'; readonly query: ResultsQuery }
  | { readonly type: 'page'; readonly version: number; readonly offset: number; readonly count: number }
  | { readonly type: 'detail'; readonly index: number }
  | { readonly type: 'export'; readonly format: 'csv' | 'jsonl' }
  | { readonly type: 'goToSource'; readonly index: number };
