import * as vscode from 'vscode';
import type { DetailLabels } from './detailSections';

/**
 * The webview's strings, localized here (the webview has no l10n of its own) and sent in its init message.
 * `{0}`-style placeholders are filled in by the webview.
 */
export function webviewStrings(): Record<string, string> {
  return {
    loading: vscode.l10n.t('Loading results…'),
    building: vscode.l10n.t('Reading results: {0} rows ({1}%)', '{0}', '{1}'),
    showing: vscode.l10n.t('{0} of {1} rows', '{0}', '{1}'),
    succeeded: vscode.l10n.t('Succeeded'),
    failed: vscode.l10n.t('Failed'),
    missing: vscode.l10n.t('Missing'),
    tokens: vscode.l10n.t('Tokens: {0} in, {1} out, {2} reasoning', '{0}', '{1}', '{2}'),
    cost: vscode.l10n.t('Cost: {0}', '{0}'),
    unpriced: vscode.l10n.t('({0} rows without a known price)', '{0}'),
    failuresByCode: vscode.l10n.t('Failures by code:'),
    codeFilter: vscode.l10n.t('Error code'),
    allCodes: vscode.l10n.t('All codes'),
    structuredProblems: vscode.l10n.t('Structured-output problems ({0})', '{0}'),
    search: vscode.l10n.t('Search custom_id, prompt and answer'),
    exportCsv: vscode.l10n.t('Export CSV'),
    exportJsonl: vscode.l10n.t('Export JSONL'),
    goToSource: vscode.l10n.t('Go to Source Line'),
    request: vscode.l10n.t('Request'),
    response: vscode.l10n.t('Response'),
    closeDetail: vscode.l10n.t('Close'),
    changed: vscode.l10n.t('The files changed since they were read: this may not be the row selected.'),
    malformed: vscode.l10n.t('{0} unreadable lines are not shown.', '{0}'),
    noRows: vscode.l10n.t('No rows match.'),
    noInput: vscode.l10n.t('The batch input file was not found: prompts and structured fields are not shown.'),
    // Column headers.
    custom_id: 'custom_id',
    status: vscode.l10n.t('Status'),
    code: vscode.l10n.t('Code'),
    prompt: vscode.l10n.t('Prompt'),
    answer: vscode.l10n.t('Answer'),
    inputTokens: vscode.l10n.t('Input'),
    outputTokens: vscode.l10n.t('Output'),
    reasoningTokens: vscode.l10n.t('Reasoning'),
    costColumn: vscode.l10n.t('Cost'),
    structured: vscode.l10n.t('Structured'),
    ok: vscode.l10n.t('ok'),
    invalid: vscode.l10n.t('invalid'),
    missingFields: vscode.l10n.t('missing fields'),
    sortHint: vscode.l10n.t('Sort by {0}', '{0}'),
  };
}

export function detailLabels(): DetailLabels {
  return {
    system: vscode.l10n.t('System prompt'),
    message: (role) => vscode.l10n.t('Message: {0}', role),
    input: vscode.l10n.t('Input'),
    tools: vscode.l10n.t('Tools'),
    toolCalls: vscode.l10n.t('Tool calls'),
    parameters: vscode.l10n.t('Parameters'),
    responseFormat: vscode.l10n.t('Response format'),
    answer: (choice) => vscode.l10n.t('Answer {0}', choice),
    refusal: vscode.l10n.t('Refusal'),
    contentFilter: vscode.l10n.t('Content filter results'),
    promptFilter: vscode.l10n.t('Prompt filter results'),
    usage: vscode.l10n.t('Usage'),
    error: vscode.l10n.t('Error'),
    status: vscode.l10n.t('Status'),
    noRequest: vscode.l10n.t('No request: the input file was not found or does not hold this custom_id.'),
    noResponse: vscode.l10n.t('No response: the results file changed since it was read.'),
    rawResponse: vscode.l10n.t('Whole response'),
    moreSections: (count) => vscode.l10n.t('{0} more sections not shown: Go to Source shows the whole line.', count.toLocaleString()),
  };
}
