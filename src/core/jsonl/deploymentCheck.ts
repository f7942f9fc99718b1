import type { DeploymentInfo } from '../azure/deployments';
import { closestNames } from '../closestNames';
import { DiagnosticCodes, severityOf } from './codes';
import { message, type BatchDiagnostic, type LineSpan, type Message } from './types';

/** What is wrong with a `body.model` against the resource's deployments. */
export interface DeploymentProblem {
  readonly code: typeof DiagnosticCodes.unknownDeployment | typeof DiagnosticCodes.notBatchDeployment;
  readonly message: Message;
  /** Batch deployments worth offering instead, closest first. */
  readonly suggestions: readonly string[];
}

// Distinct names whose problem is remembered; a file has a handful, so this bound is never reached in practice.
const maxRemembered = 1_000;

/**
 * Names compared for "closest" over the life of a check (a file of many distinct unknown names against a resource
 * of many deployments would otherwise cost names × deployments); past it, the message lists batch deployments.
 */
const comparisonBudget = 2_000_000;

/** Longest `body.model` quoted in a message (the rest is cut with "…"): a 1 MB name must not make a 1 MB message per row. */
const maxQuoted = 100;

function shownName(name: string): string {
  return name.length > maxQuoted ? `${name.slice(0, maxQuoted)}…` : name;
}

/**
 * The deployments of the resource a file goes to, for checking `body.model`: one map lookup per row, and the
 * message (with its closest names) built once per distinct name.
 */
export class DeploymentCheck {
  private readonly byName = new Map<string, DeploymentInfo>();
  private readonly batchNames: readonly string[];
  private readonly problems = new Map<string, DeploymentProblem | undefined>();
  private comparisonsLeft = comparisonBudget;

  constructor(readonly deployments: readonly DeploymentInfo[]) {
    for (const deployment of deployments) {
      this.byName.set(deployment.name, deployment);
    }
    this.batchNames = deployments.filter((d) => d.batch).map((d) => d.name);
  }

  /** The problem of a deployment name, or undefined when it is a batch deployment of the resource. */
  problemFor(model: string): DeploymentProblem | undefined {
    const known = this.byName.get(model);
    if (known?.batch) {
      return undefined;
    }
    if (this.problems.has(model)) {
      return this.problems.get(model);
    }
    const problem = known ? this.notBatch(known) : this.unknown(model);
    if (this.problems.size >= maxRemembered) {
      this.problems.clear();
    }
    this.problems.set(model, problem);
    return problem;
  }

  /** The diagnostic for a row whose `body.model` (at `at`) has a problem. */
  diagnosticFor(model: string, at: LineSpan): BatchDiagnostic | undefined {
    const problem = this.problemFor(model);
    return problem && { ...at, code: problem.code, severity: severityOf(problem.code), message: problem.message };
  }

  /** The same list (by content), so a host can skip revalidating when a refresh changed nothing. */
  sameAs(deployments: readonly DeploymentInfo[] | undefined): boolean {
    return deployments !== undefined && sameDeployments(this.deployments, deployments);
  }

  private unknown(model: string): DeploymentProblem {
    const code = DiagnosticCodes.unknownDeployment;
    const pool = this.batchNames.length > 0 ? this.batchNames : [...this.byName.keys()];
    const closest = this.closest(model, pool);
    if (closest.length > 0) {
      return { code, suggestions: closest.filter((name) => this.byName.get(name)?.batch), message: message('"{0}" is not a deployment on this resource. Closest: {1}.', shownName(model), quoted(closest)) };
    }
    if (this.batchNames.length > 0) {
      const shown = this.batchNames.slice(0, 3);
      const more = this.batchNames.length - shown.length;
      return {
        code,
        suggestions: shown,
        message: more > 0
          ? message('"{0}" is not a deployment on this resource. Its batch deployments: {1} and {2} more.', shownName(model), quoted(shown), more)
          : message('"{0}" is not a deployment on this resource. Its batch deployments: {1}.', shownName(model), quoted(shown)),
      };
    }
    return { code, suggestions: [], message: message('"{0}" is not a deployment on this resource, and it has no batch deployment: create a Global Batch or Data Zone Batch deployment.', shownName(model)) };
  }

  /** {@link closestNames} while the budget lasts, then none. */
  private closest(name: string, pool: readonly string[]): string[] {
    if (pool.length > this.comparisonsLeft) {
      return [];
    }
    this.comparisonsLeft -= pool.length;
    return closestNames(name, pool);
  }

  private notBatch(deployment: DeploymentInfo): DeploymentProblem {
    const code = DiagnosticCodes.notBatchDeployment;
    const sku = deployment.sku || 'Standard';
    // A batch deployment of the same model is the natural replacement; otherwise the closest by name.
    const sameModel = this.deployments.filter((d) => d.batch && d.model === deployment.model).map((d) => d.name);
    const suggestions = [...new Set([...sameModel, ...this.closest(deployment.name, this.batchNames), ...this.batchNames])].slice(0, 3);
    const first = suggestions[0];
    if (first === undefined) {
      return { code, suggestions, message: message('"{0}" is a {1} deployment: Azure rejects batch jobs on a {1} deployment. Create a Global Batch or Data Zone Batch deployment and use its name.', deployment.name, sku) };
    }
    return {
      code,
      suggestions,
      message: message('"{0}" is a {1} deployment: Azure rejects batch jobs on a {1} deployment; use "{2}" ({3}).', deployment.name, sku, first, this.byName.get(first)!.sku),
    };
  }
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

/** Whether two deployment lists say the same (names, skus and models in the same order). */
export function sameDeployments(a: readonly DeploymentInfo[], b: readonly DeploymentInfo[]): boolean {
  return a.length === b.length && a.every((d, i) => d.name === b[i]!.name && d.sku === b[i]!.sku && d.batch === b[i]!.batch && d.model === b[i]!.model && d.version === b[i]!.version);
}
