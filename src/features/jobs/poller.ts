import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { isLoopbackEndpoint } from '../../core/batch/connection';
import { PollLoop, type PollSource as LoopSource, type WindowFocus } from '../../core/batch/pollLoop';
import { azurePollSettings, emulatorPollSettings, type PollSettings } from '../../core/batch/pollSchedule';
import type { Connection } from '../connections/connectionStore';
import { Disposable } from '../lifecycle';
import type { JobsModel } from './jobsModel';

export type { WindowFocus } from '../../core/batch/pollLoop';

/** Other work polled on the same loop as the jobs (the job groups' queues). */
export type PollSource = LoopSource<Connection>;

/** The window's focus as VS Code reports it. */
export const vscodeWindowFocus: WindowFocus = {
  get focused() {
    return vscode.window.state.focused;
  },
  onDidChange: (listener) => vscode.window.onDidChangeWindowState((state) => listener(state.focused)),
};

/**
 * The one poll loop ({@link PollLoop}) over the jobs model's running jobs and the sources' work (the job
 * groups), with the poll settings and the window's focus: paused while the window is unfocused, every
 * connection with active work polled at once when it regains focus.
 */
export class JobPoller extends Disposable {
  private readonly loop: PollLoop<Connection>;

  constructor(model: JobsModel, log: vscode.LogOutputChannel, focus: WindowFocus = vscodeWindowFocus) {
    super();
    this.loop = new PollLoop<Connection>({
      jobs: {
        connection: (id) => model.connections.get(id),
        activeConnections: () => model.store.active().map((job) => job.connectionId),
        hasActive: (id) => model.store.active(id).length > 0,
        refresh: (connection) => model.refreshActive(connection),
      },
      settingsFor,
      focus,
      warn: (line) => log.warn(line),
    });
    this.register(this.loop);
  }

  /** Polls the source's work on this loop too. */
  addSource(source: PollSource): vscode.Disposable {
    return this.loop.addSource(source);
  }

  /** Starts (or speeds up) polling a connection, e.g. right after a submission. */
  kick(connectionId: string, immediately = false): void {
    this.loop.kick(connectionId, immediately);
  }

  /** Polls every connection that has active work (at start-up, after a reload, when the window regains focus). */
  resumeAll(): void {
    this.loop.resumeAll();
  }
}

function settingsFor(connection: Connection): PollSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  if (connection.emulator || isLoopbackEndpoint(connection.endpoint)) {
    return emulatorPollSettings(config.get<number>(Settings.emulatorPollIntervalSeconds, 1));
  }
  return azurePollSettings(config.get<number>(Settings.pollIntervalSeconds, 60), config.get<number>(Settings.maxPollIntervalSeconds, 300));
}
