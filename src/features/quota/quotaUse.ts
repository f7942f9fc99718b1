import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { quotaPercent, quotaUse, shortTokens, type QuotaJob, type QuotaUse } from '../../core/batch/quota';
import { isTerminal } from '../../core/batch/status';
import type { GroupRecord } from '../groups/groupStore';
import type { JobRecord } from '../jobs/jobStore';

/** The jobs of a connection as the quota sees them: deployment, status, tokens (the editor's estimate, else the rough one). */
export function quotaJobsOf(records: readonly JobRecord[]): QuotaJob[] {
  return records
    .filter((record) => !record.mayExist)
    .map((record) => ({
      deployment: record.deployment,
      status: record.snapshot?.status,
      tokens: record.estimate ? record.estimate.inputTokens + record.estimate.outputTokens : record.tokens,
      enqueued: record.enqueued,
    }));
}

/**
 * The parts of job groups as the quota sees them: the parts the service holds (being created or running, with the
 * status last seen), on the deployment they name, with their estimated tokens. Queued and finished parts hold none.
 */
export function quotaJobsOfGroups(groups: readonly GroupRecord[]): QuotaJob[] {
  return groups.flatMap((group) =>
    group.state.parts
      .filter((part) => part.status === 'submitting' || part.status === 'running')
      .map((part): QuotaJob => ({ deployment: part.deployment, status: part.status === 'running' ? part.batchStatus : undefined, tokens: part.tokens })),
  );
}

/**
 * The enqueued-token quota configured for a deployment: `azureOpenAIBatch.quota.enqueuedTokens[deployment]`, else the
 * one number of `split.maxEnqueuedTokens`; undefined when neither is set (the service's header may still tell it).
 */
export function configuredQuota(deployment: string, scope?: vscode.Uri): number | undefined {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, scope);
  const perDeployment = config.get<Record<string, unknown>>(Settings.quotaEnqueuedTokens, {});
  const value = perDeployment?.[deployment];
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value;
  }
  const single = config.get<number>(Settings.splitMaxEnqueuedTokens, 0);
  return single > 0 ? single : undefined;
}

/** The quota use of a connection's deployment, from its jobs, the active parts of its job groups, and the settings. */
export function deploymentQuota(records: readonly JobRecord[], deployment: string, scope?: vscode.Uri, groups: readonly GroupRecord[] = []): QuotaUse {
  return quotaUse(deployment, [...quotaJobsOf(records), ...quotaJobsOfGroups(groups)], configuredQuota(deployment, scope));
}

/** Every deployment of a connection with an active job or group part, and its use (for the connection's tooltip). */
export function activeDeploymentQuotas(records: readonly JobRecord[], groups: readonly GroupRecord[] = []): QuotaUse[] {
  const names = new Set<string>();
  for (const job of [...quotaJobsOf(records), ...quotaJobsOfGroups(groups)]) {
    if (job.deployment && (job.status === undefined || !isTerminal(job.status))) {
      names.add(job.deployment);
    }
  }
  return [...names].sort().map((name) => deploymentQuota(records, name, undefined, groups));
}

/** `1.2M of 5M enqueued tokens (24%)`, or `1.2M enqueued tokens` when the quota is not known. */
export function formatQuotaUse(use: QuotaUse): string {
  const percent = quotaPercent(use);
  return use.limit === undefined || percent === undefined
    ? vscode.l10n.t('{0} enqueued tokens', shortTokens(use.used))
    : vscode.l10n.t('{0} of {1} enqueued tokens ({2}%)', shortTokens(use.used), shortTokens(use.limit), percent);
}
