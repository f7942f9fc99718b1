import * as vscode from 'vscode';
import { registerCommand } from './commandRegistry';
import { Commands, VIEW_ID } from './constants';
import type { JobPhase } from './core/batch/status';
import { addConnection, editConnection, removeConnection, tryEmulator, type ConnectionInput } from './features/connections/connectionCommands';
import { ConnectionStore, type Connection } from './features/connections/connectionStore';
import { ClientFactory } from './features/connections/credentials';
import { EmbeddedEmulator } from './features/connections/embeddedEmulator';
import { JobCommands, resolveConnection, resolveGroupId, resolveJob, type JobArgument, type SubmissionArgument } from './features/jobs/jobCommands';
import { downloadGroup } from './features/groups/groupResults';
import { GroupScheduler } from './features/groups/groupScheduler';
import { GroupStore } from './features/groups/groupStore';
import { JobMarks } from './features/jobs/jobMarks';
import { JobNotifications } from './features/jobs/jobNotifications';
import { JobsModel } from './features/jobs/jobsModel';
import { JobStore } from './features/jobs/jobStore';
import { JobsTreeProvider, type JobsNode } from './features/jobs/jobsTree';
import { JobPoller } from './features/jobs/poller';
import { ResultsService, type ResultOptions } from './features/results/resultsService';
import { submitFiles, type SubmitOptions } from './features/submit/submitCommand';
import { EstimateCodeLensProvider } from './features/estimates/estimateCodeLens';
import { EstimateHoverProvider } from './features/estimates/estimateHover';
import { EstimatesController } from './features/estimates/estimatesController';
import { EstimateStatus } from './features/estimates/estimateStatus';
import { BatchDocumentTracker } from './features/documents/batchDocumentTracker';
import { BatchQuickFixProvider } from './features/validation/quickFixes';
import { removeBom } from './features/validation/removeBomCommand';
import { setDeployment } from './features/validation/setDeploymentCommand';
import { ValidationStatusItem } from './features/validation/statusItem';
import { validateFiles } from './features/validation/validateFileCommand';
import { ValidationController } from './features/validation/validationController';

/** What the extension hands to other extensions and to its integration tests. */
export interface ExtensionApi {
  readonly validation: ValidationController;
  readonly connections: ConnectionStore;
  readonly jobs: JobsModel;
  readonly tree: JobsTreeProvider;
  readonly emulator: EmbeddedEmulator;
  readonly groups: GroupStore;
  readonly results: ResultsService;
  /** The extension's global storage (uploaded copies, split parts, the emulator's data). */
  readonly storage: vscode.Uri;
  /**
   * Only when the extension host runs tests: a second jobs model and tree over the same persisted state and
   * a fresh listing, as a window reload builds them (dispose it after use).
   */
  readonly reopenJobs?: () => { readonly jobs: JobsModel; readonly tree: JobsTreeProvider; dispose(): void };
}

