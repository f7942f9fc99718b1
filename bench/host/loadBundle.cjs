// Times loading the extension bundle in a plain Node process, outside any extension host (bench/host/run.mjs
// runs it once per sample, each in a fresh process). Prints one JSON line: { ms }.
//   node loadBundle.cjs require <bundle>   require() it, with a stub for the `vscode` module
//   node loadBundle.cjs compile <bundle>   compile its source only (new vm.Script), V8's lazy parse
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const vm = require('node:vm');

const [mode, bundle] = process.argv.slice(2);
if (!bundle || (mode !== 'require' && mode !== 'compile')) {
  console.error('usage: node loadBundle.cjs require|compile <bundle>');
  process.exit(2);
}

if (mode === 'compile') {
  const source = fs.readFileSync(bundle, 'utf8');
  const started = performance.now();
  new vm.Script(Module.wrap(source), { filename: bundle });
  console.log(JSON.stringify({ ms: performance.now() - started }));
} else {
  // Every property of the stub is the stub: enough for the bundle's top level (classes that extend
  // vscode.TreeItem, enum lookups), which is all require() runs. The bundler's interop copies the module
  // onto an object created from its prototype, so the stub is its own prototype too.
  const stub = new Proxy(function vscodeStub() {}, {
    get: (_target, property) => (property === 'then' ? undefined : property === Symbol.toPrimitive ? () => '' : stub),
    getPrototypeOf: () => stub,
    apply: () => stub,
    construct: () => stub,
  });
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? stub : load.call(this, request, ...rest);
  };
  const started = performance.now();
  require(bundle);
  console.log(JSON.stringify({ ms: performance.now() - started }));
}
