import type { DeploymentInfo } from './deployments';

/** A deployment name to offer (quick fix, completion, submit): a known batch deployment, or just a name. */
export interface DeploymentChoice {
  readonly name: string;
  /** The resource's deployment, when the name is one of its batch deployments. */
  readonly deployment?: DeploymentInfo;
  readonly source: 'resource' | 'file' | 'setting';
}

/**
 * The names worth offering, each once: the resource's batch deployments first (in its order), then the names
 * used in the file, then those of the setting. A name of the resource that is not a batch deployment is left
 * out wherever it comes from, since Azure rejects batch jobs on it.
 */
export function deploymentChoices(resource: readonly DeploymentInfo[] | undefined, fromFile: readonly (string | undefined)[], configured: readonly unknown[]): DeploymentChoice[] {
  const choices: DeploymentChoice[] = [];
  const seen = new Set<string>();
  const notBatch = new Set((resource ?? []).filter((d) => !d.batch).map((d) => d.name));
  const add = (name: unknown, source: DeploymentChoice['source'], deployment?: DeploymentInfo) => {
    if (typeof name !== 'string' || name.trim().length === 0 || seen.has(name) || (deployment === undefined && notBatch.has(name))) {
      return;
    }
    seen.add(name);
    choices.push(deployment ? { name, deployment, source } : { name, source });
  };
  for (const deployment of resource ?? []) {
    if (deployment.batch) {
      add(deployment.name, 'resource', deployment);
    }
  }
  fromFile.forEach((name) => add(name, 'file'));
  configured.forEach((name) => add(name, 'setting'));
  return choices;
}

/** How a deployment is described next to its name: `gpt-4o 2024-08-06 · GlobalBatch`. */
export function describeDeployment(deployment: DeploymentInfo): string {
  const model = [deployment.model, deployment.version].filter((part) => part.length > 0).join(' ');
  return model ? `${model} · ${deployment.sku}` : deployment.sku;
}
