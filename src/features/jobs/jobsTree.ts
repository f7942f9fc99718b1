import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { Connection } from '../connections/connectionStore';
import { hostOf } from '../connections/credentials';
import type { PartState } from '../../core/batch/groupRunner';
import { groupElapsedMs } from '../../core/batch/groupTiming';
import { jobState } from '../../core/batch/status';
import type { GroupRecord } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import { connectionContextValue, formatDuration, groupContextValue, groupIconToken, groupPartCounts, groupTotals, jobContextValue, partContextValue, partIconToken, viewMayExist } from './jobItemTokens';
import { groupPhase, type JobView } from './jobListing';
import { jobDescription, jobIcon, jobLabel, jobTooltip, mayExistDescription, mayExistIcon, themeIcon } from './jobPresentation';
import type { JobsModel } from './jobsModel';
import type { ConnectionSummary } from './connectionSummary';
import { escapeMarkdown } from '../markdown';
import type { DeploymentInfo } from '../../core/azure/deployments';
import { deploymentChildren, deploymentsTreeItem, deploymentTreeItem } from '../azure/deploymentItems';
import { resourceOf, type DeploymentsRefresher } from '../azure/deploymentsRefresher';

export type JobsNode =
  | { readonly kind: 'connection'; readonly connection: Connection }
  | { readonly kind: 'job'; readonly connection: Connection; readonly view: JobView }
  | { readonly kind: 'file'; readonly connection: Connection; readonly view: JobView; readonly role: 'input' | 'output' | 'errors'; readonly fileId: string }
  | { readonly kind: 'validationError'; readonly connection: Connection; readonly view: JobView; readonly line?: number; readonly code: string; readonly message: string }
  | { readonly kind: 'group'; readonly connection: Connection; readonly group: GroupRecord }
  | { readonly kind: 'part'; readonly connection: Connection; readonly group: GroupRecord; readonly part: PartState }
  | { readonly kind: 'loadMore'; readonly connection: Connection }
  | { readonly kind: 'message'; readonly connection: Connection; readonly text: string; readonly icon: string; readonly command?: vscode.Command; readonly tooltip?: string }
  | { readonly kind: 'deployments'; readonly connection: Connection }
  | { readonly kind: 'deployment'; readonly connection: Connection; readonly deployment: DeploymentInfo };

// A submission without a job has an id of its own kind: no batch id the service picks can name it.
function jobItemId(connectionId: string, view: JobView): string {
  return view.submissionId !== undefined ? `submission:${connectionId}:${view.submissionId}` : `job:${connectionId}:${view.batchId}`;
}

/** The id of a node, the same as its tree item's: stable across refreshes, unique in the view. */
export function nodeId(node: JobsNode): string {
  const connection = node.connection.id;
  switch (node.kind) {
    case 'connection':
      return `conn:${connection}`;
    case 'job':
      return jobItemId(connection, node.view);
    case 'file':
      return `file:${connection}:${node.view.batchId}:${node.role}`;
    case 'validationError':
      return `verr:${connection}:${node.view.batchId}:${node.line ?? ''}:${node.code}`;
    case 'group':
      return `group:${connection}:${node.group.state.id}`;
    case 'part':
      return `part:${connection}:${node.group.state.id}:${node.part.index}`;
    case 'loadMore':
      return `more:${connection}`;
    case 'message':
      return `msg:${connection}:${node.text}`;
    case 'deployments':
      return `deployments:${connection}`;
    case 'deployment':
      return `deployment:${connection}:${node.deployment.name}`;
  }
}

const ROOT = '';

/**
 * The "Batch Jobs" view: connections at the top, their groups and jobs beneath (newest first, parts under their
 * group, retries under the job they retry), and each job's files and validation errors. Data comes from
 * {@link JobsModel} only. A node keeps its object for as long as it is shown, so a change refreshes just the
 * nodes whose item or children changed; the whole tree only when the connections change.
 */
