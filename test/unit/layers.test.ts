import * as assert from 'node:assert/strict';
import { batchResultsCrossings, importEdges, importSpecifiers, layerOf, layerViolations, readSources, repositoryRoot, resolveSpecifier } from './layerCheck';

/**
 * `src/core/batch` and `src/core/results` do not import each other: reading lines of a file lives in
 * `src/core/io`, recipes that need both (a group's results) in `src/core/recipes`.
 */
describe('layers', () => {
  describe('the import checker', () => {
    it('finds every kind of import and nothing in comments or strings', () => {
      const text = [
        "import a from './a';",
        "import type { B } from './b';",
        "export * from './c';",
        "export { d } from './d';",
        "const e = require('./e');",
        "async function f() { return import('./f'); }",
        "import g = require('./g');",
        "type H = typeof import('./h');",
        "import './side-effect';",
        "// import x from './comment';",
        "/* import y from './block'; */",
        "const s = \"import z from './string'\";",
      ].join('\n');
      assert.deepEqual(importSpecifiers(text).sort(), ['./a', './b', './c', './d', './e', './f', './g', './h', './side-effect']);
    });

    it('resolves relative specifiers to repository paths', () => {
      assert.equal(resolveSpecifier('src/emulator/cli.ts', '../cli/args'), 'src/cli/args');
      assert.equal(resolveSpecifier('src/cli/demoCommand.ts', '../emulator'), 'src/emulator');
      assert.equal(resolveSpecifier('src/core/batch/split.ts', '../results/index'), 'src/core/results');
      assert.equal(resolveSpecifier('src/core/batch/split.ts', 'node:path'), 'node:path');
      assert.equal(resolveSpecifier('src/cli.ts', './cli/args.js'), 'src/cli/args');
    });

    it('tells the layers apart, the CLI entry files included', () => {
      assert.equal(layerOf('vscode'), 'vscode');
      assert.equal(layerOf('src/core/batch/client'), 'core');
      assert.equal(layerOf('src/features/lifecycle.ts'), 'features');
      assert.equal(layerOf('src/emulator'), 'emulator');
      assert.equal(layerOf('src/cli'), 'cli');
      assert.equal(layerOf('src/cli.ts'), 'cli');
      assert.equal(layerOf('src/cliService'), 'cli');
      assert.equal(layerOf('src/extension'), 'extension');
      assert.equal(layerOf('src/commandRegistry'), 'extension');
      assert.equal(layerOf('src/constants'), undefined);
      assert.equal(layerOf('src/coreish/x'), undefined, 'a prefix of a folder name is not the folder');
      assert.equal(layerOf('openai'), undefined);
    });

    it('flags each forbidden direction and allows the permitted ones', () => {
      const sources = new Map([
        ['src/core/a.ts', "import * as vscode from 'vscode'; import { x } from '../features/x'; import '../emulator'; const c = require('../cli/args'); import('../extension');"],
        ['src/emulator/cli.ts', "import { parseArgs } from '../cli/args'; import type { T } from '../features/t'; import 'vscode';"],
        ['src/cli/run.ts', "import { f } from '../features/f'; import * as vscode from 'vscode'; import { startEmulator } from '../emulator'; import { c } from '../core/c';"],
        ['src/features/f.ts', "export { run } from '../cli/run'; import * as vscode from 'vscode'; import { c } from '../core/c';"],
        ['src/extension.ts', "import { f } from './features/f'; import { c } from './core/c';"],
        ['src/emulator/ok.ts', "import { c } from '../core/c'; import { createServer } from 'node:http';"],
      ]);
      assert.deepEqual(layerViolations(importEdges(sources)).sort(), [
        'src/cli/run -> src/features/f',
        'src/cli/run -> vscode',
        'src/core/a -> src/cli/args',
        'src/core/a -> src/emulator',
        'src/core/a -> src/extension',
        'src/core/a -> src/features/x',
        'src/core/a -> vscode',
        'src/emulator/cli -> src/cli/args',
        'src/emulator/cli -> src/features/t',
        'src/emulator/cli -> vscode',
        'src/features/f -> src/cli/run',
      ]);
    });

    it('finds imports between core/batch and core/results either way, and only those', () => {
      const sources = new Map([
        ['src/core/batch/split.ts', "import { readLocatedLines } from '../results/byteLines'; import { AtomicFile } from '../atomicFile';"],
        ['src/core/results/join.ts', "import type { Batch } from '../batch/client'; import { x } from './names';"],
        ['src/core/batchish/x.ts', "import { y } from '../results/y';"],
      ]);
      assert.deepEqual(batchResultsCrossings(importEdges(sources)).sort(), ['src/core/batch/split -> src/core/results/byteLines', 'src/core/results/join -> src/core/batch/client']);
    });
  });

  describe('the sources', () => {
    const edges = importEdges(readSources(repositoryRoot()));

    it('are read (the check is not vacuous)', () => {
      assert.ok(edges.length > 200, `only ${edges.length} imports found under src/`);
      assert.ok(edges.some((edge) => edge.from === 'src/extension.ts' && edge.to === 'vscode'));
    });

    it('keep the layers: extension → features → core; CLI → core and emulator; emulator → core', () => {
      assert.deepEqual(layerViolations(edges), []);
    });

    it('have no import between core/batch and core/results', () => {
      assert.deepEqual(batchResultsCrossings(edges), [], 'imports between core/batch and core/results: move the shared code into core/io or core/recipes');
    });
  });
});
