// Deployment names copied from documentation or templates and never filled in. A real deployment name is
// letters, digits, '-', '_' and '.', so anything with template punctuation is a placeholder too.
const placeholderPatterns: readonly RegExp[] = [
  /replace[-_ ]?(with|me)/i,
  /^<.*>$/,
  /^\{.*\}$/,
  /^\$\{.*\}$/,
  /^\[.*\]$/,
  /^%.*%$/,
  /(^|[-_ ])your([-_ ]|$)/i,
  /^your/i,
  /deployment[-_ ]?name/i,
  /model[-_ ]?deployment/i,
  /^(todo|tbd|xxx+|placeholder|changeme|change[-_]me|model[-_]?name|deployment|my[-_]?deployment|example|sample)$/i,
];

// Every row of a file normally names the same deployment: remember the last answer.
let lastModel: string | undefined;
let lastAnswer = false;

/** True when a `model` value is evidently a template placeholder rather than a deployment name. */
export function isPlaceholderModel(model: string): boolean {
  if (model !== lastModel) {
    const trimmed = model.trim();
    lastAnswer = placeholderPatterns.some((pattern) => pattern.test(trimmed));
    lastModel = model;
  }
  return lastAnswer;
}
