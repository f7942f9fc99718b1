/** A request whose content is nested deeper than JSON.stringify's stack allows: counting its tokens throws. */
export function poisonLine(depth = 200_000): string {
  return `{"custom_id":"p","method":"POST","url":"/chat/completions","body":{"model":"gpt-4o-batch","messages":[{"role":"user","content":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}]}}`;
}
