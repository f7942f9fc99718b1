import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { Connection } from '../connections/connectionStore';
import { hostOf } from '../connections/credentials';
import { jobDescription, jobIcon, jobLabel, jobTooltip, mayExistDescription, mayExistIcon, stateOf, viewMayExist } from './jobPresentation';
import type { PartState } from '../../core/batch/groupRunner';
import { groupElapsedMs } from '../../core/batch/groupTiming';
import { jobState } from '../../core/batch/status';
import type { GroupRecord, GroupStore } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import { formatDuration } from './jobPresentation';
import type { JobsModel, JobView } from './jobsModel';

export type JobsNode =
  | { readonly kind: 'connection'; readonly connection: Connection }
  | { readonly kind: 'job'; readonly connection: Connection; readonly view: JobView }
  | { readonly kind: 'file'; readonly connection: Connection; readonly view: JobView; readonly role: 'input' | 'output' | 'errors'; readonly fileId: string }
  | { readonly kind: 'validationError'; readonly connection: Connection; readonly view: JobView; readonly line?: number; readonly code: string; readonly message: string }
  | { readonly kind: 'group'; readonly connection: Connection; readonly group: GroupRecord }
  | { readonly kind: 'part'; readonly connection: Connection; readonly group: GroupRecord; readonly part: PartState }
  | { readonly kind: 'loadMore'; readonly connection: Connection }
  | { readonly kind: 'message'; readonly connection: Connection; readonly text: string; readonly icon: string; readonly command?: vscode.Command };

/**
 * The "Batch Jobs" view: connections at the top, their jobs beneath (newest first, retries under the job
 * they retry), and each job's files and validation errors. Data comes from {@link JobsModel}.
 */
