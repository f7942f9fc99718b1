import * as vscode from 'vscode';
import { registerCommand } from './commandRegistry';
import { VIEW_ID } from './constants';
import type { RegisterCommand } from './features/commands';
import { affectsCloud, currentCloud } from './features/azure/azureCloud';
import { refreshDeploymentsWithJobs, registerAzureCommands } from './features/azure/commands';
import { MicrosoftAuthentication } from './features/azure/azureSession';
import { DeploymentsRefresher } from './features/azure/deploymentsRefresher';
import { registerConnectionCommands } from './features/connections/commands';
import { registerCreateCommands } from './features/create/commands';
import { ConnectionStatusItem } from './features/connections/connectionStatusItem';
import { ConnectionStore } from './features/connections/connectionStore';
import { ClientFactory } from './features/connections/credentials';
import { EmbeddedEmulator } from './features/connections/embeddedEmulator';
import { DeploymentCache } from './features/deployments/deploymentCache';
import { WorkspaceDeployments } from './features/deployments/workspaceDeployments';
import { BatchDocumentTracker } from './features/documents/batchDocumentTracker';
import { EstimateCodeLensProvider } from './features/estimates/estimateCodeLens';
import { EstimateHoverProvider } from './features/estimates/estimateHover';
import { EstimatesController } from './features/estimates/estimatesController';
import { LineCompletionProvider } from './features/intellisense/lineCompletionProvider';
import { LineHoverProvider } from './features/intellisense/lineHoverProvider';
import { EstimateStatus } from './features/estimates/estimateStatus';
import { registerGroupCommands } from './features/groups/commands';
import { registerFileCommands } from './features/files/commands';
import { FileUsage } from './features/files/fileUsage';
import { ConnectionSummary } from './features/jobs/connectionSummary';
import { GroupScheduler } from './features/groups/groupScheduler';
import { GroupStore } from './features/groups/groupStore';
import { registerJobCommands } from './features/jobs/commands';
import { JobCommands } from './features/jobs/jobCommands';
import { JobMarks } from './features/jobs/jobMarks';
import { JobNotifications } from './features/jobs/jobNotifications';
import { JobsModel } from './features/jobs/jobsModel';
import { JobStore } from './features/jobs/jobStore';
import { JobsTreeProvider, type JobsNode } from './features/jobs/jobsTree';
import { JobPoller } from './features/jobs/poller';
import { OutcomeCodeLensProvider } from './features/outcomes/outcomeCodeLens';
import { OutcomeHoverProvider } from './features/outcomes/outcomeHover';
import { OutcomesController } from './features/outcomes/outcomesController';
import { registerResultCommands } from './features/results/commands';
import { ResultsService } from './features/results/resultsService';
import { ResultsViewerProvider } from './features/resultsViewer/resultsViewerProvider';
import { registerSubmitCommands } from './features/submit/commands';
import { registerValidationCommands } from './features/validation/commands';
import { ModelCompletionProvider } from './features/validation/modelCompletion';
import { BatchQuickFixProvider } from './features/validation/quickFixes';
import { ValidationStatusItem } from './features/validation/statusItem';
import { ValidationController } from './features/validation/validationController';

/** What the extension hands to other extensions and to its integration tests. */
export interface ExtensionApi {
  readonly validation: ValidationController;
  /** The open batch documents the validation and the estimates follow. */
  readonly documents: BatchDocumentTracker;
  readonly estimates: EstimatesController;
  /** The active batch file's counts (and estimate, where there is no CodeLens) in the status bar. */
  readonly status: ValidationStatusItem;
  readonly connections: ConnectionStore;
  /** The status bar item naming the workspace's connection. */
  readonly connectionStatus: ConnectionStatusItem;
  /** Each connection's deployments as last listed (the validator, completion and submit read them). */
  readonly deployments: DeploymentCache;
  readonly jobs: JobsModel;
  readonly tree: JobsTreeProvider;
  /** Each connection's input-file count against Azure's cap. */
  readonly fileUsage: FileUsage;
  readonly emulator: EmbeddedEmulator;
  readonly groups: GroupStore;
  readonly results: ResultsService;
  /** Outcomes of downloaded results, shown in the batch files they came from. */
  readonly outcomes: OutcomesController;
  /** The results viewer (custom editor of `*.results.jsonl`) and its open sessions. */
  readonly resultsViewer: ResultsViewerProvider;
  /** The extension's global storage (uploaded copies, split parts, the emulator's data). */
  readonly storage: vscode.Uri;
  /**
   * Only when the extension host runs tests: a second jobs model and tree over the same persisted state and
   * a fresh listing, as a window reload builds them (dispose it after use).
   */
  /** Only when the extension host runs tests: Microsoft sign-in through `auth` instead of VS Code's (see MicrosoftAuthentication). */
  readonly replaceAuthentication?: (auth: Pick<typeof vscode.authentication, 'getSession'>) => vscode.Disposable;
  readonly reopenJobs?: () => { readonly jobs: JobsModel; readonly tree: JobsTreeProvider; readonly groups: GroupStore; dispose(): void };
}

