import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { defaultLimits, type ValidationLimits } from '../../core/jsonl/types';

/** True for documents the validator looks at: the `jsonl` language, or a file matching the glob setting. */
export function isBatchDocument(document: vscode.TextDocument): boolean {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, document.uri);
  if (!config.get<boolean>(Settings.validationEnabled, true)) {
    return false;
  }
  if (document.languageId === 'jsonl') {
    return true;
  }
  const patterns = config.get<string[]>(Settings.filePatterns, []);
  return patterns.some((pattern) => vscode.languages.match({ pattern }, document) > 0);
}

/** The per-file limits from settings (Azure's by default). */
export function limitsFor(uri: vscode.Uri | undefined): ValidationLimits {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, uri);
  const maxRequests = config.get<number>(Settings.maxRequests, defaultLimits.maxRequests);
  const maxMb = config.get<number>(Settings.maxFileSizeMB, defaultLimits.maxBytes / (1024 * 1024));
  return {
    maxRequests: maxRequests > 0 ? maxRequests : defaultLimits.maxRequests,
    maxBytes: maxMb > 0 ? Math.round(maxMb * 1024 * 1024) : defaultLimits.maxBytes,
  };
}
