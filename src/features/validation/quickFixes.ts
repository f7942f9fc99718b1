import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, Settings } from '../../constants';
import { DiagnosticCodes, type DiagnosticCode } from '../../core/jsonl/codes';
import {
  missingCustomIdEdits,
  removeBlankLineEdits,
  removeBomEdit,
  removeFieldEdits,
  removeUnsupportedEdits,
  renameParameterEdits,
  setDeploymentEdits,
  setPropertyEdit,
  streamOffEdits,
  uniqueCustomIdEdits,
  unsupportedParameterAt,
  type LineEdit,
  type LineSource,
} from '../../core/jsonl/fixes';
import { deploymentChoices, describeDeployment, type DeploymentChoice } from '../../core/azure/deploymentChoices';
import { codeOf, toWorkspaceEdit } from './toVscode';
import type { ValidationController } from './validationController';

/** A quick fix whose edit is computed only when the user picks it (they can touch every line). */
class LazyFix extends vscode.CodeAction {
  constructor(
    title: string,
    readonly uri: vscode.Uri,
    readonly compute: () => LineEdit[],
  ) {
    super(title, vscode.CodeActionKind.QuickFix);
  }
}

const modelCodes = new Set<string>([
  DiagnosticCodes.missingModel,
  DiagnosticCodes.placeholderModel,
  DiagnosticCodes.modelMismatch,
  DiagnosticCodes.unknownDeployment,
  DiagnosticCodes.notBatchDeployment,
]);
const deploymentCodes = new Set<string>([DiagnosticCodes.unknownDeployment, DiagnosticCodes.notBatchDeployment]);

const unsupportedCodes: ReadonlySet<DiagnosticCode> = new Set([DiagnosticCodes.unsupportedParameter]);
const unknownFieldCodes: ReadonlySet<DiagnosticCode> = new Set([DiagnosticCodes.unknownField]);
const invalidBodyCodes: ReadonlySet<DiagnosticCode> = new Set([DiagnosticCodes.invalidBody]);

/** Whether a line's request streams (`body.stream` is true): a cheap test before the parse. */
function streams(text: string): boolean {
  if (!text.includes('"stream"')) {
    return false;
  }
  try {
    return (JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as { body?: { stream?: unknown } })?.body?.stream === true;
  } catch {
    return false;
  }
}
const maxDeploymentChoices = 5;

/** Reads a VS Code document through the core's line interface. */
export function documentLines(document: vscode.TextDocument): LineSource {
  return { lineCount: document.lineCount, lineText: (line) => document.lineAt(line).text };
}

/**
 * Deployment names worth offering: the batch deployments of the workspace's connection first, then the file's
 * own names, then those configured in settings (names the resource has as non-batch deployments left out).
 */
export function deploymentCandidates(controller: ValidationController, document: vscode.TextDocument): DeploymentChoice[] {
  const validator = controller.validatorFor(document.uri);
  const fromFile = validator ? [validator.deployment, ...validator.deploymentNames()] : [];
  const configured = vscode.workspace.getConfiguration(CONFIG_SECTION, document.uri).get<unknown[]>(Settings.deployments, []);
  return deploymentChoices(controller.deployments?.current(), fromFile, Array.isArray(configured) ? configured : []);
}

/** What a deployment choice shows beside its name. */
export function choiceDescription(choice: DeploymentChoice): string | undefined {
  if (choice.deployment) {
    return describeDeployment(choice.deployment);
  }
  return choice.source === 'file' ? vscode.l10n.t('used in this file') : vscode.l10n.t('from settings');
}

