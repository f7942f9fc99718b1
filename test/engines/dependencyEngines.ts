import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The fields of a package.json the engines checks read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

export function readManifest(directory: string): PackageManifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * Every package the extension loads at run time: its `dependencies` and theirs (and optional ones that are
 * installed), found the way Node resolves them, each once. Fails when a runtime dependency is not installed.
 */
export function runtimeDependencies(root: string): PackageManifest[] {
  const found = new Map<string, PackageManifest>();
  const pending: { name: string; from: string; optional: boolean }[] = [];
  const enqueue = (manifest: PackageManifest, from: string) => {
    pending.push(...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, from, optional: false })));
    pending.push(...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, from, optional: true })));
  };
  enqueue(readManifest(root), root);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const directory = resolvePackage(next.name, next.from);
    if (!directory) {
      if (next.optional) {
        continue;
      }
      throw new Error(`${next.name} (needed by ${next.from}) is not installed: run npm ci`);
    }
    const real = realpathSync(directory);
    if (!found.has(real)) {
      const manifest = readManifest(directory);
      found.set(real, manifest);
      enqueue(manifest, real);
    }
  }
  return [...found.values()];
}

// Node's lookup: node_modules/NAME in the requiring package's folder, then in each folder above it.
function resolvePackage(name: string, from: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      return candidate;
    }
    if (dirname(directory) === directory) {
      return undefined;
    }
  }
}
