/** `1,234,567` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `12.3 MB`, `4.0 KB`, `512 bytes` */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }
  if (bytes >= 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${bytes} bytes`;
}

/** `3 custom_ids were answered more than once (the latest success is kept): a, b, c` */
export function formatRepeatedIds(repeated: { count: number; first: readonly string[] }): string {
  const noun = repeated.count === 1 ? 'custom_id was' : 'custom_ids were';
  return `${formatCount(repeated.count)} ${noun} answered more than once (the latest success is kept): ${namedIds(repeated)}`;
}

/** The warning for custom_ids on more than one line of the input (see `JoinSummary.duplicateInputIds`). */
export function formatDuplicateInputIds(duplicates: { count: number; first: readonly string[] }): string {
  const noun = duplicates.count === 1 ? 'custom_id is' : 'custom_ids are';
  return `${formatCount(duplicates.count)} ${noun} on more than one line of the input (each line has its row; the counts count each custom_id once): ${namedIds(duplicates)}`;
}

function namedIds(ids: { count: number; first: readonly string[] }): string {
  return ids.first.join(', ') + (ids.count > ids.first.length ? ', ...' : '');
}

/** `45s`, `12m`, `3h 5m`, `4d`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d`;
}
