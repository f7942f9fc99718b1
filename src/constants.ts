// One prefix for every command, setting and context key, kept here so they are easy to find and rename.

export const EXTENSION_ID = 'azure-openai-batch.azure-openai-batch';
export const DIAGNOSTIC_SOURCE = 'Azure OpenAI Batch';

export const Commands = {
  validateFile: 'azureOpenAIBatch.validateFile',
  setDeployment: 'azureOpenAIBatch.setDeployment',
  removeBom: 'azureOpenAIBatch.removeBom',
  submit: 'azureOpenAIBatch.submit',
  addConnection: 'azureOpenAIBatch.addConnection',
  editConnection: 'azureOpenAIBatch.editConnection',
  removeConnection: 'azureOpenAIBatch.removeConnection',
  setDefaultConnection: 'azureOpenAIBatch.setDefaultConnection',
  tryEmulator: 'azureOpenAIBatch.tryEmulator',
  refresh: 'azureOpenAIBatch.refresh',
  refreshConnection: 'azureOpenAIBatch.refreshConnection',
  loadMore: 'azureOpenAIBatch.loadMore',
  filterJobs: 'azureOpenAIBatch.filterJobs',
  cancelJob: 'azureOpenAIBatch.cancelJob',
  downloadResults: 'azureOpenAIBatch.downloadResults',
  openResults: 'azureOpenAIBatch.openResults',
  openOutput: 'azureOpenAIBatch.openOutput',
  openErrors: 'azureOpenAIBatch.openErrors',
  retryFailed: 'azureOpenAIBatch.retryFailed',
  resubmitRemaining: 'azureOpenAIBatch.resubmitRemaining',
  copyBatchId: 'azureOpenAIBatch.copyBatchId',
  revealSource: 'azureOpenAIBatch.revealSource',
  deleteRemoteFiles: 'azureOpenAIBatch.deleteRemoteFiles',
  removeJob: 'azureOpenAIBatch.removeJob',
  lookAgain: 'azureOpenAIBatch.lookAgain',
  submitAnew: 'azureOpenAIBatch.submitAnew',
  showJobs: 'azureOpenAIBatch.showJobs',
  downloadGroupResults: 'azureOpenAIBatch.downloadGroupResults',
  cancelGroup: 'azureOpenAIBatch.cancelGroup',
  removeGroup: 'azureOpenAIBatch.removeGroup',
  cleanUpFiles: 'azureOpenAIBatch.cleanUpFiles',
  newBatchFileFromData: 'azureOpenAIBatch.newBatchFileFromData',
  runBatchTemplate: 'azureOpenAIBatch.runBatchTemplate',
  enterApiKey: 'azureOpenAIBatch.enterApiKey',
  pickWorkspaceConnection: 'azureOpenAIBatch.pickWorkspaceConnection',
  signInWithMicrosoft: 'azureOpenAIBatch.signInWithMicrosoft',
  refreshDeployments: 'azureOpenAIBatch.refreshDeployments',
} as const;

export const VIEW_ID = 'azureOpenAIBatch.jobs';

/** The results viewer, the custom editor of `*.results.jsonl`. */
export const RESULTS_VIEW_TYPE = 'azureOpenAIBatch.resultsViewer';

export const CONFIG_SECTION = 'azureOpenAIBatch';

export const Settings = {
  validationEnabled: 'validation.enabled',
  filePatterns: 'validation.filePatterns',
  maxRequests: 'validation.maxRequests',
  maxFileSizeMB: 'validation.maxFileSizeMB',
  maxDiagnostics: 'validation.maxDiagnostics',
  debounceMs: 'validation.debounceMs',
  deployments: 'deployments',
  resultsFolder: 'results.folder',
  pollIntervalSeconds: 'jobs.pollIntervalSeconds',
  maxPollIntervalSeconds: 'jobs.maxPollIntervalSeconds',
  emulatorPollIntervalSeconds: 'jobs.emulatorPollIntervalSeconds',
  notifyOnCompletion: 'jobs.notifyOnCompletion',
  splitMaxParallel: 'split.maxParallel',
  splitMaxEnqueuedTokens: 'split.maxEnqueuedTokens',
  filesExpireAfterDays: 'files.expireAfterDays',
  quotaEnqueuedTokens: 'quota.enqueuedTokens',
} as const;

/** `azureOpenAIBatch.validation.enabled`, as `affectsConfiguration` wants it. */
export function settingId(key: string): string {
  return `${CONFIG_SECTION}.${key}`;
}
