import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { Disposable } from '../lifecycle';
import type { ConnectionStore } from './connectionStore';
import { hostOf } from './credentials';

/** Shows the workspace's connection (the one Submit uses); a click picks another. Hidden while there is none to show. */
export class ConnectionStatusItem extends Disposable {
  private readonly item = vscode.window.createStatusBarItem('azureOpenAIBatch.connection', vscode.StatusBarAlignment.Left, 49);

  constructor(private readonly connections: ConnectionStore) {
    super();
    this.item.name = vscode.l10n.t('Azure OpenAI Batch: connection');
    this.item.command = Commands.pickWorkspaceConnection;
    this.registerAll(this.item, connections.onDidChange(() => this.update()));
    this.update();
  }

  /** What the item shows (for tests: the status bar cannot be read through the API). */
  get text(): string | undefined {
    return this.item.text || undefined;
  }

  /** The item's tooltip. */
  get tooltip(): string | undefined {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : this.item.tooltip?.value;
  }

  private update(): void {
    const all = this.connections.all();
    if (all.length === 0) {
      this.item.text = '';
      this.item.hide();
      return;
    }
    const current = this.connections.defaultConnection();
    if (current) {
      const icon = current.emulator ? '$(vm)' : current.service === 'openai' ? '$(globe)' : '$(azure)';
      this.item.text = `${icon} ${current.name}`;
      this.item.tooltip = vscode.l10n.t('Batch jobs of this workspace go to "{0}" ({1}). Click to choose another connection.', current.name, current.emulator ? vscode.l10n.t('local emulator') : hostOf(current.endpoint));
    } else {
      this.item.text = `$(plug) ${vscode.l10n.t('No batch connection')}`;
      this.item.tooltip = vscode.l10n.t('Choose the connection batch jobs of this workspace go to.');
    }
    this.item.show();
  }
}
