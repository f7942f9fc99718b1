// The validation limits from settings. Which documents are batch input: ../documents/isBatchDocument.ts.
import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { defaultLimits, defaultMaxDiagnostics, type ValidationLimits } from '../../core/jsonl/types';

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

/** Most diagnostics published per document (the `validation.maxDiagnostics` setting, at least 1). */
export function maxDiagnosticsFor(uri: vscode.Uri | undefined): number {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION, uri).get<number>(Settings.maxDiagnostics, defaultMaxDiagnostics);
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : defaultMaxDiagnostics;
}
