import * as vscode from 'vscode';
import type { Connection } from '../connections/connectionStore';
import type { FileUsage } from '../files/fileUsage';
import type { GroupStore } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import type { QuotaUse } from '../../core/batch/quota';
import { activeDeploymentQuotas, deploymentQuota, formatQuotaUse } from '../quota/quotaUse';
import type { JobStore } from './jobStore';

/** What a connection's tree item adds to its description and tooltip: its file count and its deployments' quota use. */
export interface ConnectionSummaryLines {
  readonly description?: string;
  readonly tooltip: readonly string[];
}

/** The file count against the cap and the enqueued-token use per deployment, for the connection's tree item. */
export class ConnectionSummary extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly files: FileUsage,
    private readonly store: JobStore,
    /** Job groups, whose running parts use their deployment's quota too. */
    private readonly groups?: Pick<GroupStore, 'forConnection'>,
  ) {
    super();
    this.register(files.onDidChange(() => this.changed.fire()));
  }

  lines(connection: Connection): ConnectionSummaryLines {
    const use = this.files.get(connection.id);
    const files = use ? vscode.l10n.t('{0} of {1} input files', use.count.toLocaleString(), use.cap.toLocaleString()) : undefined;
    const tooltip: string[] = [];
    if (use) {
      tooltip.push(
        use.withoutExpiry > 0 && use.withoutExpiry < use.count
          ? vscode.l10n.t('{0} ({1} without an expiry; 10,000 once every upload expires)', files!, use.withoutExpiry.toLocaleString())
          : files!,
      );
    }
    for (const quota of activeDeploymentQuotas(this.store.forConnection(connection.id), this.groups?.forConnection(connection.id))) {
      tooltip.push(vscode.l10n.t('{0}: {1}', quota.deployment, formatQuotaUse(quota)));
    }
    return { description: files, tooltip };
  }

  /** The enqueued-token use of one of the connection's deployments (its jobs still active, the configured quota). */
  quota(connection: Connection, deployment: string): QuotaUse {
    return deploymentQuota(this.store.forConnection(connection.id), deployment, undefined, this.groups?.forConnection(connection.id));
  }
}
