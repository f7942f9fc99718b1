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
  const more = repeated.count > repeated.first.length ? ', ...' : '';
  const noun = repeated.count === 1 ? 'custom_id was' : 'custom_ids were';
  return `${formatCount(repeated.count)} ${noun} answered more than once (the latest success is kept): ${repeated.first.join(', ')}${more}`;
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
