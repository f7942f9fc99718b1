// The results viewer's page: controls, a virtualized grid and the detail pane. It holds no data of its own: it
// asks the extension host for views (filter, search, sort), pages of rows as the user scrolls, and one row's
// detail. Every value from the files is put in the page as text (textContent, attributes), never as markup.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import type { ColumnId, PageRow, ResultsQuery } from '../../core/results/resultsView';
import { pageSize, type DetailPane, type DetailSection, type GridColumn, type HostMessage, type ViewerState, type WebviewMessage } from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): ViewerState | undefined;
  setState(state: ViewerState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type ViewMessage = Extract<HostMessage, { type: 'view' }>;
type Status = 'succeeded' | 'failed' | 'missing';

const vscode = acquireVsCodeApi();
/** Pixels per grid row: fixed, so a row's position is its index times this. */
const rowHeight = 24;
/** Rows rendered above and below the visible ones, so a quick scroll does not show blanks. */
const overscan = 10;
/** Pages kept; the farthest from the visible rows are dropped beyond this. */
const maxPages = 12;
const searchDelayMs = 250;
const statusList: readonly Status[] = ['succeeded', 'failed', 'missing'];

let strings: Record<string, string> = {};
let view: ViewMessage | undefined;
let query: ResultsQuery = vscode.getState()?.query ?? {};
let selected: number | undefined = vscode.getState()?.selected;
let restoreScroll: number | undefined = vscode.getState()?.scrollTop;
let hasInput = true;
const pages = new Map<number, readonly PageRow[]>();
const pending = new Set<number>();
const rendered = new Map<number, HTMLElement>();

// --- the page ----------------------------------------------------------------------------------------------

const app = document.getElementById('app')!;
const toolbar = element('div', 'toolbar');
const statusBoxes = new Map<Status, HTMLElement & { checked: boolean; label: string }>();
for (const status of statusList) {
  const box = element('vscode-checkbox', `status-filter status-${status}`) as HTMLElement & { checked: boolean; label: string };
  box.dataset.status = status;
  box.addEventListener('change', () => setQuery({ ...query, statuses: checkedStatuses() }));
  statusBoxes.set(status, box);
  toolbar.append(box);
}
const codeSelect = element('vscode-single-select', 'code-filter') as HTMLElement & { value: string };
codeSelect.addEventListener('change', () => setQuery({ ...query, codes: codeSelect.value === '' ? undefined : [codeSelect.value] }));
const structuredBox = element('vscode-checkbox', 'structured-filter') as HTMLElement & { checked: boolean; label: string };
structuredBox.addEventListener('change', () => setQuery({ ...query, structured: structuredBox.checked ? 'problems' : undefined }));
const searchField = element('vscode-textfield', 'search') as HTMLElement & { value: string; placeholder: string };
let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchField.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => setQuery({ ...query, search: searchField.value === '' ? undefined : searchField.value }), searchDelayMs);
});
const spacer = element('div', 'spacer');
const exportCsv = button('export-csv', () => post({ type: 'export', format: 'csv' }));
const exportJsonl = button('export-jsonl', () => post({ type: 'export', format: 'jsonl' }));
// One box for both: on a narrow editor they wrap to the next line together, not one by one.
const exports = element('div', 'exports');
exports.append(exportCsv, exportJsonl);
toolbar.append(codeSelect, structuredBox, searchField, spacer, exports);

const summary = element('div', 'summary');
const countsLine = element('div', 'counts');
const failuresLine = element('div', 'failures');
summary.append(countsLine, failuresLine);
const progressLine = element('div', 'progress');
const progressText = element('span', 'progress-text');
const progressBar = element('vscode-progress-bar', 'progress-bar') as HTMLElement & { value: number; max: number };
progressLine.append(progressText, progressBar);
const notice = element('div', 'notice');
const errorLine = element('div', 'error');

const grid = element('div', 'grid');
grid.tabIndex = 0;
grid.setAttribute('role', 'grid');
const header = element('div', 'grid-header');
header.setAttribute('role', 'row');
const canvas = element('div', 'grid-canvas');
const empty = element('div', 'grid-empty');
grid.append(header, canvas, empty);

