import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, Settings, VIEW_ID } from '../../constants';
import type { Batch } from '../../core/batch/client';
import { jobState } from '../../core/batch/status';
import type { GroupRecord } from '../groups/groupStore';
import { Disposable } from '../lifecycle';
import { batchErrors, describeBatchError, JobErrorsView, notifiedErrors } from './jobErrors';
import type { JobsModel } from './jobsModel';
import type { JobRecord } from './jobStore';

/**
 * Tells the user when a job they submitted reaches a terminal state: "Open Results" with "Download Results", or,
 * when requests failed, with "Retry Failed" ("Resubmit Remaining" when the job ended early); a job that failed validation names its first errors and offers
 * "Show Errors". The same for a job group. A status bar item counts the running jobs and opens the view. Reads
 * only the jobs model.
 */
export class JobNotifications extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('azureOpenAIBatch.jobs', vscode.StatusBarAlignment.Left, 49));
  private readonly errors = this.register(new JobErrorsView());

  constructor(private readonly model: JobsModel) {
    super();
    this.item.name = vscode.l10n.t('Azure OpenAI Batch: running jobs');
    this.item.command = `${VIEW_ID}.focus`;
    this.register(model.onDidChange(() => this.updateStatus()));
    this.register(model.onDidFinishJob(({ connection, transition }) => void this.announce(connection.id, transition.record, transition.batch)));
    this.register(model.onDidFinishGroup((group) => void this.announceGroup(group)));
    this.updateStatus();
    // "The service refused this job" on the source lines, as before the reload.
    void this.errors.restore(model.store.all());
  }

  private async announceGroup(group: GroupRecord): Promise<void> {
    if (!vscode.workspace.getConfiguration(CONFIG_SECTION).get<boolean>(Settings.notifyOnCompletion, true)) {
      return;
    }
    const parts = group.state.parts;
    const succeeded = parts.reduce((n, part) => n + (part.requestCounts?.completed ?? 0), 0);
    const total = parts.reduce((n, part) => n + part.requests, 0);
    const download = vscode.l10n.t('Download Results');
    const open = vscode.l10n.t('Open Results');
    const text = vscode.l10n.t('Job group {0} finished: {1} of {2} requests succeeded in {3} parts.', group.state.name, succeeded.toLocaleString(), total.toLocaleString(), parts.length);
    const show = succeeded === 0 ? vscode.window.showErrorMessage : succeeded < total ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(text, open, download);
    if (choice === download) {
      await vscode.commands.executeCommand(Commands.downloadGroupResults, group.state.id);
    } else if (choice === open) {
      await vscode.commands.executeCommand(Commands.openResults, group.state.id);
    }
  }

  private updateStatus(): void {
    const running = this.model.activeJobCount();
    if (running === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(sync~spin) ${running === 1 ? vscode.l10n.t('1 batch job running') : vscode.l10n.t('{0} batch jobs running', running)}`;
    this.item.tooltip = vscode.l10n.t('Show the Batch Jobs view');
    this.item.show();
  }

  private async announce(connectionId: string, record: JobRecord, batch: Batch): Promise<void> {
    if (!vscode.workspace.getConfiguration(CONFIG_SECTION).get<boolean>(Settings.notifyOnCompletion, true)) {
      return;
    }
    const name = record.sourceName;
    const arg = { connectionId, batchId: batch.id };
    const errors = batchErrors(batch);
    if (batch.status === 'failed' && errors.length > 0) {
      const showErrors = vscode.l10n.t('Show Errors');
      const first = errors.slice(0, notifiedErrors).map(describeBatchError).join('; ');
      const text =
        errors.length > notifiedErrors
          ? vscode.l10n.t('Batch job {0} failed validation: {1}; and {2} more.', name, first, errors.length - notifiedErrors)
          : vscode.l10n.t('Batch job {0} failed validation: {1}.', name, first);
      if ((await vscode.window.showErrorMessage(text, showErrors)) === showErrors) {
        await this.errors.show(name, batch, record.sourceUri);
      }
      return;
    }
    const state = jobState(batch.status, batch.request_counts);
    const counts = batch.request_counts;
    const failures = (counts?.failed ?? 0) + (batch.status === 'completed' ? 0 : Math.max(0, (counts?.total ?? 0) - (counts?.completed ?? 0) - (counts?.failed ?? 0)));
    const open = vscode.l10n.t('Open Results');
    const download = vscode.l10n.t('Download Results');
    // A job that ended early (expired, cancelled) has rows that never ran: resubmitting them is not a "retry".
    const endedEarly = batch.status !== 'completed';
    const retry = endedEarly ? vscode.l10n.t('Resubmit Remaining') : vscode.l10n.t('Retry Failed');
    const hasFiles = Boolean(batch.output_file_id || batch.error_file_id);
    const actions = hasFiles ? (failures > 0 ? [open, retry] : [open, download]) : [];
    const text = vscode.l10n.t('Batch job {0}: {1}.', name, state.label);
    // "Completed" with no success is a failure (its state says so): shown as an error, like one.
    const show = state.phase === 'failed' ? vscode.window.showErrorMessage : state.phase === 'succeeded' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const choice = await show(text, ...actions);
    if (choice === open) {
      await vscode.commands.executeCommand(Commands.openResults, arg);
    } else if (choice === download) {
      await vscode.commands.executeCommand(Commands.downloadResults, arg);
    } else if (choice === retry) {
      await vscode.commands.executeCommand(endedEarly ? Commands.resubmitRemaining : Commands.retryFailed, arg);
    }
  }
}
