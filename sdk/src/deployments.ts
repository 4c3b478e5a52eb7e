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
