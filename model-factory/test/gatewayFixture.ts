import { join } from "node:path";
import {
  type AccessChecker,
  ContributionNotFoundError,
  type ContributionRecord,
  FileNonceStore,
  LocalBlobVisibility,
  startGateway,
} from "@payable-ai/gateway";
import { LocalBlobStore } from "@payable-ai/gateway/blobstore";
import type { Address } from "viem";
import type { SyntheticContribution } from "../src/data/synthetic.js";

/**
 * On-chain facts for the gateway, held in memory: the gateway's checks against a real
 * DatanetRegistry are covered by the keepers' tests on anvil; here the factory is under test.
 */
export class TableAccessChecker implements AccessChecker {
  readonly chainId = 31_337;
  readonly datanetRegistry: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  readonly readers = new Set<string>();
  readonly contributions = new Map<bigint, ContributionRecord>();
  async hasAccess(datanetId: bigint, account: Address) {
    return this.readers.has(`${datanetId}:${account.toLowerCase()}`);
  }
  async isActiveKeeper() {
    return false;
  }
  async getContribution(contributionId: bigint) {
    const record = this.contributions.get(contributionId);
    if (!record) throw new ContributionNotFoundError(contributionId);
    return record;
  }
  grant(datanetId: bigint, account: Address) {
    this.readers.add(`${datanetId}:${account.toLowerCase()}`);
  }
}

/** The keepers' data gateway on a random port, holding `contributions` as datanet content. */
export async function startDatanetGateway(
  directory: string,
  datanetId: bigint,
  contributions: readonly SyntheticContribution[],
  contributor: Address,
) {
  const chain = new TableAccessChecker();
  const gateway = await startGateway({
    blobs: new LocalBlobStore(join(directory, "blobs")),
    visibility: new LocalBlobVisibility(join(directory, "visibility")),
    access: chain,
    nonces: await FileNonceStore.open(join(directory, "nonces.log")),
  });
  for (const c of contributions) {
    const upload = await fetch(`${gateway.url}/blobs?visibility=datanet`, {
      method: "POST",
      body: Buffer.from(c.content),
    });
    if (upload.status !== 201) throw new Error(`upload failed: ${upload.status}`);
    chain.contributions.set(c.contributionId, {
      contributionId: c.contributionId,
      datanetId,
      contributor,
      contentHash: c.contentHash,
      status: 2,
      uri: `ipfs://contribution/${c.contributionId}`,
    });
  }
  return { gateway, chain };
}
