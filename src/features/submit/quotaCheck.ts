import * as vscode from 'vscode';
import { fitsQuota, shortTokens } from '../../core/batch/quota';
import { fileTokenEstimate } from '../../core/batch/split';
import type { GroupStore } from '../groups/groupStore';
import type { JobStore } from '../jobs/jobStore';
import { deploymentQuota } from '../quota/quotaUse';

/** What to do with a file over its deployment's free enqueued-token quota, for scripted use. */
export type OverQuotaAnswer = 'split' | 'submit';

export interface QuotaCheck {
  /** Submit as is, split into parts that fit and queue them, or stop. */
  readonly choice: 'submit' | 'split' | 'cancel';
  /** The file's rough enqueued-token estimate. */
  readonly tokens: number;
  /** The deployment's quota, when known (each part of a split fits it). */
  readonly limit?: number;
}

/**
 * Before an upload: compares the file's estimated tokens with what is left of the deployment's enqueued-token quota (the
 * jobs active on it, the create headers, the settings) and, when it does not fit, asks whether to split and queue it,
 * submit anyway (Azure then fails it with `token_limit_exceeded`, or queues it where the region does not fail fast) or
 * cancel. A deployment whose quota is not known is never held up.
 */
export async function checkDeploymentQuota(
  store: JobStore,
  target: { readonly connectionId: string; readonly deployment: string; readonly path: string; readonly scope?: vscode.Uri },
  answer?: OverQuotaAnswer,
  /** Job groups, whose running parts use the deployment's quota too. */
  groups?: Pick<GroupStore, 'forConnection'>,
): Promise<QuotaCheck> {
  const tokens = await fileTokenEstimate(target.path);
  const use = deploymentQuota(store.forConnection(target.connectionId), target.deployment, target.scope, groups?.forConnection(target.connectionId));
  if (fitsQuota(use, tokens)) {
    return { choice: 'submit', tokens, limit: use.limit };
  }
  if (answer) {
    return { choice: answer, tokens, limit: use.limit };
  }
  const split = vscode.l10n.t('Split and Queue');
  const anyway = vscode.l10n.t('Submit Anyway');
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t('This file needs about {0} tokens; deployment {1} has {2} of {3} left.', shortTokens(tokens), target.deployment, shortTokens(use.left ?? 0), shortTokens(use.limit ?? 0)),
    {
      modal: true,
      detail: vscode.l10n.t(
        'Split and Queue sends it as parts that each fit the quota, each waiting until running jobs free enough of it. Over the quota, Azure fails the job with token_limit_exceeded. (Estimated from the file and the {0} active jobs on the deployment.)',
        use.activeJobs,
      ),
    },
    split,
    anyway,
  );
  return { choice: picked === split ? 'split' : picked === anyway ? 'submit' : 'cancel', tokens, limit: use.limit };
}
