import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, getAddress, isAddress } from "viem";
import { BaseError } from "./errors/base.js";

/** Names of the protocol's deployed contracts, as `script/Deploy.s.sol` writes them. */
export const protocolContractNames = [
  "OpenToken",
  "DatanetRegistry",
  "ModelRegistry",
  "ContributionVotes",
  "KeeperRegistry",
  "RewardVault",
  "InferenceMarket",
  "ReportCourt",
  "UsageLedger",
  "AgentRegistry",
  "OpenGovernor",
  "TimelockController",
] as const;

export type ProtocolContractName = (typeof protocolContractNames)[number];

/** `deployments/<chainId>.json`: where the protocol lives on one chain and the block to index from. */
export type Deployment = {
  chainId: number;
  startBlock: number;
  contracts: Record<ProtocolContractName, Address>;
};

export type DeploymentErrorType = DeploymentNotFoundError | DeploymentInvalidError;

export class DeploymentNotFoundError extends BaseError {
  override name = "DeploymentNotFoundError";
  constructor({ chainId, path, cause }: { chainId: number; path: string; cause?: unknown }) {
    super(`No deployment for chain ${chainId}.`, {
      cause,
      metaMessages: [`Looked for: ${path}`],
      details:
        "Deploy first: `forge script script/Deploy.s.sol --broadcast --rpc-url <url>` (or `npm start`).",
    });
  }
}

export class DeploymentInvalidError extends BaseError {
  override name = "DeploymentInvalidError";
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`Invalid deployment file: ${reason}`, { metaMessages: [`File: ${path}`] });
  }
}

/** The folder that holds `deployments/<chainId>.json`: `PAYABLE_DEPLOYMENTS_DIR`, else `<repo>/deployments`. */
export function defaultDeploymentsDir(): string {
  // import.meta.url rather than import.meta.dirname: Ponder loads this module through vite-node.
  return process.env.PAYABLE_DEPLOYMENTS_DIR ?? fileURLToPath(new URL("../../deployments", import.meta.url));
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

/**
 * Validates a parsed deployment. Accepts the addresses under `contracts` or at the top level
 * (forge's `vm.serializeAddress` writes them flat).
 */
export function parseDeployment(
  json: unknown,
  { path = "<memory>", chainId }: { path?: string; chainId?: number } = {},
) {
  if (typeof json !== "object" || json === null)
    throw new DeploymentInvalidError({ path, reason: "not an object" });
  const record = json as Record<string, unknown>;
  const source = (
    typeof record.contracts === "object" && record.contracts !== null ? record.contracts : record
  ) as Record<string, unknown>;
  const fileChainId = record.chainId === undefined ? chainId : Number(record.chainId);
  if (fileChainId === undefined || !Number.isSafeInteger(fileChainId)) {
    throw new DeploymentInvalidError({ path, reason: "missing chainId" });
  }
  if (chainId !== undefined && fileChainId !== chainId) {
    throw new DeploymentInvalidError({ path, reason: `chainId is ${fileChainId}, expected ${chainId}` });
  }
  const startBlock = Number(record.startBlock ?? 0);
  if (!Number.isSafeInteger(startBlock) || startBlock < 0) {
    throw new DeploymentInvalidError({
      path,
      reason: `startBlock ${String(record.startBlock)} is not a block number`,
    });
  }
  const contracts = {} as Record<ProtocolContractName, Address>;
  const missing: string[] = [];
  for (const name of protocolContractNames) {
    const value = source[name];
    if (typeof value === "string" && isAddress(value, { strict: false })) contracts[name] = getAddress(value);
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new DeploymentInvalidError({ path, reason: `missing or invalid address of ${missing.join(", ")}` });
  }
  return { chainId: fileChainId, startBlock, contracts } satisfies Deployment;
}
