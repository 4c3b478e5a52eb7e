import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import type { Hex } from "viem";
import type { Deployment } from "../deployments.js";
import { BaseError } from "../errors/base.js";
import { readDeployment } from "../node/readDeployment.js";
import { anvilPrivateKeys } from "./anvil.js";
import { foundryBinary, repositoryRoot } from "./foundry.js";

export type DeployProtocolParameters = {
  rpcUrl: string;
  chainId: number;
  /** Deployer key; anvil's first account by default. */
  privateKey?: Hex | undefined;
  /**
   * Use the local-network parameters (short windows and periods, `LOCAL_NETWORK=true`); the
   * script applies them on chain 31337 by itself. Default: true.
   */
  local?: boolean | undefined;
  /** Extra environment for the script (e.g. `MARKET_CHALLENGE_WINDOW`). */
  env?: Record<string, string> | undefined;
  timeoutMs?: number | undefined;
};

export class DeployError extends BaseError {
  override name = "DeployError";
}

/** Where `script/Deploy.s.sol` writes the deployment of `chainId`. */
export function deploymentPath(chainId: number): string {
  return resolve(repositoryRoot, "deployments", `${chainId}.json`);
}

/**
 * Runs `forge script script/Deploy.s.sol --broadcast` against `rpcUrl` and reads the
 * deployment it wrote. Tests give each anvil its own chain id so their deployment files do
 * not collide, and remove the file with `removeDeployment` afterwards.
 *
 * @example
 * const anvil = await startAnvil({ chainId: 913_371 })
 * const deployment = await deployProtocol({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId })
 */
export async function deployProtocol(parameters: DeployProtocolParameters): Promise<Deployment> {
  const privateKey = parameters.privateKey ?? anvilPrivateKeys[0];
  // A fresh clone has no deployments/ folder (its files are per-chain outputs); the script needs it.
  await mkdir(resolve(repositoryRoot, "deployments"), { recursive: true });
  const args = [
    "script",
    "script/Deploy.s.sol",
    "--broadcast",
    "--rpc-url",
    parameters.rpcUrl,
    "--private-key",
    privateKey,
    "--non-interactive",
  ];
  const output = await new Promise<string>((resolveRun, reject) => {
    const child = spawn(foundryBinary("forge"), args, {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        LOCAL_NETWORK: String(parameters.local ?? true),
        ...parameters.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), parameters.timeoutMs ?? 180_000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(log);
      else {
        reject(
          new DeployError(`forge script script/Deploy.s.sol failed (${signal ?? `exit code ${code}`}).`, {
            details: log.trim().split("\n").slice(-30).join("\n"),
          }),
        );
      }
    });
  });
  try {
    return await readDeployment({ chainId: parameters.chainId, dir: resolve(repositoryRoot, "deployments") });
  } catch (cause) {
    throw new DeployError("The deploy script ran but its deployment file could not be read.", {
      cause,
      details: output.trim().split("\n").slice(-10).join("\n"),
    });
  }
}

/** Deletes the deployment file of a test chain. */
export async function removeDeployment(chainId: number): Promise<void> {
  await rm(deploymentPath(chainId), { force: true });
}