/** Quick fixes keyed on the diagnostic codes of {@link ValidationController}. */
export class BatchQuickFixProvider implements vscode.CodeActionProvider<vscode.CodeAction> {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly controller: ValidationController) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<string>();
    const once = (key: string) => !seen.has(key) && (seen.add(key), true);
    const lines = documentLines(document);
    const validator = this.controller.validatorFor(document.uri);

    for (const diagnostic of context.diagnostics) {
      const code = codeOf(diagnostic);
      if (code === undefined) {
        continue;
      }
      const line = diagnostic.range.start.line;
      if (deploymentCodes.has(code)) {
        this.closestDeploymentFixes(actions, once, document, lines, diagnostic, code as DiagnosticCode);
      }
      if (modelCodes.has(code) && once('model')) {
        const fileDeployment = validator?.deployment;
        for (const { name } of deploymentCandidates(this.controller, document).slice(0, maxDeploymentChoices)) {
          if (validator?.deploymentProblemFor(name)) {
            // A name the resource does not run batch jobs on is no fix.
            continue;
          }
          const fix = new LazyFix(vscode.l10n.t('Set the deployment to "{0}" on every row', name), document.uri, () => setDeploymentEdits(lines, name));
          fix.isPreferred = name === fileDeployment && code === DiagnosticCodes.modelMismatch;
          actions.push(fix);
        }
        const ask = new vscode.CodeAction(vscode.l10n.t('Set the deployment on every row...'), vscode.CodeActionKind.QuickFix);
        ask.command = { command: Commands.setDeployment, title: ask.title, arguments: [document.uri] };
        actions.push(ask);
      } else if (code === DiagnosticCodes.duplicateCustomId && once('ids')) {
        const fix = new LazyFix(vscode.l10n.t('Make duplicate custom_ids unique'), document.uri, () => uniqueCustomIdEdits(lines));
        fix.isPreferred = true;
        actions.push(fix);
      } else if (code === DiagnosticCodes.bom && once('bom')) {
        const inText = removeBomEdit(lines);
        const fix = new vscode.CodeAction(vscode.l10n.t('Remove the byte order mark (save as UTF-8)'), vscode.CodeActionKind.QuickFix);
        if (inText) {
          fix.edit = toWorkspaceEdit(document.uri, [inText]);
        } else {
          fix.command = { command: Commands.removeBom, title: fix.title, arguments: [document.uri] };
        }
        fix.isPreferred = true;
        actions.push(fix);
      } else if (code === DiagnosticCodes.blankLine && once('blank')) {
        const fix = new LazyFix(vscode.l10n.t('Remove blank lines'), document.uri, () => removeBlankLineEdits(lines));
        fix.isPreferred = true;
        actions.push(fix);
      } else if (code === DiagnosticCodes.invalidMethod) {
        this.rowFixes(actions, once, document, lines, line, DiagnosticCodes.invalidMethod, 'method', 'POST', vscode.l10n.t('Set method to "POST"'), vscode.l10n.t('Set method to "POST" on every row that needs it'));
      } else if (code === DiagnosticCodes.missingCustomId && once('missing-ids')) {
        const fix = new LazyFix(vscode.l10n.t('Generate the missing custom_ids'), document.uri, () => missingCustomIdEdits(lines));
        fix.isPreferred = true;
        actions.push(fix);
      } else if (code === DiagnosticCodes.unsupportedParameter) {
        this.unsupportedFixes(actions, once, document, lines, diagnostic);
      } else if (code === DiagnosticCodes.unknownField) {
        this.unknownFieldFixes(actions, once, document, lines, diagnostic);
      } else if (code === DiagnosticCodes.invalidBody && streams(lines.lineText(line)) && once(`stream:${line}`)) {
        const fix = new LazyFix(vscode.l10n.t('Set stream to false'), document.uri, () => streamOffEdits(lines, [line]));
        fix.isPreferred = true;
        actions.push(fix);
        if (validator && once('stream:all')) {
          actions.push(new LazyFix(vscode.l10n.t('Set stream to false on every row'), document.uri, () => streamOffEdits(lines, validator.linesWith(invalidBodyCodes))));
        }
      } else if ((code === DiagnosticCodes.invalidUrl || code === DiagnosticCodes.urlMismatch) && validator?.endpoint) {
        const url = validator.endpoint;
        this.rowFixes(actions, once, document, lines, line, code, 'url', url, vscode.l10n.t('Set url to "{0}"', url), vscode.l10n.t('Set url to "{0}" on every row that needs it', url));
      }
    }
    for (const action of actions) {
      action.diagnostics = context.diagnostics.filter((d) => codeOf(d) !== undefined);
    }
    return actions;
  }

  /**
   * For a row whose deployment the resource does not have (or does not run batch jobs on): "Change to" each of
   * the closest batch deployments, on every row with the same name; the closest is preferred.
   */
  private closestDeploymentFixes(actions: vscode.CodeAction[], once: (key: string) => boolean, document: vscode.TextDocument, lines: LineSource, diagnostic: vscode.Diagnostic, code: DiagnosticCode): void {
    const validator = this.controller.validatorFor(document.uri);
    let wrong: unknown;
    try {
      wrong = JSON.parse(document.getText(diagnostic.range));
    } catch {
      return;
    }
    if (typeof wrong !== 'string' || !validator || !once(`closest:${wrong}`)) {
      return;
    }
    const suggestions = validator.deploymentProblemFor(wrong)?.suggestions ?? [];
    suggestions.forEach((name, index) => {
      const fix = new LazyFix(vscode.l10n.t('Change "{0}" to "{1}"', wrong as string, name), document.uri, () =>
        validator.linesWith(new Set([code])).flatMap((row) => {
          const text = lines.lineText(row);
          if (modelOn(text) !== wrong) {
            return [];
          }
          const edit = setPropertyEdit(row, text, ['body'], 'model', name);
          return edit ? [edit] : [];
        }),
      );
      fix.isPreferred = index === 0;
      actions.push(fix);
    });
  }

  resolveCodeAction(action: vscode.CodeAction): vscode.CodeAction {
    if (action instanceof LazyFix && !action.edit) {
      action.edit = toWorkspaceEdit(action.uri, action.compute());
    }
    return action;
  }

  // Rename (max_tokens) or remove a parameter the model rejects, on every row where the model rejects it.
  private unsupportedFixes(actions: vscode.CodeAction[], once: (key: string) => boolean, document: vscode.TextDocument, lines: LineSource, diagnostic: vscode.Diagnostic): void {
    const line = diagnostic.range.start.line;
    const parameter = unsupportedParameterAt(line, lines.lineText(line), diagnostic.range.start.character);
    if (parameter === undefined || !once(`unsupported:${parameter.key}`)) {
      return;
    }
    const validator = this.controller.validatorFor(document.uri);
    const rows = () => validator?.linesWith(unsupportedCodes) ?? [line];
    if (parameter.replacement !== undefined) {
      const to = parameter.replacement;
      const rename = new LazyFix(vscode.l10n.t('Rename {0} to {1} on every row', parameter.key, to), document.uri, () => renameParameterEdits(lines, parameter.key, to, rows()));
      rename.isPreferred = true;
      actions.push(rename);
    }
    const remove = new LazyFix(vscode.l10n.t('Remove {0} on every row where the model rejects it', parameter.key), document.uri, () => removeUnsupportedEdits(lines, parameter.key, rows()));
    remove.isPreferred = parameter.replacement === undefined;
    actions.push(remove);
  }

  private unknownFieldFixes(actions: vscode.CodeAction[], once: (key: string) => boolean, document: vscode.TextDocument, lines: LineSource, diagnostic: vscode.Diagnostic): void {
    const line = diagnostic.range.start.line;
    let key: unknown;
    try {
      key = JSON.parse(document.getText(diagnostic.range));
    } catch {
      return;
    }
    if (typeof key !== 'string') {
      return;
    }
    if (once(`field:${key}:${line}`)) {
      const fix = new LazyFix(vscode.l10n.t('Remove the field "{0}"', key), document.uri, () => removeFieldEdits(lines, key, [line]));
      fix.isPreferred = true;
      actions.push(fix);
    }
    const validator = this.controller.validatorFor(document.uri);
    if (validator && (this.controller.countsFor(document.uri)[DiagnosticCodes.unknownField] ?? 0) > 1 && once(`field:${key}:all`)) {
      actions.push(new LazyFix(vscode.l10n.t('Remove the field "{0}" on every row', key), document.uri, () => removeFieldEdits(lines, key, validator.linesWith(unknownFieldCodes))));
    }
  }

  // "Fix this row" and, when other rows have the same problem, "fix every row".
  private rowFixes(
    actions: vscode.CodeAction[],
    once: (key: string) => boolean,
    document: vscode.TextDocument,
    lines: LineSource,
    line: number,
    code: string,
    key: string,
    value: string,
    rowTitle: string,
    allTitle: string,
  ): void {
    if (once(`${key}:${line}`)) {
      const fix = new LazyFix(rowTitle, document.uri, () => {
        const edit = setPropertyEdit(line, lines.lineText(line), [], key, value);
        return edit ? [edit] : [];
      });
      fix.isPreferred = true;
      actions.push(fix);
    }
    const codes = new Set<DiagnosticCode>(key === 'url' ? [DiagnosticCodes.invalidUrl, DiagnosticCodes.urlMismatch] : [code as DiagnosticCode]);
    // Counted over the whole document (the Problems view may show only the first of them).
    const counts = this.controller.countsFor(document.uri);
    const affected = [...codes].reduce((n, c) => n + (counts[c] ?? 0), 0);
    const validator = this.controller.validatorFor(document.uri);
    if (affected > 1 && validator && once(`${key}:all`)) {
      actions.push(
        new LazyFix(allTitle, document.uri, () =>
          validator.linesWith(codes).flatMap((row) => {
            const edit = setPropertyEdit(row, lines.lineText(row), [], key, value);
            return edit ? [edit] : [];
          }),
        ),
      );
    }
  }
}

/** The `body.model` of a request line, if it has one (a byte order mark on line 1 skipped). */
function modelOn(text: string): unknown {
  try {
    const value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as { body?: { model?: unknown } } | null;
    return value?.body?.model;
  } catch {
    return undefined;
  }
}
