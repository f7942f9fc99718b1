// One prefix for every command, setting and context key, kept here so they are easy to find and rename.

export const EXTENSION_ID = 'azure-openai-batch.azure-openai-batch';
export const DIAGNOSTIC_SOURCE = 'Azure OpenAI Batch';

export const Commands = {
  validateFile: 'azureOpenAIBatch.validateFile',
  setDeployment: 'azureOpenAIBatch.setDeployment',
  removeBom: 'azureOpenAIBatch.removeBom',
} as const;

export const CONFIG_SECTION = 'azureOpenAIBatch';

export const Settings = {
  validationEnabled: 'validation.enabled',
  filePatterns: 'validation.filePatterns',
  maxRequests: 'validation.maxRequests',
  maxFileSizeMB: 'validation.maxFileSizeMB',
  debounceMs: 'validation.debounceMs',
  deployments: 'deployments',
} as const;

/** `azureOpenAIBatch.validation.enabled`, as `affectsConfiguration` wants it. */
export function settingId(key: string): string {
  return `${CONFIG_SECTION}.${key}`;
}