const detail = element('div', 'detail');
detail.hidden = true;
const detailHead = element('div', 'detail-head');
const detailTitle = element('span', 'detail-title');
const detailNote = element('span', 'detail-note');
const goToSource = button('go-to-source', () => selected !== undefined && post({ type: 'goToSource', index: selected }));
const closeDetail = button('close-detail', () => select(undefined));
closeDetail.setAttribute('secondary', '');
detailHead.append(detailTitle, detailNote, element('div', 'spacer'), goToSource, closeDetail);
const detailBody = element('div', 'detail-body');
const requestColumn = element('div', 'detail-column detail-request');
const responseColumn = element('div', 'detail-column detail-response');
detailBody.append(requestColumn, responseColumn);
detail.append(detailHead, detailBody);

app.append(toolbar, progressLine, summary, notice, errorLine, grid, detail);

// --- messages ----------------------------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      strings = message.strings;
      hasInput = message.hasInput;
      applyStrings();
      // A view (with its first page) can arrive before init: its rows were drawn without the strings
      // (statuses read "succeeded", not "Succeeded"). Draw them again.
      if (view !== undefined) {
        buildHeader(view.columns);
        updateSortMarks();
        render();
      }
      return;
    case 'progress':
      showProgress(message);
      return;
    case 'view':
      showView(message);
      return;
    case 'page':
      if (view !== undefined && message.version === view.version) {
        const number = Math.floor(message.offset / pageSize);
        pending.delete(number);
        pages.set(number, message.rows);
        dropFarPages();
        render();
      }
      return;
    case 'detail':
      if (message.detail.index === selected) {
        showDetail(message.detail);
      }
      return;
    case 'error':
      errorLine.textContent = message.message;
      errorLine.hidden = false;
      return;
  }
});

post({ type: 'ready', query });

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function setQuery(next: ResultsQuery): void {
  query = next;
  saveState();
  post({ type: 'query', query });
}

function saveState(): void {
  vscode.setState({ query, scrollTop: grid.scrollTop, selected });
}

// --- controls ----------------------------------------------------------------------------------------------

function applyStrings(): void {
  for (const [status, box] of statusBoxes) {
    box.label = strings[status] ?? status;
  }
  searchField.placeholder = strings.search ?? '';
  searchField.setAttribute('aria-label', strings.search ?? '');
  codeSelect.setAttribute('aria-label', strings.codeFilter ?? '');
  exportCsv.textContent = strings.exportCsv ?? 'CSV';
  exportJsonl.textContent = strings.exportJsonl ?? 'JSONL';
  goToSource.textContent = strings.goToSource ?? '';
  closeDetail.textContent = strings.closeDetail ?? '';
  progressText.textContent = strings.loading ?? '';
}

function checkedStatuses(): Status[] | undefined {
  const checked = statusList.filter((status) => statusBoxes.get(status)!.checked);
  return checked.length === statusList.length ? undefined : checked;
}

function syncControls(message: ViewMessage): void {
  const wanted = message.query.statuses;
  for (const [status, box] of statusBoxes) {
    box.checked = wanted === undefined || wanted.length === 0 || wanted.includes(status);
    box.label = `${strings[status] ?? status} (${formatNumber(message.statusFacets[status])})`;
  }
  // The code choices: every failure code of the results, most common first.
  const current = message.query.codes?.[0] ?? '';
  const choices = [{ value: '', label: strings.allCodes ?? '' }, ...message.failuresByCode.map(({ code, count }) => ({ value: code, label: `${code} (${formatNumber(count)})` }))];
  const signature = JSON.stringify(choices);
  if (codeSelect.dataset.choices !== signature) {
    codeSelect.dataset.choices = signature;
    codeSelect.replaceChildren(
      ...choices.map(({ value, label }) => {
        const option = element('vscode-option') as HTMLElement & { value: string };
        option.setAttribute('value', value);
        option.textContent = label;
        return option;
      }),
    );
  }
  if (codeSelect.value !== current) {
    codeSelect.value = current;
  }
  codeSelect.hidden = message.failuresByCode.length === 0;
  structuredBox.hidden = message.structured.rows === 0;
  structuredBox.label = format(strings.structuredProblems ?? '{0}', formatNumber(message.structured.problems));
  structuredBox.checked = message.query.structured === 'problems';
  const search = message.query.search ?? '';
  if (document.activeElement !== searchField && searchField.value !== search) {
    searchField.value = search;
  }
}