/** Wires the features together; each owns its listeners and is disposed through the context. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('Azure OpenAI Batch', { log: true });
  context.subscriptions.push(log);

  // Writing: validation, quick fixes, file checks, and the estimates (CodeLens, hovers), which follow the same
  // open batch documents and share the host's time with the validation.
  const documents = new BatchDocumentTracker();
  const validation = new ValidationController(documents);
  // Tokens are counted in a worker thread beside the extension's bundle (it falls back to this thread if it cannot run).
  const estimates = new EstimatesController(documents, { workerPath: context.asAbsolutePath('dist/tokenWorker.js'), log: (message) => log.warn(message) });
  const status = new ValidationStatusItem(validation, new EstimateStatus(estimates));
  context.subscriptions.push(
    documents,
    validation,
    estimates,
    status,
    // Any scheme and language: files matched by the glob setting are validated whatever their language.
    vscode.languages.registerCodeActionsProvider({ scheme: '*' }, new BatchQuickFixProvider(validation), BatchQuickFixProvider.metadata),
    vscode.languages.registerCodeLensProvider({ scheme: '*' }, new EstimateCodeLensProvider(estimates)),
    vscode.languages.registerHoverProvider({ scheme: '*' }, new EstimateHoverProvider(estimates)),
  );
  // IntelliSense inside request lines: completion and key docs from the request schema, a preview on custom_id.
  context.subscriptions.push(
    vscode.languages.registerCompletionItemProvider({ scheme: '*' }, new LineCompletionProvider(validation), ...LineCompletionProvider.triggerCharacters),
    vscode.languages.registerHoverProvider({ scheme: '*' }, new LineHoverProvider(validation)),
  );
  const register: RegisterCommand = (id, handler) => registerCommand(context, log, id, handler);
  registerValidationCommands(register, validation);

  // Connections and the jobs they run.
  const connections = new ConnectionStore(context);
  const deployments = new DeploymentCache(context.globalState);
  // The validator, the deployment quick fixes and completion follow the workspace connection's deployments.
  const workspaceDeployments = new WorkspaceDeployments(connections, deployments);
  validation.useDeployments(workspaceDeployments);
  context.subscriptions.push(
    workspaceDeployments,
    vscode.languages.registerCompletionItemProvider({ scheme: '*' }, new ModelCompletionProvider(validation), ...ModelCompletionProvider.triggerCharacters),
  );
  const emulator = new EmbeddedEmulator(context.globalStorageUri, log);
  const microsoft = new MicrosoftAuthentication();
  const clients = new ClientFactory(connections, emulator, microsoft);
  const store = new JobStore(context.globalState);
  const groups = new GroupStore(context.globalState);
  const marks = new JobMarks(context.globalState);
  const jobs = new JobsModel(connections, store, clients, groups, marks);
  const poller = new JobPoller(jobs, log);
  const scheduler = new GroupScheduler(groups, connections, clients, log, poller);
  const fileUsage = new FileUsage(jobs, clients, (message) => log.warn(message));
  const summary = new ConnectionSummary(fileUsage, store, groups);
  const deploymentLists = new DeploymentsRefresher(connections, deployments, log, microsoft);
  const tree = new JobsTreeProvider(jobs, summary, deploymentLists);
  const view = vscode.window.createTreeView<JobsNode>(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const results = new ResultsService(clients, store, poller);
  const jobCommands = new JobCommands(jobs, clients, poller);
  context.subscriptions.push(connections, deployments, deploymentLists, emulator, store, marks, jobs, poller, groups, scheduler, fileUsage, summary, tree, view, new JobNotifications(jobs));
  void vscode.commands.executeCommand('setContext', 'azureOpenAIBatch.hasConnections', connections.all().length > 0);
  const connectionStatus = new ConnectionStatusItem(connections);
  // The workspace's connection decides the service whose per-file limits the validator applies.
  const followService = () => validation.setBatchService(connections.defaultConnection()?.service ?? 'azure');
  followService();
  context.subscriptions.push(connectionStatus, connections.onDidChange(followService));
  context.subscriptions.push(
    connections.onDidChange(() => void vscode.commands.executeCommand('setContext', 'azureOpenAIBatch.hasConnections', connections.all().length > 0)),
    // Load the lists the first time the view is shown, not at activation.
    view.onDidChangeVisibility((event) => {
      if (event.visible) {
        // Silent: showing the view never opens a sign-in (a signed-out connection says so in the tree).
        void Promise.all(connections.all().map((connection) => jobs.refresh(connection))).catch((error: unknown) => log.warn(`Refreshing jobs failed: ${String(error)}`));
        void deploymentLists.refreshAll();
      }
    }),
    vscode.authentication.onDidChangeSessions((event) => {
      if (event.provider.id === currentCloud().authProviderId) {
        for (const connection of connections.all().filter((c) => c.auth === 'entra')) {
          void jobs.refresh(connection).catch(() => undefined);
        }
        // Signed in (or out): the deployments the view could not list, or can no longer list.
        void deploymentLists.refreshAll();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsCloud(event)) {
        void deploymentLists.refreshAll();
      }
    }),
  );
  poller.resumeAll();
  scheduler.resumeAll();

  registerConnectionCommands(register, { connections, clients, emulator, jobs, deployments });
  registerSubmitCommands(register, { connections, clients, store, poller, validation, estimates, storage: context.globalStorageUri, groups, scheduler });
  const azureDeps = { connections, deployments: deploymentLists, jobs, auth: microsoft };
  registerAzureCommands(register, azureDeps);
  registerJobCommands(register, jobCommands, refreshDeploymentsWithJobs(azureDeps));
  registerGroupCommands(register, { groups, connections, clients, scheduler, jobs });
  registerFileCommands(register, { jobs, clients, groups, usage: fileUsage });
  registerResultCommands(register, { jobs, jobCommands, results, groups, connections, clients });
  // Batch files made from data (CSV, JSON, JSONL) through a prompt template.
  context.subscriptions.push(registerCreateCommands(register, { connections, deployments }));
  // Downloaded outcomes shown in the batch files they came from (a second CodeLens and hover beside the estimate's).
  const outcomes = new OutcomesController();
  context.subscriptions.push(
    outcomes,
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, new OutcomeCodeLensProvider(outcomes)),
    vscode.languages.registerHoverProvider({ scheme: 'file' }, new OutcomeHoverProvider(outcomes)),
  );
  const resultsViewer = ResultsViewerProvider.register(context, store, log);

  log.info('Azure OpenAI Batch activated');
  const reopenJobs =
    context.extensionMode === vscode.ExtensionMode.Test
      ? () => {
          const state = context.globalState;
          const parts = [new JobStore(state), new GroupStore(state), new JobMarks(state)] as const;
          const model = new JobsModel(connections, parts[0], clients, parts[1], parts[2]);
          const reopened = new JobsTreeProvider(model);
          return { jobs: model, tree: reopened, groups: parts[1], dispose: () => vscode.Disposable.from(reopened, model, ...parts).dispose() };
        }
      : undefined;
  const replaceAuthentication = context.extensionMode === vscode.ExtensionMode.Test ? (auth: Pick<typeof vscode.authentication, 'getSession'>) => microsoft.replaceForTests(auth) : undefined;
  return { validation, documents, estimates, status, connections, connectionStatus, deployments, jobs, tree, fileUsage, emulator, groups, results, outcomes, resultsViewer, storage: context.globalStorageUri, reopenJobs, replaceAuthentication };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
