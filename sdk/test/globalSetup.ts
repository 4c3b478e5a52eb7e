import type { TestProject } from "vitest/node";
import type { Deployment } from "../src/deployments.js";
import { type Anvil, startAnvil } from "../src/testing/anvil.js";
import { deployProtocol, removeDeployment } from "../src/testing/deploy.js";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
    chainId: number;
    deployment: Deployment;
  }
}

// One anvil and one deployment for all SDK tests; test files run one after another and each
// reverts the chain to a snapshot when it is done (see test/chain.ts).
let anvil: Anvil | undefined;
let chainId = 0;

export async function setup(project: TestProject) {
  chainId = 915_000 + Math.floor(Math.random() * 1000);
  anvil = await startAnvil({ chainId });
  const deployment = await deployProtocol({ rpcUrl: anvil.rpcUrl, chainId });
  project.provide("rpcUrl", anvil.rpcUrl);
  project.provide("chainId", chainId);
  project.provide("deployment", deployment);
}

export async function teardown() {
  await anvil?.stop();
  await removeDeployment(chainId);
}