function showProgress(message: Extract<HostMessage, { type: 'progress' }>): void {
  progressLine.hidden = message.complete;
  const percent = message.totalBytes > 0 ? Math.floor((message.bytesRead / message.totalBytes) * 100) : 0;
  progressText.textContent = format(strings.building ?? '{0}', formatNumber(message.rows), String(percent));
  progressBar.max = 100;
  progressBar.value = percent;
}

function showView(message: ViewMessage): void {
  const columnsChanged = view === undefined || JSON.stringify(view.columns) !== JSON.stringify(message.columns);
  const queryChanged = view === undefined || JSON.stringify(view.query) !== JSON.stringify(message.query);
  const grown = view !== undefined && view.version === message.version;
  errorLine.textContent = '';
  view = message;
  query = message.query;
  if (grown) {
    // The same view with more rows: only a short (last) page may have gained some.
    for (const [number, page] of pages) {
      if (page.length < pageSize) {
        pages.delete(number);
        for (let position = number * pageSize; position < (number + 1) * pageSize; position++) {
          rendered.get(position)?.setAttribute('data-version', '');
        }
      }
    }
  } else {
    pages.clear();
    pending.clear();
  }
  syncControls(message);
  showSummary(message);
  if (columnsChanged) {
    buildHeader(message.columns);
  }
  if (message.firstPage !== undefined) {
    pages.set(0, message.firstPage);
    pending.delete(0);
  }
  updateSortMarks();
  canvas.style.height = `${message.rowCount * rowHeight}px`;
  empty.hidden = message.rowCount > 0;
  empty.textContent = strings.noRows ?? '';
  // The saved scroll position once the grid is tall enough for it (a big file is still growing at first).
  if (restoreScroll !== undefined && (message.complete || message.rowCount * rowHeight >= restoreScroll)) {
    grid.scrollTop = restoreScroll;
    restoreScroll = undefined;
    if (selected !== undefined) {
      post({ type: 'detail', index: selected });
    }
  } else if (queryChanged) {
    grid.scrollTop = 0;
  }
  render();
}

function showSummary(message: ViewMessage): void {
  const { counts, totals } = message;
  const parts = [
    // Of the whole job, not of the rows the other filters leave: a search that finds one row reads "1 of 48 rows".
    format(strings.showing ?? '{0} / {1}', formatNumber(message.rowCount), formatNumber(message.totalRows)),
    `${strings.succeeded ?? ''} ${formatNumber(counts.succeeded)}`,
    `${strings.failed ?? ''} ${formatNumber(counts.failed)}`,
    `${strings.missing ?? ''} ${formatNumber(counts.missing)}`,
    format(strings.tokens ?? '{0} {1} {2}', formatNumber(totals.inputTokens), formatNumber(totals.outputTokens), formatNumber(totals.reasoningTokens)),
    format(strings.cost ?? '{0}', formatCost(totals.cost)) + (totals.unpricedRows > 0 ? ` ${format(strings.unpriced ?? '{0}', formatNumber(totals.unpricedRows))}` : ''),
  ];
  countsLine.textContent = parts.join('  ·  ');
  failuresLine.hidden = message.failuresByCode.length === 0;
  failuresLine.textContent = `${strings.failuresByCode ?? ''} ${message.failuresByCode.map(({ code, count }) => `${code} ${formatNumber(count)}`).join(', ')}`;
  const notes = [hasInput ? '' : (strings.noInput ?? ''), message.malformed > 0 ? format(strings.malformed ?? '{0}', formatNumber(message.malformed)) : ''].filter((note) => note.length > 0);
  notice.hidden = notes.length === 0;
  notice.textContent = notes.join(' ');
}

// --- the grid ----------------------------------------------------------------------------------------------

function buildHeader(columns: readonly GridColumn[]): void {
  const template = columns.map((column) => column.width).join(' ');
  grid.style.setProperty('--columns', template);
  grid.style.setProperty('--min-width', `${columns.reduce((sum, column) => sum + minWidth(column.width), 0)}px`);
  header.replaceChildren(
    ...columns.map((column) => {
      const cell = element('div', `cell header-cell${column.numeric ? ' numeric' : ''}`);
      cell.setAttribute('role', 'columnheader');
      cell.dataset.column = column.id;
      cell.title = format(strings.sortHint ?? '{0}', column.label);
      const label = element('span', 'label');
      label.textContent = column.label;
      const mark = element('span', 'sort-mark');
      cell.append(label, mark);
      cell.addEventListener('click', () => toggleSort(column.id));
      return cell;
    }),
  );
  rendered.forEach((row) => row.remove());
  rendered.clear();
}

