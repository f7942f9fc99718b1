import * as vscode from 'vscode';
import { portalResourceUrl } from '../../core/azure/cloud';
import type { DeploymentInfo } from '../../core/azure/deployments';
import type { QuotaUse } from '../../core/batch/quota';
import { formatQuotaUse } from '../quota/quotaUse';
import { Commands } from '../../constants';
import { escapeMarkdown } from '../markdown';
import type { Connection } from '../connections/connectionStore';
import { currentCloud } from './azureCloud';
import { resourceOf, type DeploymentsState } from './deploymentsRefresher';

/** A child of a connection's "Deployments" node: a batch deployment, or a line of text (with an action). */
export type DeploymentChild =
  | { readonly kind: 'deployment'; readonly deployment: DeploymentInfo }
  | { readonly kind: 'message'; readonly text: string; readonly icon: string; readonly command?: vscode.Command };

/**
 * The "Deployments" node of a connection: how many batch deployments, and how fresh the list is. Only a list from
 * Resource Manager can be refreshed (the local emulator's is set when it starts).
 */
export function deploymentsTreeItem(id: string, state: DeploymentsState, refreshable = true): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Deployments'), vscode.TreeItemCollapsibleState.Expanded);
  item.id = id;
  const batch = state.snapshot?.deployments.filter((d) => d.batch).length;
  item.description = state.loading ? vscode.l10n.t('listing...') : batch === undefined ? '' : vscode.l10n.t('{0} batch', batch);
  item.iconPath = new vscode.ThemeIcon(state.loading ? 'loading~spin' : 'layers');
  item.tooltip = state.snapshot ? vscode.l10n.t('Listed {0}', new Date(state.snapshot.fetchedAt).toLocaleString()) : undefined;
  item.contextValue = refreshable ? 'deployments' : 'emulatorDeployments';
  return item;
}

/** One batch deployment: its name, model and version, sku and capacity. */
export function deploymentTreeItem(id: string, deployment: DeploymentInfo, quota?: QuotaUse): vscode.TreeItem {
  const item = new vscode.TreeItem(deployment.name, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  const model = [deployment.model, deployment.version].filter(Boolean).join(' ');
  // The enqueued-token use, once a job runs on it or its quota is configured (an idle deployment says nothing).
  const enqueued = quota && (quota.used > 0 || quota.limit !== undefined) ? formatQuotaUse(quota) : undefined;
  item.description = [model, deployment.sku, deployment.capacity === null ? undefined : vscode.l10n.t('capacity {0}', deployment.capacity.toLocaleString()), enqueued].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon('symbol-constant');
  item.tooltip = new vscode.MarkdownString(
    // Names, models and skus come from Resource Manager: escaped, so none can add links, HTML or lines.
    [`**${escapeMarkdown(deployment.name)}**`, vscode.l10n.t('Model: {0}', model || vscode.l10n.t('unknown')), vscode.l10n.t('Sku: {0}', deployment.sku), vscode.l10n.t('Capacity: {0}', deployment.capacity?.toLocaleString() ?? vscode.l10n.t('unknown')), ...(enqueued ? [vscode.l10n.t('Enqueued: {0}', enqueued)] : [])].map((line, i) => (i === 0 ? line : escapeMarkdown(line))).join('  \n'),
  );
  item.contextValue = 'deployment:batch';
  return item;
}

/**
 * What the "Deployments" node lists: the batch deployments (sku `GlobalBatch` or `DataZoneBatch`) by name, then
 * one line naming the others, which Azure refuses batch jobs for (so they are not offered, but a user looking for
 * a deployment sees why it is missing). With none, a line that links to creating one in the resource's portal page;
 * while signed out or after a failure, the reason with the action that fixes it. `signInShown`: the connection shows
 * a sign-in item already (its jobs need one), so a second one here is left out.
 */
export function deploymentChildren(connection: Connection, state: DeploymentsState, options: { readonly signInShown?: boolean } = {}): DeploymentChild[] {
  const children: DeploymentChild[] = [];
  const retry: vscode.Command = { command: Commands.refreshDeployments, title: vscode.l10n.t('Retry'), arguments: [connection.id] };
  if (state.error && !(state.error.signIn && options.signInShown)) {
    children.push({ kind: 'message', text: state.error.message, icon: state.error.signIn ? 'sign-in' : 'warning', command: retry });
  }
  const snapshot = state.snapshot;
  if (!snapshot) {
    if (!state.error) {
      children.push({ kind: 'message', text: state.loading ? vscode.l10n.t('Listing deployments...') : vscode.l10n.t('Deployments not listed yet'), icon: state.loading ? 'loading~spin' : 'info', command: state.loading ? undefined : retry });
    }
    return children;
  }
  const batch = snapshot.deployments.filter((d) => d.batch);
  const others = snapshot.deployments.filter((d) => !d.batch);
  children.push(...batch.map((deployment): DeploymentChild => ({ kind: 'deployment', deployment })));
  if (batch.length === 0) {
    const ref = resourceOf(connection);
    const url = ref ? portalResourceUrl(currentCloud(), ref) : 'https://ai.azure.com';
    children.push({
      kind: 'message',
      text: vscode.l10n.t('No batch deployments: create one (Global Batch or Data Zone Batch)...'),
      icon: 'add',
      command: { command: 'vscode.open', title: vscode.l10n.t('Create a Batch Deployment'), arguments: [vscode.Uri.parse(url)] },
    });
  }
  if (others.length > 0) {
    const names = others.map((d) => `${d.name} (${d.sku || '?'})`).join(', ');
    children.push({ kind: 'message', text: vscode.l10n.t('Not batch, so not listed: {0}', names), icon: 'circle-slash' });
  }
  return children;
}
