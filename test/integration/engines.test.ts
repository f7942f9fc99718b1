import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { runtimeDependencies, type PackageManifest } from '../engines/dependencyEngines';
import { satisfies } from '../engines/versionRange';
import { EXTENSION_ID } from './helpers';

describe('engines: the extension host we run in is one we declare', () => {
  const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
  const manifest = extension.packageJSON as PackageManifest;
  // The host's versions without a prerelease tag (`1.140.0-insider` is 1.140.0 for this purpose).
  const release = (version: string) => version.replace(/[-+].*$/, '');

  it("runs a VS Code that engines.vscode admits, on a Node that engines.node admits", () => {
    assert.ok(satisfies(release(vscode.version), manifest.engines!.vscode!), `VS Code ${vscode.version} in "${manifest.engines!.vscode}"`);
    assert.ok(satisfies(process.versions.node, manifest.engines!.node!), `Node ${process.versions.node} in "${manifest.engines!.node}"`);
  });

  it("meets the engines.node of every runtime dependency, in this host's Node", () => {
    const refused = runtimeDependencies(extension.extensionPath)
      .filter((dep) => dep.engines?.node && !satisfies(process.versions.node, dep.engines.node))
      .map((dep) => `${dep.name}@${dep.version} needs node ${dep.engines!.node}`);
    assert.deepEqual(refused, [], `extension host Node ${process.versions.node}`);
  });
});