export class JobsTreeProvider extends Disposable implements vscode.TreeDataProvider<JobsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<JobsNode | JobsNode[] | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Every node handed out, by id, with the signature of its item when it was last handed out. */
  private readonly nodes = new Map<string, { node: JobsNode; signature: string }>();
  /** The child ids of every node whose children were asked for (ROOT for the top). */
  private readonly children = new Map<string, string[]>();
  private readonly parents = new Map<string, JobsNode>();
  /** While a change is worked out: nodes whose item changed, and every id still shown. */
  private pass: { changed: Set<JobsNode>; seen: Set<string> } | undefined;

  constructor(
    private readonly model: JobsModel,
    /** The file count and quota use shown on each connection (none in a reopened test tree). */
    private readonly summary?: ConnectionSummary,
    /** Lists each Azure connection's deployments under it (absent: no "Deployments" node). */
    private readonly deployments?: DeploymentsRefresher,
  ) {
    super();
    this.register(model.onDidChange(() => this.refreshChanged()));
    if (deployments) {
      this.register(deployments.onDidChange(() => this.refreshChanged()));
    }
    if (summary) {
      this.register(summary.onDidChange(() => this.refreshChanged()));
    }
  }

  getChildren(node?: JobsNode): JobsNode[] {
    const fresh = this.childrenOf(node);
    const interned = fresh.map((child) => this.intern(child));
    const key = node ? nodeId(node) : ROOT;
    this.children.set(key, interned.map(nodeId));
    for (const child of interned) {
      if (node) {
        this.parents.set(nodeId(child), node);
      } else {
        this.parents.delete(nodeId(child));
      }
    }
    return interned;
  }

  getParent(node: JobsNode): JobsNode | undefined {
    return node.kind === 'connection' ? undefined : this.parents.get(nodeId(node));
  }

  private childrenOf(node?: JobsNode): JobsNode[] {
    if (!node) {
      return this.model.connectionList().map((connection) => ({ kind: 'connection', connection }));
    }
    switch (node.kind) {
      case 'connection':
        return this.connectionChildren(node.connection);
      case 'job':
        return this.jobChildren(node.connection, node.view);
      case 'group':
        return node.group.state.parts.map((part) => ({ kind: 'part', connection: node.connection, group: node.group, part }));
      case 'deployments':
        return this.deployments
          ? deploymentChildren(node.connection, this.deployments.state(node.connection.id), { signInShown: this.signInShown(node.connection) }).map((child): JobsNode => ({ ...child, connection: node.connection }))
          : [];
      default:
        return [];
    }
  }

  // The one object of a node: a node shown before is updated in place (noting it when its item changed).
  private intern(node: JobsNode): JobsNode {
    const id = nodeId(node);
    const signature = itemSignature(this.getTreeItem(node));
    this.pass?.seen.add(id);
    const known = this.nodes.get(id);
    if (!known) {
      this.nodes.set(id, { node, signature });
      return node;
    }
    if (known.signature !== signature || known.node.kind !== node.kind) {
      this.pass?.changed.add(known.node);
    }
    Object.assign(known.node, node);
    known.signature = signature;
    return known.node;
  }

  // Works out what a model change changed: nodes whose item changed, and nodes whose children changed.
  private refreshChanged(): void {
    if (!this.children.has(ROOT)) {
      return; // Nothing shown yet.
    }
    const pass = { changed: new Set<JobsNode>(), seen: new Set<string>() };
    this.pass = pass;
    try {
      const before = new Map(this.children);
      const top = this.getChildren().map(nodeId);
      if (!sameIds(before.get(ROOT), top)) {
        this.forgetAll();
        this.changed.fire(undefined);
        return;
      }
      for (const [key, ids] of before) {
        const parent = key === ROOT ? undefined : this.nodes.get(key)?.node;
        if (!parent || !pass.seen.has(key)) {
          continue;
        }
        if (!sameIds(ids, this.getChildren(parent).map(nodeId))) {
          pass.changed.add(parent);
        }
      }
    } finally {
      this.pass = undefined;
    }
    this.forgetUnseen(pass.seen);
    if (pass.changed.size > 0) {
      this.changed.fire([...pass.changed]);
    }
  }

  private forgetAll(): void {
    this.nodes.clear();
    this.children.clear();
    this.parents.clear();
  }

  private forgetUnseen(seen: ReadonlySet<string>): void {
    for (const id of [...this.nodes.keys()]) {
      if (!seen.has(id)) {
        this.nodes.delete(id);
        this.children.delete(id);
        this.parents.delete(id);
      }
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
        item.id = nodeId(node);
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
        item.id = nodeId(node);
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
        item.id = nodeId(node);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: Commands.loadMore, title: vscode.l10n.t('Load more'), arguments: [node] };
        return item;
      }
      case 'deployments':
        return deploymentsTreeItem(nodeId(node), this.deployments!.state(node.connection.id), resourceOf(node.connection) !== undefined);
      case 'deployment':
        return deploymentTreeItem(nodeId(node), node.deployment, this.summary?.quota(node.connection, node.deployment.name));
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = nodeId(node);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
    }
  }

  private connectionChildren(connection: Connection): JobsNode[] {
    const listing = this.model.listing(connection.id);
    const nodes = this.model.entriesFor(connection.id).map((entry): JobsNode => (entry.kind === 'group' ? { kind: 'group', connection, group: entry.group } : { kind: 'job', connection, view: entry.view }));
    if (listing?.error?.missingKey) {
      // One click to the fix: the key is asked for right there, not through Edit Connection's five questions.
      nodes.unshift({ kind: 'message', connection, text: vscode.l10n.t('Enter API Key'), icon: 'key', command: { command: Commands.enterApiKey, title: vscode.l10n.t('Enter API Key'), arguments: [connection.id] }, tooltip: listing.error.message });
    } else if (listing?.error) {
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
    const deploymentsState = this.deployments?.state(connection.id);
    // A signed-in resource's list, or the local emulator's own (known without signing in). Signed out, the
    // connection shows one sign-in item (above): the deployments show only a list they still have.
    const signedOutWithoutList = this.signInShown(connection) && deploymentsState?.error?.signIn && !deploymentsState.snapshot;
    if (this.deployments && ((resourceOf(connection) && !signedOutWithoutList) || (connection.emulator && deploymentsState?.snapshot))) {
      nodes.unshift({ kind: 'deployments', connection });
    }
    return nodes;
  }

  /** Whether the connection shows its jobs' sign-in item (which, once signed in, lists its deployments too). */
  private signInShown(connection: Connection): boolean {
    const error = this.model.listing(connection.id)?.error;
    return Boolean(error?.needsCredential && !error.missingKey);
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
    const isDefault = this.model.isDefaultConnection(connection.id);
    const summary = this.summary?.lines(connection);
    item.description = [connection.emulator ? vscode.l10n.t('local emulator') : hostOf(connection.endpoint), isDefault ? vscode.l10n.t('default') : undefined, summary?.description].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(connection.emulator ? 'vm' : connection.service === 'openai' ? 'globe' : 'azure');
    item.tooltip = new vscode.MarkdownString([`**${escapeMarkdown(connection.name)}**`, escapeMarkdown(connection.endpoint), `${connection.service === 'openai' ? 'OpenAI' : `api-version ${connection.apiVersion}`} · ${authLabel(connection)}`, ...(summary?.tooltip ?? []).map(escapeMarkdown)].join('  \n'));
    item.contextValue = connectionContextValue(connection, isDefault);
    return item;
  }

  private jobItem(node: Extract<JobsNode, { kind: 'job' }>): vscode.TreeItem {
    const { view } = node;
    const batch = view.batch;
    const item = new vscode.TreeItem(jobLabel(view), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = jobItemId(node.connection.id, view);
    item.description = jobDescription(batch);
    item.iconPath = jobIcon(batch);
    item.tooltip = jobTooltip(view);
    if (viewMayExist(view)) {
      return this.mayExistItem(item, view);
    }
    item.contextValue = jobContextValue(view);
    return item;
  }

  // A submission whose create had no clear answer and whose job was not found: offers Look Again / Submit Anew.
  private mayExistItem(item: vscode.TreeItem, view: JobView): vscode.TreeItem {
    item.collapsibleState = view.retries.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    item.description = mayExistDescription();
    item.iconPath = mayExistIcon();
    item.contextValue = jobContextValue(view);
    return item;
  }
}

function groupItem(connection: Connection, group: GroupRecord): vscode.TreeItem {
  const item = new vscode.TreeItem(group.state.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${connection.id}:${group.state.id}`;
  const phase = groupPhase(group);
  const totals = groupTotals(group);
  const counts = groupPartCounts(group);
  const elapsed = groupElapsedMs(group.state, Date.now(), group.finishedAt);
  const parts = [
    phase === 'active' ? vscode.l10n.t('in progress') : phase === 'succeeded' ? vscode.l10n.t('completed') : phase === 'partial' ? vscode.l10n.t('completed with failures') : vscode.l10n.t('failed'),
    `${totals.finished.toLocaleString()}/${totals.total.toLocaleString()}`,
    ...(totals.failed > 0 ? [vscode.l10n.t('{0} failed', totals.failed.toLocaleString())] : []),
    vscode.l10n.t('{0} parts: {1} done, {2} running, {3} queued', group.state.parts.length, counts.done, counts.running, counts.queued),
    ...(elapsed !== undefined ? [formatDuration(elapsed)] : []),
  ];
  item.description = parts.join(' · ');
  item.iconPath = themeIcon(groupIconToken(phase));
  item.tooltip = new vscode.MarkdownString(
    [
      `**${escapeMarkdown(group.state.name)}**`,
      vscode.l10n.t('Job group {0}', group.state.id),
      vscode.l10n.t('Enqueued-token limit: {0}', group.state.tokenLimit?.toLocaleString() ?? vscode.l10n.t('unknown')),
      ...(group.results ? [vscode.l10n.t('Results: {0}', group.results)] : []),
    ].join('  \n'),
  );
  item.contextValue = groupContextValue(group);
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
  item.iconPath = themeIcon(partIconToken(part));
  item.contextValue = partContextValue(part);
  return item;
}

function sameIds(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);
}

// What a tree item shows: when it differs, the node is refreshed (command arguments aside: they carry whole views).
function itemSignature(item: vscode.TreeItem): string {
  const label = typeof item.label === 'string' ? item.label : item.label?.label;
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value;
  const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id}/${item.iconPath.color?.id ?? ''}` : '';
  return JSON.stringify([label, item.description, tooltip, icon, item.contextValue, item.collapsibleState, item.command?.command]);
}

/** How a connection signs its requests, as the user chose it in Add Connection (not the stored identifier). */
function authLabel(connection: Connection): string {
  switch (connection.auth) {
    case 'apiKey':
      return connection.emulator ? vscode.l10n.t('the emulator\'s own key') : vscode.l10n.t('API key');
    case 'entra':
      return vscode.l10n.t('Microsoft Entra ID (signed in with Microsoft)');
    case 'azureCli':
      return vscode.l10n.t('Azure CLI and other local credentials');
  }
}
