// The one escaper lives in core, where the results summary (written by the editor and the CLI) uses it too.
export { escapeMarkdown } from '../core/markdown';