/** Wires the features together; each owns its listeners and is disposed through the context. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('Azure OpenAI Batch', { log: true });
  context.subscriptions.push(log);

  // Writing: validation, quick fixes, file checks, and the estimates (CodeLens, hovers), which follow the same
  // open batch documents and share the host's time with the validation.
  const documents = new BatchDocumentTracker();
  const validation = new ValidationController(documents);
  const estimates = new EstimatesController(documents);
  context.subscriptions.push(
    documents,
    validation,
    estimates,
    new ValidationStatusItem(validation, new EstimateStatus(estimates)),
    // Any scheme and language: files matched by the glob setting are validated whatever their language.
    vscode.languages.registerCodeActionsProvider({ scheme: '*' }, new BatchQuickFixProvider(validation), BatchQuickFixProvider.metadata),
    vscode.languages.registerCodeLensProvider({ scheme: '*' }, new EstimateCodeLensProvider(estimates)),
    vscode.languages.registerHoverProvider({ scheme: '*' }, new EstimateHoverProvider(estimates)),
  );
  registerCommand(context, log, Commands.validateFile, (clicked?: vscode.Uri, selected?: vscode.Uri[]) => validateFiles(validation, clicked, selected));
  registerCommand(context, log, Commands.setDeployment, (uri?: vscode.Uri) => setDeployment(validation, uri));
  registerCommand(context, log, Commands.removeBom, (uri?: vscode.Uri) => removeBom(uri));

  // Connections and the jobs they run.
  const connections = new ConnectionStore(context);
  const emulator = new EmbeddedEmulator(context.globalStorageUri, log);
  const clients = new ClientFactory(connections, emulator);
  const store = new JobStore(context.globalState);
  const groups = new GroupStore(context.globalState);
  const marks = new JobMarks(context.globalState);
  const jobs = new JobsModel(connections, store, clients, groups, marks);
  const poller = new JobPoller(jobs, log);
  const scheduler = new GroupScheduler(groups, connections, clients, log, poller);
  const tree = new JobsTreeProvider(jobs);
  const view = vscode.window.createTreeView<JobsNode>(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const results = new ResultsService(clients, store, poller);
  const jobCommands = new JobCommands(jobs, clients, poller);
  context.subscriptions.push(connections, emulator, store, marks, jobs, poller, groups, scheduler, tree, view, new JobNotifications(jobs));
  void vscode.commands.executeCommand('setContext', 'azureOpenAIBatch.hasConnections', connections.all().length > 0);
  context.subscriptions.push(
    connections.onDidChange(() => void vscode.commands.executeCommand('setContext', 'azureOpenAIBatch.hasConnections', connections.all().length > 0)),
    // Load the lists the first time the view is shown, not at activation.
    view.onDidChangeVisibility((event) => {
      if (event.visible) {
        void jobCommands.refreshAll().catch((error: unknown) => log.warn(`Refreshing jobs failed: ${String(error)}`));
      }
    }),
    vscode.authentication.onDidChangeSessions((event) => {
      if (event.provider.id === 'microsoft') {
        for (const connection of connections.all().filter((c) => c.auth === 'entra')) {
          void jobs.refresh(connection).catch(() => undefined);
        }
      }
    }),
  );
  poller.resumeAll();
  scheduler.resumeAll();

  const connectionFrom = (arg?: JobsNode | string): Connection => {
    const connection = resolveConnection(jobs, arg) ?? connections.defaultConnection();
    if (!connection) {
      throw new Error(vscode.l10n.t('Choose a connection in the Batch Jobs view.'));
    }
    return connection;
  };
  registerCommand(context, log, Commands.addConnection, (input?: Partial<ConnectionInput>) => addConnection(connections, clients, input));
  registerCommand(context, log, Commands.editConnection, (arg?: JobsNode | string, input?: ConnectionInput) => editConnection(connections, clients, connectionFrom(arg), input));
  registerCommand(context, log, Commands.removeConnection, async (arg?: JobsNode | string, confirmed?: boolean) => {
    const connection = connectionFrom(arg);
    if (await removeConnection(connections, connection, confirmed === true)) {
      await store.removeConnection(connection.id);
      await marks.removeConnection(connection.id);
    }
  });
  registerCommand(context, log, Commands.setDefaultConnection, (arg?: JobsNode | string) => connections.setDefault(connectionFrom(arg).id));
  registerCommand(context, log, Commands.tryEmulator, async () => {
    const connection = await tryEmulator(connections, emulator);
    await jobs.refresh(connection);
    return connection;
  });

  // Submitting and tracking.
  const submitDeps = { connections, clients, store, poller, validation, storage: context.globalStorageUri, groups, scheduler };
  registerCommand(context, log, Commands.submit, (clicked?: vscode.Uri, selected?: vscode.Uri[], options?: SubmitOptions) => submitFiles(submitDeps, clicked, selected, options));
  registerCommand(context, log, Commands.refresh, () => jobCommands.refreshAll());
  registerCommand(context, log, Commands.refreshConnection, (arg?: JobsNode | string) => jobCommands.refresh(arg));
  registerCommand(context, log, Commands.loadMore, (arg?: JobsNode | string) => jobCommands.loadMore(arg));
  registerCommand(context, log, Commands.filterJobs, (phases?: JobPhase[]) => jobCommands.filter(phases));
  registerCommand(context, log, Commands.cancelJob, (arg?: JobArgument, confirmed?: boolean) => jobCommands.cancel(arg, confirmed === true));
  registerCommand(context, log, Commands.copyBatchId, (arg?: JobArgument) => jobCommands.copyId(arg));
  registerCommand(context, log, Commands.revealSource, (arg?: JobArgument) => jobCommands.revealSource(arg));
  registerCommand(context, log, Commands.deleteRemoteFiles, (arg?: JobArgument, confirmed?: boolean) => jobCommands.deleteRemoteFiles(arg, confirmed === true));
  registerCommand(context, log, Commands.removeJob, (arg?: JobArgument) => jobCommands.remove(arg));
  registerCommand(context, log, Commands.lookAgain, (arg?: SubmissionArgument) => jobCommands.lookAgain(arg));
  registerCommand(context, log, Commands.submitAnew, (arg?: SubmissionArgument, confirmed?: boolean) => jobCommands.submitAnew(arg, confirmed === true));
  registerCommand(context, log, Commands.showJobs, () => vscode.commands.executeCommand(`${VIEW_ID}.focus`));

  // Job groups (split submissions).
  const groupId = (arg?: JobsNode | string): string => resolveGroupId(jobs, arg);
  registerCommand(context, log, Commands.downloadGroupResults, (arg?: JobsNode | string, options?: ResultOptions) => downloadGroup(groups, connections, clients, groupId(arg), options?.overwrite));
  registerCommand(context, log, Commands.cancelGroup, async (arg?: JobsNode | string, confirmed?: boolean) => {
    const id = groupId(arg);
    const cancel = vscode.l10n.t('Cancel Group');
    if (confirmed === true || (await vscode.window.showWarningMessage(vscode.l10n.t('Cancel every part of {0}? Finished requests are kept (and billed).', groups.get(id)?.state.name ?? id), { modal: true }, cancel)) === cancel) {
      await scheduler.cancel(id);
    }
  });
  registerCommand(context, log, Commands.removeGroup, async (arg?: JobsNode | string) => {
    const group = groups.get(groupId(arg));
    if (group) {
      // Hidden too, so the service's listing does not bring the parts back as jobs of their own.
      await marks.hide(group.connectionId, [group.state.id, ...group.state.parts.flatMap((part) => (part.batchId ? [part.batchId] : []))]);
      await groups.remove(group.state.id);
    }
  });

  // Results.
  registerCommand(context, log, Commands.downloadResults, (arg?: JobArgument, options?: ResultOptions) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.download(job.connection, job.batchId, options));
  });
  registerCommand(context, log, Commands.openOutput, (arg?: JobArgument) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.open(job.connection, job.batchId, 'output'), false);
  });
  registerCommand(context, log, Commands.openErrors, (arg?: JobArgument) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.open(job.connection, job.batchId, 'errors'), false);
  });
  registerCommand(context, log, Commands.retryFailed, (arg?: JobArgument, options?: ResultOptions) => {
    const job = resolveJob(jobs, arg);
    return jobCommands.withResultFiles(job, () => results.retryFailed(job.connection, job.batchId, options), false);
  });

  log.info('Azure OpenAI Batch activated');
  const reopenJobs =
    context.extensionMode === vscode.ExtensionMode.Test
      ? () => {
          const state = context.globalState;
          const parts = [new JobStore(state), new GroupStore(state), new JobMarks(state)] as const;
          const model = new JobsModel(connections, parts[0], clients, parts[1], parts[2]);
          const reopened = new JobsTreeProvider(model);
          return { jobs: model, tree: reopened, dispose: () => vscode.Disposable.from(reopened, model, ...parts).dispose() };
        }
      : undefined;
  return { validation, connections, jobs, tree, emulator, groups, results, storage: context.globalStorageUri, reopenJobs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
