/** Escapes text from files or the service before it goes into markdown (tooltips, summaries). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
