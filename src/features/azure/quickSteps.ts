import * as vscode from 'vscode';
import { isCancellation } from '../errors';

/** A quick pick item that carries what picking it means. */
export interface StepItem<T> extends vscode.QuickPickItem {
  readonly value: T;
}

/** How a step ended: an item, the title bar's Back button, or nothing (Escape, focus lost: the flow stops silently). */
export type StepResult<T> = { readonly kind: 'picked'; readonly value: T } | { readonly kind: 'back' } | undefined;

export interface PickStep<T> {
  readonly title: string;
  /** 1-based position and count, shown as "(step/steps)" in the title. */
  readonly step: number;
  readonly steps: number;
  readonly placeholder: string;
  /** Shows the Back button (not on the first step). */
  readonly back: boolean;
  /**
   * The items, loaded while the pick shows its busy bar. Escape aborts `signal`. An empty list ends the step with
   * `empty`'s error (a pick with nothing to pick would say nothing).
   */
  readonly load: (signal: AbortSignal) => Promise<readonly (StepItem<T> | vscode.QuickPickItem)[]>;
  /** Raised (and shown by the command's boundary) when `load` finds nothing. */
  readonly empty: () => Error;
}

/**
 * One step of a multi-step flow in a single quick pick, as the Azure extensions do it: the pick opens at once with
 * a busy bar while its items load (cancellable with Escape, which aborts the loading and ends the flow without a
 * message), offers Back from the second step on, and keeps focus rules simple (`ignoreFocusOut`, so a sign-in
 * browser tab does not end it). A loading failure closes the pick and rejects with that error.
 */
export function pickStep<T>(options: PickStep<T>): Promise<StepResult<T>> {
  return new Promise<StepResult<T>>((resolve, reject) => {
    const pick = vscode.window.createQuickPick<StepItem<T> | vscode.QuickPickItem>();
    const abort = new AbortController();
    let settled = false;
    const settle = (finish: () => void): void => {
      if (!settled) {
        settled = true;
        finish();
      }
      pick.hide();
    };
    pick.title = `${options.title} (${options.step}/${options.steps})`;
    pick.placeholder = options.placeholder;
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    pick.buttons = options.back ? [vscode.QuickInputButtons.Back] : [];
    pick.busy = true;
    pick.enabled = false;
    pick.onDidTriggerButton((button) => {
      if (button === vscode.QuickInputButtons.Back) {
        settle(() => resolve({ kind: 'back' }));
      }
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen && 'value' in chosen) {
        settle(() => resolve({ kind: 'picked', value: chosen.value }));
      }
    });
    pick.onDidHide(() => {
      abort.abort();
      if (!settled) {
        settled = true;
        resolve(undefined);
      }
      pick.dispose();
    });
    pick.show();
    options.load(abort.signal).then(
      (items) => {
        if (settled) {
          return;
        }
        if (!items.some((item) => 'value' in item)) {
          settle(() => reject(options.empty()));
          return;
        }
        pick.items = items;
        pick.busy = false;
        pick.enabled = true;
      },
      (error: unknown) => {
        // Escape while loading aborts the listing: already settled as "nothing", whatever the listing says.
        if (settled || abort.signal.aborted || isCancellation(error)) {
          settle(() => resolve(undefined));
          return;
        }
        settle(() => reject(error));
      },
    );
  });
}
