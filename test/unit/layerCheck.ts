// Reads the imports of the sources and checks them against the layers: extension → features → core;
// CLI → core and emulator; emulator → core; core imports none of them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

/** A layer of the product, or `vscode` for the editor's API. */
export type Layer = 'vscode' | 'core' | 'features' | 'emulator' | 'cli' | 'extension';

/** One import found in a source file, resolved to a repository path (`src/core/format`) or a package name. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** Where layers must not reach: `from` may not import anything in `to`. */
export const forbidden: ReadonlyArray<{ readonly from: Layer; readonly to: readonly Layer[] }> = [
  { from: 'core', to: ['vscode', 'features', 'emulator', 'cli', 'extension'] },
  { from: 'emulator', to: ['vscode', 'features', 'cli', 'extension'] },
  { from: 'cli', to: ['vscode', 'features', 'extension'] },
  { from: 'features', to: ['cli', 'extension'] },
];

/**
 * Every module a source text imports: static `import`/`export ... from`, `import x = require()`, `import()`
 * and `require()`, including type-only ones; comments and strings are not mistaken for imports.
 */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** A specifier as seen from `fromFile` (a repository path): relative ones resolved, without extension. */
export function resolveSpecifier(fromFile: string, specifier: string): string {
  if (!specifier.startsWith('.')) {
    return specifier;
  }
  return posix.normalize(posix.join(posix.dirname(fromFile), specifier)).replace(/\.(ts|js)$/, '').replace(/\/index$/, '');
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** The layer of a repository path or package name; undefined for the rest (node built-ins, npm packages, constants). */
export function layerOf(path: string): Layer | undefined {
  const module = path.replace(/\.(ts|js)$/, '');
  if (module === 'vscode') {
    return 'vscode';
  }
  if (within(module, 'src/core')) {
    return 'core';
  }
  if (within(module, 'src/features')) {
    return 'features';
  }
  if (within(module, 'src/emulator')) {
    return 'emulator';
  }
  if (within(module, 'src/cli') || module === 'src/cliService') {
    return 'cli';
  }
  if (module === 'src/extension' || module === 'src/commandRegistry') {
    return 'extension';
  }
  return undefined;
}

/** The imports of in-memory sources (repository path → text). */
export function importEdges(sources: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of sources) {
    for (const specifier of importSpecifiers(text)) {
      edges.push({ from, to: resolveSpecifier(from, specifier) });
    }
  }
  return edges;
}

/** The edges that cross a {@link forbidden} boundary, as `from -> to`. */
export function layerViolations(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((edge) => {
      const from = layerOf(edge.from);
      const to = layerOf(edge.to);
      return from !== undefined && to !== undefined && forbidden.some((rule) => rule.from === from && rule.to.includes(to));
    })
    .map(describe);
}

/** The edges between `src/core/batch` and `src/core/results`, either way, as `from -> to`. */
export function batchResultsCrossings(edges: readonly ImportEdge[]): string[] {
  const folder = (path: string) => (within(path, 'src/core/batch') ? 'batch' : within(path, 'src/core/results') ? 'results' : undefined);
  return edges
    .filter((edge) => {
      const from = folder(edge.from);
      const to = folder(edge.to);
      return from !== undefined && to !== undefined && from !== to;
    })
    .map(describe);
}

function describe(edge: ImportEdge): string {
  return `${edge.from.replace(/\.ts$/, '')} -> ${edge.to}`;
}

/** Every `.ts` file under `root/src`, keyed by its repository path with `/` separators. */
export function readSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        sources.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  walk(join(root, 'src'));
  return sources;
}

/** The repository root, from the compiled test's folder (`out/test/unit`) or the source one. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!readdirSync(dir).includes('package.json')) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json above ${__dirname}`);
    }
    dir = parent;
  }
  return dir;
}
