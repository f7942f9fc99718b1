import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { ResourceRef } from '../../core/azure/deployments';

export type AuthKind = 'apiKey' | 'entra' | 'azureCli';

/** A service the user talks to: an Azure OpenAI resource or the local emulator. No secret in here. */
export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly apiVersion: string;
  readonly auth: AuthKind;
  /** Entra tenant for sign-in, when not the default. */
  readonly tenant?: string;
  /** Runs in this extension host (Try the Local Emulator). */
  readonly emulator?: boolean;
  /** The service: an Azure OpenAI resource (the default when absent) or OpenAI's own API (api.openai.com/v1). */
  readonly service?: 'azure' | 'openai';
  /** The ARM account behind the endpoint, when the connection was picked after signing in. */
  readonly resource?: ResourceRef;
}

interface StoredKey {
  readonly key: string;
  /** The endpoint the key was saved for; the key is never sent anywhere else without asking. */
  readonly endpoint: string;
}

const CONNECTIONS_KEY = 'azureOpenAIBatch.connections';
const DEFAULT_KEY = 'azureOpenAIBatch.defaultConnection';
const secretKey = (id: string) => `azureOpenAIBatch.apiKey.${id}`;

/**
 * Connections live in global state, their API keys only in SecretStorage, each key bound to the endpoint
 * it was saved for. The default connection is remembered per workspace.
 */
export class ConnectionStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  all(): Connection[] {
    return this.context.globalState.get<Connection[]>(CONNECTIONS_KEY, []);
  }

  get(id: string): Connection | undefined {
    return this.all().find((c) => c.id === id);
  }

  /** The workspace's default, else the only connection there is. */
  defaultConnection(): Connection | undefined {
    const id = this.context.workspaceState.get<string>(DEFAULT_KEY);
    const all = this.all();
    return all.find((c) => c.id === id) ?? (all.length === 1 ? all[0] : undefined);
  }

  async setDefault(id: string): Promise<void> {
    await this.context.workspaceState.update(DEFAULT_KEY, id);
    this.changed.fire();
  }

  async add(connection: Omit<Connection, 'id'>, apiKey?: string): Promise<Connection> {
    const saved: Connection = { ...connection, id: randomUUID() };
    if (apiKey !== undefined) {
      await this.storeKey(saved, apiKey);
    }
    await this.context.globalState.update(CONNECTIONS_KEY, [...this.all(), saved]);
    this.changed.fire();
    return saved;
  }

  async update(connection: Connection, apiKey?: string): Promise<void> {
    if (apiKey !== undefined) {
      await this.storeKey(connection, apiKey);
    }
    await this.context.globalState.update(
      CONNECTIONS_KEY,
      this.all().map((c) => (c.id === connection.id ? connection : c)),
    );
    this.changed.fire();
  }

  async remove(id: string): Promise<void> {
    await this.forgetKey(id);
    await this.context.globalState.update(
      CONNECTIONS_KEY,
      this.all().filter((c) => c.id !== id),
    );
    if (this.context.workspaceState.get<string>(DEFAULT_KEY) === id) {
      await this.context.workspaceState.update(DEFAULT_KEY, undefined);
    }
    this.changed.fire();
  }

  /** The stored key and the endpoint it belongs to. */
  async readKey(connection: Connection): Promise<StoredKey | undefined> {
    const raw = await this.context.secrets.get(secretKey(connection.id));
    if (!raw) {
      return undefined;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<StoredKey>;
      return typeof parsed.key === 'string' && typeof parsed.endpoint === 'string' ? { key: parsed.key, endpoint: parsed.endpoint } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Deletes the stored key of a connection (SecretStorage may also lose it on its own: a web workbench keeps it in memory). */
  async forgetKey(id: string): Promise<void> {
    await this.context.secrets.delete(secretKey(id));
  }

  /** Re-binds the stored key to the connection's current endpoint (after the user confirmed the new host). */
  async rebindKey(connection: Connection, key: string): Promise<void> {
    await this.storeKey(connection, key);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async storeKey(connection: Connection, key: string): Promise<void> {
    const stored: StoredKey = { key, endpoint: normalizeEndpoint(connection.endpoint) };
    await this.context.secrets.store(secretKey(connection.id), JSON.stringify(stored));
  }
}

/** Endpoints compared by origin and path, without a trailing slash. */
export function normalizeEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return endpoint.trim().replace(/\/+$/, '').toLowerCase();
  }
}
