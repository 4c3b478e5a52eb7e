/**
 * The SDK as someone outside this repository gets it: `npm pack` (scripts/pack.mjs), installed
 * into a fresh project in a temp folder, imported by plain Node and type-checked by tsc as a
 * consumer's TypeScript, then used against the shared anvil: a datanet created and read back.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { anvilPrivateKeys } from "../src/testing/anvil.js";
import { repositoryRoot } from "../src/testing/foundry.js";

const run = promisify(execFile);
const sdk = resolve(import.meta.dirname, "..");

describe("@payable-ai/sdk packed and installed outside the repository", () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "sdk-consumer-"));
    const { stdout } = await run(process.execPath, [join(sdk, "scripts/pack.mjs"), "--out", project]);
    const tarball = stdout.trim().split("\n").at(-1) as string;
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { "@payable-ai/sdk": `file:${tarball}` },
      }),
    );
    // viem and the SDK's other dependencies come from the registry (or npm's cache).
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: project,
    });
  }, 300_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("imports from plain Node and creates and reads a datanet on anvil", async () => {
    const deployment = inject("deployment");
    await writeFile(join(project, `${deployment.chainId}.json`), JSON.stringify(deployment));
    await writeFile(
      join(project, "consumer.mjs"),
      `import { createPublicClient, createWalletClient, defineChain, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, createDatanet, datanetRegistryAbi, hasAccess, protocolContractNames } from "@payable-ai/sdk";
import { openTokenAbi } from "@payable-ai/sdk/abis";
import { readDeployment } from "@payable-ai/sdk/node";

const [rpcUrl, chainId, key] = process.argv.slice(2);
const chain = defineChain({ id: Number(chainId), name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
const { contracts } = await readDeployment({ chainId: Number(chainId), dir: process.cwd() });
const account = privateKeyToAccount(key);
const wallet = createWalletClient({ account, chain, transport: http() });
const reader = createPublicClient({ chain, transport: http() });
const { datanetId } = await createDatanet(wallet, {
  contracts, metadataURI: "ipfs://consumer", contributionBond: parseEther("1"), accessFee: 0n, reviewTimeout: 3600n,
});
const owner = await reader.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: "datanetOwner", args: [datanetId] }).catch(() => null);
console.log(JSON.stringify({
  datanetId: datanetId.toString(),
  ownerHasAccess: await hasAccess(reader, { contracts, datanetId, account: account.address }),
  owner,
  symbol: await reader.readContract({ address: contracts.OpenToken, abi: openTokenAbi, functionName: "symbol" }),
  hash: contentHash("hello"),
  names: protocolContractNames.length,
}));
`,
    );
    const { stdout } = await run(
      process.execPath,
      ["consumer.mjs", inject("rpcUrl"), String(inject("chainId")), anvilPrivateKeys[7] as string],
      { cwd: project },
    );
    const result = JSON.parse(stdout);
    expect(BigInt(result.datanetId)).toBeGreaterThan(0n);
    expect(result.ownerHasAccess).toBe(true);
    expect(result.symbol).toBe("OPEN");
    expect(result.hash).toBe("0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    expect(result.names).toBeGreaterThan(5);
  });

  it("type-checks a consumer's TypeScript against the packed declarations, and rejects a wrong call", async () => {
    const tsc = join(repositoryRoot, "node_modules/typescript/bin/tsc");
    const flags = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--skipLibCheck",
    ];
    await writeFile(
      join(project, "good.ts"),
      `import { type CreateDatanetParameters, createGatewayClient, parseDeployment } from "@payable-ai/sdk";
import { inferenceMarketAbi } from "@payable-ai/sdk/abis";
const deployment = parseDeployment({ chainId: 1, contracts: {} });
const parameters: CreateDatanetParameters = { contracts: deployment.contracts, metadataURI: "ipfs://x", contributionBond: 1n, accessFee: 0n, reviewTimeout: 60n };
const gateway = createGatewayClient({ url: "http://127.0.0.1:8788" });
export const used = [parameters, gateway.putBlob, inferenceMarketAbi.length];
`,
    );
    await writeFile(
      join(project, "bad.ts"),
      `import type { CreateDatanetParameters } from "@payable-ai/sdk";
export const parameters: CreateDatanetParameters = { metadataURI: 42 };
`,
    );
    await run(process.execPath, [tsc, ...flags, "good.ts"], { cwd: project });
    const bad = await run(process.execPath, [tsc, ...flags, "bad.ts"], { cwd: project }).catch(
      (e: { stdout: string }) => e,
    );
    expect((bad as { stdout: string }).stdout).toMatch(/bad\.ts.*error TS2322/);
  });
});
