// What the extension knows about Azure resources and their deployments, in the shapes the CLI prints
// (`aoai-batch resources --json`) and the validator checks `body.model` against. No `vscode` here.

/** ARM deployment sku names that accept batch jobs. Azure rejects batch files sent to any other sku. */
export const BATCH_SKUS: readonly string[] = ['GlobalBatch', 'DataZoneBatch'];

/** Whether a deployment sku runs batch jobs (ARM spells sku names in any case). */
export function isBatchSku(sku: string | undefined): boolean {
  const lower = (sku ?? '').toLowerCase();
  return BATCH_SKUS.some((s) => s.toLowerCase() === lower);
}

/** One deployment of a resource, from ARM's `.../accounts/{name}/deployments` list. */
export interface DeploymentInfo {
  readonly name: string;
  /** `properties.model.name`, e.g. `gpt-4o-mini`. */
  readonly model: string;
  /** `properties.model.version`, e.g. `2024-07-18` (empty when ARM gives none). */
  readonly version: string;
  /** `sku.name`: `GlobalBatch`, `DataZoneBatch`, `Standard`, ... */
  readonly sku: string;
  /** `sku.capacity` (thousands of tokens per minute for live skus; null when ARM gives none). */
  readonly capacity: number | null;
  /** {@link isBatchSku} of the sku. */
  readonly batch: boolean;
}

/** One Azure OpenAI or AI Services account and its deployments. */
export interface ResourceInfo {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  /** `OpenAI` or `AIServices`. */
  readonly kind: string;
  readonly location: string;
  /** The data-plane endpoint, e.g. `https://my-resource.openai.azure.com/`. */
  readonly endpoint: string;
  readonly deployments: readonly DeploymentInfo[];
}

/** Where a connection's resource lives in ARM, kept with the connection so its deployments can be listed again. */
export interface ResourceRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** The deployments last listed for a connection: what the validator checks against, offline too. */
export interface DeploymentSnapshot {
  /** Milliseconds since the epoch. */
  readonly fetchedAt: number;
  readonly deployments: readonly DeploymentInfo[];
}
