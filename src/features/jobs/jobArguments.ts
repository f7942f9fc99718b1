// What a command's first argument names, without `vscode`: a tree node, an id string, `{ connectionId, batchId }`,
// `{ connectionId, submissionId }`, a file's URI, or nothing. One resolver for every job, group and connection command.
import type { JobsNode } from './jobsTree';

/** A job on a connection. */
export interface JobTarget {
  readonly connectionId: string;
  readonly batchId: string;
}

/** What an argument names; empty when it names nothing known. */
export interface ArgumentTarget {
  readonly connectionId?: string;
  /** The jobs it names, newest first (a source file submitted several times names several). */
  readonly jobs: readonly JobTarget[];
  readonly groupId?: string;
  /** The submission of a job whose create has not answered (or that may exist). */
  readonly submissionId?: string;
}

/** What the resolver needs to know about the list. */
export interface ArgumentLookup {
  hasConnection(connectionId: string): boolean;
  /** The connection of a known job group. */
  groupConnection(groupId: string): string | undefined;
  /** The known jobs with this batch id (on any connection). */
  jobsWithId(batchId: string): JobTarget[];
  /** Jobs submitted from this source (a URI string), newest first. */
  jobsFromSource(uri: string): JobTarget[];
  /** Job groups split from this source, newest first. */
  groupsFromSource(uri: string): string[];
}

const nothing: ArgumentTarget = { jobs: [] };

/** A URI as commands receive it (`vscode.Uri`), recognised by shape so this module stays free of `vscode`. */
function isUriLike(arg: object): arg is { scheme: string; toString(): string } {
  return typeof (arg as { scheme?: unknown }).scheme === 'string' && typeof (arg as { fsPath?: unknown }).fsPath === 'string';
}

function isNode(arg: object): arg is JobsNode {
  return typeof (arg as { kind?: unknown }).kind === 'string' && typeof (arg as { connection?: { id?: unknown } }).connection?.id === 'string';
}

// A batch id is always a job's, whatever it looks like: a submission without a job is named by its view's
// own field (or `{ connectionId, submissionId }`), never by a form of id the service could also produce.
function jobOrSubmission(connectionId: string, batchId: string, submissionId?: string): ArgumentTarget {
  return { connectionId, jobs: [{ connectionId, batchId }], submissionId };
}

function fromNode(node: JobsNode): ArgumentTarget {
  const connectionId = node.connection.id;
  switch (node.kind) {
    case 'job':
    case 'file':
    case 'validationError':
      if (node.view.submissionId !== undefined) {
        return { connectionId, jobs: [], submissionId: node.view.submissionId };
      }
      return jobOrSubmission(connectionId, node.view.batchId, node.view.record?.submissionId);
    case 'group':
      return { connectionId, jobs: [], groupId: node.group.state.id };
    case 'part':
      return { connectionId, jobs: node.part.batchId ? [{ connectionId, batchId: node.part.batchId }] : [], groupId: node.group.state.id };
    default:
      return { connectionId, jobs: [] };
  }
}

function fromString(id: string, lookup: ArgumentLookup): ArgumentTarget {
  if (lookup.hasConnection(id)) {
    return { connectionId: id, jobs: [] };
  }
  const groupConnection = lookup.groupConnection(id);
  if (groupConnection !== undefined) {
    return { connectionId: groupConnection, jobs: [], groupId: id };
  }
  const jobs = lookup.jobsWithId(id);
  // The same id on two connections is ambiguous: name the connection too (`{ connectionId, batchId }`).
  return jobs.length === 1 ? jobOrSubmission(jobs[0]!.connectionId, jobs[0]!.batchId) : nothing;
}

function fromUri(uri: string, lookup: ArgumentLookup): ArgumentTarget {
  const jobs = lookup.jobsFromSource(uri);
  const [groupId] = lookup.groupsFromSource(uri);
  const connectionId = jobs[0]?.connectionId ?? (groupId !== undefined ? lookup.groupConnection(groupId) : undefined);
  return { connectionId, jobs, groupId };
}

/**
 * What a command argument names. `fallback` (the view's selection) stands in for a missing argument, so a
 * command run from the palette or a key binding acts on the selected node.
 */
export function resolveArgument(arg: unknown, lookup: ArgumentLookup, fallback?: unknown): ArgumentTarget {
  if (arg === undefined || arg === null) {
    return fallback === undefined ? nothing : resolveArgument(fallback, lookup);
  }
  if (typeof arg === 'string') {
    return fromString(arg, lookup);
  }
  if (typeof arg !== 'object') {
    return nothing;
  }
  if (isNode(arg)) {
    return fromNode(arg);
  }
  if (isUriLike(arg)) {
    return fromUri(arg.toString(), lookup);
  }
  const named = arg as { connectionId?: unknown; batchId?: unknown; submissionId?: unknown };
  if (typeof named.connectionId !== 'string' || !lookup.hasConnection(named.connectionId)) {
    return nothing;
  }
  if (typeof named.batchId === 'string') {
    return jobOrSubmission(named.connectionId, named.batchId);
  }
  if (typeof named.submissionId === 'string') {
    return { connectionId: named.connectionId, jobs: [], submissionId: named.submissionId };
  }
  return { connectionId: named.connectionId, jobs: [] };
}
