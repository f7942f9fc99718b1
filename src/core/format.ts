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
