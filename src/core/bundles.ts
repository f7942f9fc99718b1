/** Thrown when a file of the installation loaded on first use (the SDK, Azure Identity, a CLI bundle) is missing or damaged. */
export class BundleLoadError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    // Only the first line: Node appends the whole require stack to a missing module's message.
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n', 1)[0];
    // The advice first: the editor shows only a message's first sentence.
    super(`Reinstall the extension or the CLI: a part of it is missing or damaged (${file} could not be loaded: ${reason})`);
    this.name = 'BundleLoadError';
  }
}

/**
 * `load()`, the deferred `require` of a bundled file, failing with a {@link BundleLoadError} that names the file
 * instead of a bare "Cannot find module" or whatever a truncated file throws when evaluated.
 */
export function loadBundled<T>(file: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new BundleLoadError(file, error);
  }
}
