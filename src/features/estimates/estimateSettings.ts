import * as vscode from 'vscode';
import { CONFIG_SECTION, settingId } from '../../constants';
import type { EstimatorSettings } from '../../core/tokens/estimatorProtocol';

/** The estimate settings, under the `azureOpenAIBatch.` prefix. */
export const EstimateSettings = {
  /** Show the token and cost CodeLens and hovers on batch files. */
  enabled: 'estimates.enabled',
  /** `{ "model": { "input": USD per 1M, "output": USD per 1M, "encoding"?: "o200k_base" | "cl100k_base" } }`: batch prices. */
  prices: 'estimates.prices',
  /** `{ "deployment name": "model" }`: the model behind a deployment whose name does not say it. */
  deploymentModels: 'estimates.deploymentModels',
} as const;

/** The section every estimate setting lives in, for `affectsConfiguration`. */
export const estimatesSection = settingId('estimates');

export function estimatesEnabled(uri: vscode.Uri | undefined): boolean {
  return vscode.workspace.getConfiguration(CONFIG_SECTION, uri).get<boolean>(EstimateSettings.enabled, true);
}

/** The prices and deployment-models settings that apply to `uri`, for the token worker's model resolver. */
export function estimatorSettings(uri: vscode.Uri | undefined): EstimatorSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, uri);
  return {
    prices: plainRecord(config.get<unknown>(EstimateSettings.prices)),
    deploymentModels: plainRecord(config.get<unknown>(EstimateSettings.deploymentModels)),
  };
}

/** A settings object as plain JSON: the configuration hands out proxies, which cannot be posted to a thread. */
function plainRecord(value: unknown): Record<string, unknown> | undefined {
  const record = asRecord(value);
  return record === undefined ? undefined : (JSON.parse(JSON.stringify(record)) as Record<string, unknown>);
}

/** A fingerprint of the settings a resolver was built from, to tell whether a document needs a recount. */
export function resolverKey(uri: vscode.Uri | undefined): string {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, uri);
  return JSON.stringify([config.get<unknown>(EstimateSettings.prices) ?? null, config.get<unknown>(EstimateSettings.deploymentModels) ?? null]);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