export class JobsTreeProvider extends Disposable implements vscode.TreeDataProvider<JobsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<JobsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly model: JobsModel,
    private readonly groups: GroupStore,
  ) {
    super();
    this.registerAll(
      model.onDidChange(() => this.changed.fire(undefined)),
      groups.onDidChange(() => this.changed.fire(undefined)),
    );
  }

  getChildren(node?: JobsNode): JobsNode[] {
    if (!node) {
      return this.model.connections.all().map((connection) => ({ kind: 'connection', connection }));
    }
    switch (node.kind) {
      case 'connection':
        return this.connectionChildren(node.connection);
      case 'job':
        return this.jobChildren(node.connection, node.view);
      case 'group':
        return node.group.state.parts.map((part) => ({ kind: 'part', connection: node.connection, group: node.group, part }));
      default:
        return [];
    }
  }

  getTreeItem(node: JobsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'connection':
        return this.connectionItem(node.connection);
      case 'job':
        return this.jobItem(node);
      case 'group':
        return groupItem(node.connection, node.group);
      case 'part':
        return partItem(node.connection, node.group, node.part);
      case 'file': {
        const labels = { input: vscode.l10n.t('Input file'), output: vscode.l10n.t('Output file'), errors: vscode.l10n.t('Error file') };
        const item = new vscode.TreeItem(labels[node.role], vscode.TreeItemCollapsibleState.None);
        item.id = `file:${node.connection.id}:${node.view.batchId}:${node.role}`;
        item.description = node.fileId;
        item.iconPath = new vscode.ThemeIcon(node.role === 'errors' ? 'file-code' : 'file');
        item.contextValue = `file:${node.role}`;
        if (node.role !== 'input') {
          item.command = { command: node.role === 'output' ? Commands.openOutput : Commands.openErrors, title: labels[node.role], arguments: [{ kind: 'job', connection: node.connection, view: node.view }] };
        }
        return item;
      }
      case 'validationError': {
        const item = new vscode.TreeItem(node.line ? vscode.l10n.t('Line {0}: {1}', node.line, node.code) : node.code, vscode.TreeItemCollapsibleState.None);
        item.id = `verr:${node.connection.id}:${node.view.batchId}:${node.line ?? ''}:${node.code}`;
        item.description = node.message;
        item.tooltip = node.message;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        const source = node.view.record?.sourceUri;
        if (source && node.line) {
          item.command = { command: 'vscode.open', title: vscode.l10n.t('Open Source Line'), arguments: [vscode.Uri.parse(source), { selection: new vscode.Range(node.line - 1, 0, node.line - 1, 0) }] };
        }
        return item;
      }
      case 'loadMore': {
        const item = new vscode.TreeItem(vscode.l10n.t('Load more...'), vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.connection.id}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: Commands.loadMore, title: vscode.l10n.t('Load more'), arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = `msg:${node.connection.id}:${node.text}`;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        item.tooltip = node.text;
        return item;
      }
    }
  }

  getParent(node: JobsNode): JobsNode | undefined {
    if (node.kind === 'part') {
      return { kind: 'group', connection: node.connection, group: node.group };
    }
    return node.kind === 'connection' ? undefined : { kind: 'connection', connection: node.connection };
  }

  private connectionChildren(connection: Connection): JobsNode[] {
    const listing = this.model.listing(connection.id);
    const created = (node: JobsNode) =>
      node.kind === 'group' ? node.group.state.createdAt : node.kind === 'job' ? (node.view.batch?.created_at ?? node.view.record?.createdAt ?? 0) : 0;
    const filter = this.model.filter;
    const groups: JobsNode[] = this.groups
      .forConnection(connection.id)
      .filter((group) => !filter || filter.has(groupPhase(group)))
      .map((group) => ({ kind: 'group', connection, group }));
    const nodes: JobsNode[] = [...groups, ...this.model.jobsFor(connection.id).map((view): JobsNode => ({ kind: 'job', connection, view }))].sort((a, b) => created(b) - created(a));
    if (listing?.error) {
      nodes.unshift({
        kind: 'message',
        connection,
        text: listing.error.needsCredential ? listing.error.message : vscode.l10n.t('Could not load jobs: {0}', listing.error.message),
        icon: listing.error.needsCredential ? 'sign-in' : 'warning',
        command: { command: Commands.refreshConnection, title: vscode.l10n.t('Retry'), arguments: [{ kind: 'connection', connection }] },
      });
    } else if (listing?.loading && nodes.length === 0) {
      nodes.push({ kind: 'message', connection, text: vscode.l10n.t('Loading jobs...'), icon: 'loading~spin' });
    } else if (listing && nodes.length === 0) {
      nodes.push({ kind: 'message', connection, text: this.model.filter ? vscode.l10n.t('No jobs match the filter.') : vscode.l10n.t('No batch jobs yet. Right-click a .jsonl file and choose "Submit as Batch Job".'), icon: 'info' });
    }
    if (listing?.hasMore) {
      nodes.push({ kind: 'loadMore', connection });
    }
    return nodes;
  }

  private jobChildren(connection: Connection, view: JobView): JobsNode[] {
    const nodes: JobsNode[] = [];
    const batch = view.batch;
    if (batch?.input_file_id) {
      nodes.push({ kind: 'file', connection, view, role: 'input', fileId: batch.input_file_id });
    }
    if (batch?.output_file_id) {
      nodes.push({ kind: 'file', connection, view, role: 'output', fileId: batch.output_file_id });
    }
    if (batch?.error_file_id) {
      nodes.push({ kind: 'file', connection, view, role: 'errors', fileId: batch.error_file_id });
    }
    for (const error of batch?.errors?.data ?? []) {
      nodes.push({ kind: 'validationError', connection, view, line: error.line ?? undefined, code: error.code ?? 'error', message: error.message ?? '' });
    }
    for (const retry of view.retries) {
      nodes.push({ kind: 'job', connection, view: retry });
    }
    return nodes;
  }

  private connectionItem(connection: Connection): vscode.TreeItem {
    const item = new vscode.TreeItem(connection.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `conn:${connection.id}`;
    const isDefault = this.model.connections.defaultConnection()?.id === connection.id;
    item.description = [connection.emulator ? vscode.l10n.t('local emulator') : hostOf(connection.endpoint), isDefault ? vscode.l10n.t('default') : undefined].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(connection.emulator ? 'vm' : 'azure');
    item.tooltip = new vscode.MarkdownString(`**${connection.name}**  \n${connection.endpoint}  \napi-version ${connection.apiVersion} · ${connection.auth}`);
    item.contextValue = ['connection', isDefault ? 'default' : undefined, connection.emulator ? 'emulator' : undefined].filter(Boolean).join(':');
    return item;
  }

  private jobItem(node: Extract<JobsNode, { kind: 'job' }>): vscode.TreeItem {
    const { view } = node;
    const batch = view.batch;
    const item = new vscode.TreeItem(jobLabel(view), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `job:${node.connection.id}:${view.batchId}`;
    item.description = jobDescription(batch);
    item.iconPath = jobIcon(batch);
    item.tooltip = jobTooltip(view);
    if (viewMayExist(view)) {
      return this.mayExistItem(item, view);
    }
    const state = stateOf(batch);
    const counts = batch?.request_counts;
    const tokens = ['job', state?.done ? 'done' : 'active'];
    if (state?.cancellable) tokens.push('cancellable');
    if (batch?.output_file_id || batch?.error_file_id) tokens.push('results');
    if (state?.done && ((counts?.failed ?? 0) > 0 || (counts !== undefined && counts.completed < counts.total) || batch?.status !== 'completed') && view.record?.inputPath) tokens.push('failures');
    if (view.record?.sourceUri) tokens.push('source');
    if (view.record) tokens.push('local');
    item.contextValue = tokens.join(':');
    return item;
  }

  // A submission whose create had no clear answer and whose job was not found: offers Look Again / Submit Anew.
  private mayExistItem(item: vscode.TreeItem, view: JobView): vscode.TreeItem {
    item.collapsibleState = view.retries.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    item.description = mayExistDescription();
    item.iconPath = mayExistIcon();
    item.contextValue = ['job', 'mayExist', view.record?.sourceUri ? 'source' : undefined, 'local'].filter(Boolean).join(':');
    return item;
  }
}

type Phase = ReturnType<typeof jobState>['phase'];

function groupPhase(group: GroupRecord): Phase {
  if (!group.finished) {
    return 'active';
  }
  const phases = group.state.parts.map((part) => (part.batchStatus ? jobState(part.batchStatus, part.requestCounts).phase : 'cancelled'));
  if (phases.every((phase) => phase === 'succeeded')) {
    return 'succeeded';
  }
  return phases.some((phase) => phase === 'succeeded' || phase === 'partial') ? 'partial' : 'failed';
}

function groupTotals(group: GroupRecord): { total: number; finished: number; failed: number } {
  let total = 0;
  let finished = 0;
  let failed = 0;
  for (const part of group.state.parts) {
    total += part.requests;
    finished += (part.requestCounts?.completed ?? 0) + (part.requestCounts?.failed ?? 0);
    failed += part.requestCounts?.failed ?? 0;
  }
  return { total, finished, failed };
}

function groupItem(connection: Connection, group: GroupRecord): vscode.TreeItem {
  const item = new vscode.TreeItem(group.state.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${connection.id}:${group.state.id}`;
  const phase = groupPhase(group);
  const totals = groupTotals(group);
  const count = (status: string) => group.state.parts.filter((part) => part.status === status).length;
  const elapsed = groupElapsedMs(group.state, Date.now(), group.finishedAt);
  const parts = [
    phase === 'active' ? vscode.l10n.t('in progress') : phase === 'succeeded' ? vscode.l10n.t('completed') : phase === 'partial' ? vscode.l10n.t('completed with failures') : vscode.l10n.t('failed'),
    `${totals.finished.toLocaleString()}/${totals.total.toLocaleString()}`,
    ...(totals.failed > 0 ? [vscode.l10n.t('{0} failed', totals.failed.toLocaleString())] : []),
    vscode.l10n.t('{0} parts: {1} done, {2} running, {3} queued', group.state.parts.length, count('done'), count('running') + count('submitting'), count('queued')),
    ...(elapsed !== undefined ? [formatDuration(elapsed)] : []),
  ];
  item.description = parts.join(' · ');
  item.iconPath = new vscode.ThemeIcon(phase === 'active' ? 'sync~spin' : phase === 'succeeded' ? 'pass' : phase === 'partial' ? 'warning' : 'error');
  item.tooltip = new vscode.MarkdownString(
    [
      `**${group.state.name}**`,
      vscode.l10n.t('Job group {0}', group.state.id),
      vscode.l10n.t('Enqueued-token limit: {0}', group.state.tokenLimit?.toLocaleString() ?? vscode.l10n.t('unknown')),
      ...(group.results ? [vscode.l10n.t('Results: {0}', group.results)] : []),
    ].join('  \n'),
  );
  item.contextValue = ['group', group.finished ? 'done' : 'active'].join(':');
  return item;
}

function partItem(connection: Connection, group: GroupRecord, part: PartState): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Part {0} of {1}', part.index, group.state.parts.length), vscode.TreeItemCollapsibleState.None);
  item.id = `part:${connection.id}:${group.state.id}:${part.index}`;
  const state = part.batchStatus ? jobState(part.batchStatus, part.requestCounts) : undefined;
  const counts = part.requestCounts;
  const status =
    part.status === 'queued'
      ? part.notBefore && part.notBefore > Date.now()
        ? vscode.l10n.t('waiting {0} after token_limit_exceeded', formatDuration(part.notBefore - Date.now()))
        : vscode.l10n.t('queued (waiting for quota)')
      : part.status === 'submitting'
        ? part.mayExist
          ? vscode.l10n.t('may exist: no clear answer, looking again')
          : vscode.l10n.t('submitting')
        : (state?.label ?? part.status);
  item.description = [status, `${counts ? (counts.completed + counts.failed).toLocaleString() : 0}/${part.requests.toLocaleString()}`, vscode.l10n.t('~{0} tokens', part.tokens.toLocaleString())].join(' · ');
  item.tooltip = [part.batchId ?? vscode.l10n.t('not submitted yet'), part.error ?? ''].filter(Boolean).join('\n');
  item.iconPath = new vscode.ThemeIcon(
    part.status === 'queued' ? 'clock' : part.status === 'submitting' || !state?.done ? 'loading~spin' : state.phase === 'succeeded' ? 'pass' : state.phase === 'partial' ? 'warning' : 'error',
  );
  item.contextValue = part.batchId ? 'part:submitted' : 'part';
  return item;
}
