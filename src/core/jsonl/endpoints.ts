/** The kinds of request a batch file may hold. */
export type EndpointKind = 'chat' | 'embeddings' | 'responses';

const endpoints: ReadonlyMap<string, EndpointKind> = new Map([
  ['/chat/completions', 'chat'],
  ['/v1/chat/completions', 'chat'],
  ['/embeddings', 'embeddings'],
  ['/v1/embeddings', 'embeddings'],
  ['/responses', 'responses'],
  ['/v1/responses', 'responses'],
]);

/** The `url` values Azure OpenAI Batch accepts. */
export const batchEndpoints: readonly string[] = [...endpoints.keys()];

/** The kind of a batch `url`, or undefined when it is not a batch endpoint. */
export function endpointKind(url: string): EndpointKind | undefined {
  return endpoints.get(url);
}

/** The roles a chat message may have. */
export const chatRoles: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
