import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Deployment,
  DeploymentInvalidError,
  DeploymentNotFoundError,
  parseDeployment,
} from "../deployments.js";

/** The folder that holds `deployments/<chainId>.json`: `PAYABLE_DEPLOYMENTS_DIR`, else `<repo>/deployments`. */
export function defaultDeploymentsDir(): string {
  // import.meta.url rather than import.meta.dirname: Ponder loads this module through vite-node.
  return (
    process.env.PAYABLE_DEPLOYMENTS_DIR ?? fileURLToPath(new URL("../../../deployments", import.meta.url))
  );
}

export type ReadDeploymentParameters = { chainId: number; dir?: string | undefined };
export type ReadDeploymentReturnType = Deployment;

/**
 * Reads and validates `deployments/<chainId>.json`.
 *
 * @example
 * const { contracts, startBlock } = await readDeployment({ chainId: 31337 })
 * await createDatanet(client, { registry: contracts.DatanetRegistry, ... })
 */
export async function readDeployment({
  chainId,
  dir,
}: ReadDeploymentParameters): Promise<ReadDeploymentReturnType> {
  const path = resolve(dir ?? defaultDeploymentsDir(), `${chainId}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new DeploymentNotFoundError({ chainId, path, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentInvalidError({ path, reason: `not JSON (${(cause as Error).message})` });
  }
  return parseDeployment(json, { path, chainId });
}
