import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  DeploymentInvalidError,
  DeploymentNotFoundError,
  parseDeployment,
  protocolContractNames,
} from "./deployments.js";
import { readDeployment } from "./node/readDeployment.js";

const addresses = Object.fromEntries(
  protocolContractNames.map((name, i) => [name, `0x${(i + 1).toString(16).padStart(40, "0")}`]),
);

describe("deployments", () => {
  const dir = mkdtemp(join(tmpdir(), "payable-deployments-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  test("reads addresses nested under contracts or flat", async () => {
    await writeFile(
      join(await dir, "5.json"),
      JSON.stringify({ chainId: 5, startBlock: 12, contracts: addresses }),
    );
    const nested = await readDeployment({ chainId: 5, dir: await dir });
    expect(nested.startBlock).toBe(12);
    expect(nested.contracts.OpenToken).toBe("0x0000000000000000000000000000000000000001");
    expect(parseDeployment({ chainId: 5, startBlock: 12, ...addresses })).toEqual(nested);
  });

  test("names the missing file and the missing contracts", async () => {
    await expect(readDeployment({ chainId: 777, dir: await dir })).rejects.toThrow(DeploymentNotFoundError);
    const { InferenceMarket: _, ...partial } = addresses;
    expect(() => parseDeployment({ chainId: 1, contracts: partial })).toThrow(
      /missing or invalid address of InferenceMarket/,
    );
    expect(() => parseDeployment({ chainId: 2, contracts: addresses }, { chainId: 1 })).toThrow(
      DeploymentInvalidError,
    );
    expect(() => parseDeployment({ chainId: 1, startBlock: -1, contracts: addresses })).toThrow(/startBlock/);
    await writeFile(join(await dir, "6.json"), "{not json");
    await expect(readDeployment({ chainId: 6, dir: await dir })).rejects.toThrow(/not JSON/);
  });
});
