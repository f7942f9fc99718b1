// Drives the extension's own quick picks (vscode.window.createQuickPick) through the real workbench: the picks are
// recorded as they are created (nothing about them is replaced), then answered with the workbench's commands:
// accept the item made active, Back, Escape.
import * as vscode from 'vscode';
import { waitFor } from './helpers';

type AnyPick = vscode.QuickPick<vscode.QuickPickItem>;

export interface QuickPickDriver {
  /** The `n`-th pick (0-based) created since recording began, once it has finished loading and shows items. */
  ready(n: number): Promise<AnyPick>;
  /** How many picks were created. */
  readonly count: number;
  accept(pick: AnyPick, label: RegExp): Promise<void>;
  back(): Promise<void>;
  escape(): Promise<void>;
  dispose(): void;
}

export function recordQuickPicks(): QuickPickDriver {
  const window = vscode.window as unknown as { createQuickPick: typeof vscode.window.createQuickPick };
  const original = window.createQuickPick;
  const opened: AnyPick[] = [];
  window.createQuickPick = (<T extends vscode.QuickPickItem>() => {
    const pick = original.call(vscode.window) as unknown as AnyPick;
    opened.push(pick);
    return pick as unknown as vscode.QuickPick<T>;
  }) as typeof vscode.window.createQuickPick;
  return {
    get count() {
      return opened.length;
    },
    ready: (n) => waitFor(`quick pick ${n + 1} to show its items`, () => (opened[n] && !opened[n].busy && opened[n].items.length > 0 ? opened[n] : undefined)),
    async accept(pick, label) {
      const item = pick.items.find((i) => label.test(i.label));
      if (!item) {
        throw new Error(`no item ${label} in the pick "${pick.title}": ${pick.items.map((i) => i.label).join(', ')}`);
      }
      pick.activeItems = [item];
      await waitFor(`"${item.label}" to be active`, () => pick.activeItems[0] === item);
      // The active item reaches the workbench asynchronously: give it a moment before accepting.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    },
    back: async () => {
      await vscode.commands.executeCommand('workbench.action.quickInputBack');
    },
    escape: async () => {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    },
    dispose() {
      window.createQuickPick = original;
    },
  };
}
