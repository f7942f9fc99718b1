import type * as vscode from 'vscode';

/**
 * The base of every feature that owns listeners, emitters or other disposables: `register` them as they are
 * made and `dispose()` releases them once, last registered first (so a listener goes before the emitter it
 * listens to). Anything registered after disposal is disposed at once, so a late listener cannot leak.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposedAlready = false;

  /** True once `dispose()` has run. */
  protected get isDisposed(): boolean {
    return this.disposedAlready;
  }

  /** Takes ownership of `disposable` (disposing it right away when this is already disposed) and returns it. */
  protected register<T extends vscode.Disposable>(disposable: T): T {
    if (this.disposedAlready) {
      disposable.dispose();
    } else {
      this.owned.push(disposable);
    }
    return disposable;
  }

  /** Takes ownership of several disposables at once (see {@link register}). */
  protected registerAll(...disposables: vscode.Disposable[]): void {
    for (const disposable of disposables) {
      this.register(disposable);
    }
  }

  /** Disposes everything registered, in reverse order; one that throws does not keep the others alive. */
  dispose(): void {
    if (this.disposedAlready) {
      return;
    }
    this.disposedAlready = true;
    const failures: unknown[] = [];
    for (const disposable of this.owned.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) {
      throw failures[0];
    }
    if (failures.length > 1) {
      throw new AggregateError(failures, `${failures.length} disposables failed to dispose`);
    }
  }
}