/** Ascending, then descending, then input order again. */
function toggleSort(column: ColumnId): void {
  const sort = query.sort;
  const next = sort?.column !== column ? { column, descending: false } : sort.descending ? undefined : { column, descending: true };
  setQuery({ ...query, sort: next });
}

function updateSortMarks(): void {
  for (const cell of header.children) {
    const element = cell as HTMLElement;
    const sorted = query.sort?.column === element.dataset.column;
    element.setAttribute('aria-sort', sorted ? (query.sort!.descending ? 'descending' : 'ascending') : 'none');
    element.querySelector('.sort-mark')!.textContent = sorted ? (query.sort!.descending ? ' ▼' : ' ▲') : '';
  }
}

let frame = 0;
grid.addEventListener('scroll', () => {
  if (frame === 0) {
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
      saveState();
    });
  }
});
new ResizeObserver(() => render()).observe(grid);

/**
 * Renders the visible rows (plus a margin), asking for the pages they are on. A row drawn from an older view
 * stays until its new page arrives (no flicker while a big file is read and the view grows every moment).
 */
function render(): void {
  if (view === undefined) {
    return;
  }
  const visibleHeight = grid.clientHeight - header.offsetHeight;
  const first = Math.max(0, Math.floor(grid.scrollTop / rowHeight) - overscan);
  const last = Math.min(view.rowCount - 1, Math.ceil((grid.scrollTop + visibleHeight) / rowHeight) + overscan);
  for (const [position, row] of rendered) {
    if (position < first || position > last) {
      row.remove();
      rendered.delete(position);
    }
  }
  const version = String(view.version);
  for (let position = first; position <= last; position++) {
    const number = Math.floor(position / pageSize);
    const page = pages.get(number);
    if (page === undefined) {
      requestPage(number);
    }
    const existing = rendered.get(position);
    if (existing !== undefined && (page === undefined || existing.dataset.version === version)) {
      continue;
    }
    const row = rowElement(position, page?.[position - number * pageSize]);
    row.dataset.version = page === undefined ? '' : version;
    existing?.replaceWith(row);
    if (existing === undefined) {
      canvas.append(row);
    }
    rendered.set(position, row);
  }
}

function requestPage(number: number): void {
  if (view !== undefined && !pending.has(number)) {
    pending.add(number);
    post({ type: 'page', version: view.version, offset: number * pageSize, count: pageSize });
  }
}

/** Drops the pages farthest from the visible rows, so a long scroll does not keep every row in the page. */
function dropFarPages(): void {
  if (pages.size <= maxPages) {
    return;
  }
  const here = Math.floor(grid.scrollTop / rowHeight / pageSize);
  const far = [...pages.keys()].sort((a, b) => Math.abs(b - here) - Math.abs(a - here));
  for (const number of far.slice(0, pages.size - maxPages)) {
    pages.delete(number);
  }
}

function rowElement(position: number, row: PageRow | undefined): HTMLElement {
  const element_ = element('div', 'grid-row');
  element_.setAttribute('role', 'row');
  element_.style.top = `${position * rowHeight}px`;
  element_.dataset.position = String(position);
  if (row === undefined) {
    element_.classList.add('loading');
    return element_;
  }
  element_.dataset.index = String(row.index);
  element_.classList.toggle('selected', row.index === selected);
  for (const column of view!.columns) {
    const cell = element('div', `cell${column.numeric ? ' numeric' : ''}`);
    cell.setAttribute('role', 'gridcell');
    const { text, className } = cellText(row, column.id);
    cell.textContent = text;
    if (className !== undefined) {
      cell.classList.add(className);
    }
    if (text.length > 8) {
      cell.title = text;
    }
    element_.append(cell);
  }
  element_.addEventListener('click', () => select(row.index, position));
  return element_;
}

