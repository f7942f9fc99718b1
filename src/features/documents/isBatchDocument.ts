import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { isResultFileName, startsWithOutputLine } from '../../core/jsonl/resultShape';

/**
 * True for documents that are batch input, which the validator and the estimates look at: the `jsonl`
 * language, or a file matching the glob setting, unless it holds results (see {@link isResultDocument}).
 */
export function isBatchDocument(document: vscode.TextDocument): boolean {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, document.uri);
  if (!config.get<boolean>(Settings.validationEnabled, true)) {
    return false;
  }
  const matches = document.languageId === 'jsonl' || config.get<string[]>(Settings.filePatterns, []).some((pattern) => vscode.languages.match({ pattern }, document) > 0);
  return matches && !isResultDocument(document);
}

// The answer for each document version: the content test parses a line, and CodeLens asks often.
const resultCheck = new WeakMap<vscode.TextDocument, { readonly version: number; readonly results: boolean }>();

/**
 * True for files this extension wrote and documents that read like them, which are not batch input: names
 * ending in `.output.jsonl`, `.errors.jsonl` or `.results.jsonl` (retry files, `NAME.retry-N.jsonl`, are input),
 * and documents whose first non-blank line is an output line (`custom_id` with `response` or `error`, and no
 * `method`, `url` or `body`).
 */
export function isResultDocument(document: vscode.TextDocument): boolean {
  if (isResultFileName(document.uri.path)) {
    return true;
  }
  const cached = resultCheck.get(document);
  if (cached?.version === document.version) {
    return cached.results;
  }
  const results = startsWithOutputLine(document.lineCount, (line) => document.lineAt(line).text);
  resultCheck.set(document, { version: document.version, results });
  return results;
}