function cellText(row: PageRow, column: ColumnId): { text: string; className?: string } {
  switch (column) {
    case 'index':
      return { text: String(row.index + 1) };
    case 'custom_id':
      return { text: row.customId };
    case 'status':
      return { text: strings[row.status] ?? row.status, className: `status-${row.status}` };
    case 'code':
      return { text: row.code };
    case 'prompt':
      return { text: row.prompt };
    case 'answer':
      return row.status === 'failed' && row.error !== undefined ? { text: row.error, className: 'error-text' } : { text: row.answer };
    case 'inputTokens':
    case 'outputTokens':
    case 'reasoningTokens':
      return { text: row[column] === undefined ? '' : formatNumber(row[column]) };
    case 'cost':
      return { text: row.cost === undefined ? '' : formatCost(row.cost) };
    case 'structured':
      return row.structured === undefined ? { text: '' } : { text: strings[row.structured] ?? row.structured, className: row.structured === 'ok' ? undefined : 'error-text' };
    default: {
      // Own fields only: a field named `constructor` that this row lacks is not Object's constructor.
      const name = column.slice('field:'.length);
      const value = Object.hasOwn(row.fields, name) ? row.fields[name] : undefined;
      return { text: value === undefined ? '' : value === null ? 'null' : String(value) };
    }
  }
}

// --- selection and detail ----------------------------------------------------------------------------------

let selectedPosition: number | undefined;

function select(index: number | undefined, position?: number): void {
  selected = index;
  selectedPosition = position;
  for (const row of rendered.values()) {
    row.classList.toggle('selected', index !== undefined && row.dataset.index === String(index));
  }
  saveState();
  if (index === undefined) {
    detail.hidden = true;
    return;
  }
  post({ type: 'detail', index });
}

grid.addEventListener('keydown', (event) => {
  if (view === undefined || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) {
    return;
  }
  event.preventDefault();
  const position = Math.min(view.rowCount - 1, Math.max(0, (selectedPosition ?? -1) + (event.key === 'ArrowDown' ? 1 : -1)));
  const top = position * rowHeight;
  const visible = grid.clientHeight - header.offsetHeight - rowHeight;
  if (top < grid.scrollTop) {
    grid.scrollTop = top;
  } else if (top > grid.scrollTop + visible) {
    grid.scrollTop = top - visible;
  }
  const row = pages.get(Math.floor(position / pageSize))?.[position % pageSize];
  if (row !== undefined) {
    select(row.index, position);
  }
});

function showDetail(pane: DetailPane): void {
  detail.hidden = false;
  detailTitle.textContent = pane.customId;
  detailNote.textContent = pane.changed ? (strings.changed ?? '') : '';
  goToSource.hidden = false;
  requestColumn.replaceChildren(columnTitle(strings.request ?? ''), ...pane.request.map(sectionElement));
  responseColumn.replaceChildren(columnTitle(strings.response ?? ''), ...pane.response.map(sectionElement));
}

function columnTitle(text: string): HTMLElement {
  const title = element('h2', 'column-title');
  title.textContent = text;
  return title;
}

function sectionElement(section: DetailSection): HTMLElement {
  const block = element('section', 'detail-section');
  const title = element('h3');
  title.textContent = section.title;
  const body = element(section.code ? 'pre' : 'div', section.code ? 'code' : 'text');
  body.textContent = section.text;
  block.append(title, body);
  return block;
}

// --- helpers -----------------------------------------------------------------------------------------------

function element(tag: string, className?: string): HTMLElement {
  const created = document.createElement(tag);
  if (className !== undefined) {
    created.className = className;
  }
  return created;
}

function button(className: string, onClick: () => void): HTMLElement {
  const created = element('vscode-button', className);
  created.addEventListener('click', onClick);
  return created;
}

/** Fills `{0}`, `{1}`… with the arguments. */
function format(template: string, ...args: string[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => args[Number(index)] ?? whole);
}

const numberFormat = new Intl.NumberFormat(undefined);
const costFormat = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 });

function formatNumber(value: number): string {
  return numberFormat.format(value);
}

function formatCost(value: number): string {
  return costFormat.format(value);
}

/** The least width of a CSS grid column width (`120px`, `minmax(200px, 2fr)`), for horizontal scrolling. */
function minWidth(width: string): number {
  const match = /(\d+)px/.exec(width);
  return match ? Number(match[1]) : 100;
}
