import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { iDatanetRegistryAbi } from "@payable-ai/sdk/abis";
import type { Logger } from "pino";
import type { Address, PublicClient } from "viem";
import type { BlobVisibility } from "./visibility.js";

export type ContributionSyncParameters = {
  client: PublicClient;
  datanetRegistry: Address;
  visibility: BlobVisibility;
  /** Where the next block to read is kept across restarts. */
  stateFile: string;
  /** First block to read when there is no state yet (the deployment's start block). */
  fromBlock: bigint;
  logger?: Logger;
  /** Largest block range per `eth_getLogs` call. */
  maxRange?: bigint;
};

/**
 * Marks every content hash announced by `ContributionSubmitted` as datanet
 * content, so a contribution file uploaded as public by mistake (or by someone
 * else) stops being served publicly once it is registered. Marks are never
 * removed, so a reorg can only leave a blob more private than needed.
 */
export class ContributionSync {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(readonly parameters: ContributionSyncParameters) {}

  /** Reads new logs up to the latest block; returns how many contribution hashes were marked. */
  async syncOnce(): Promise<number> {
    const { client, datanetRegistry, visibility } = this.parameters;
    const maxRange = this.parameters.maxRange ?? 5_000n;
    let next = await this.#nextBlock();
    const latest = await client.getBlockNumber({ cacheTime: 0 });
    let marked = 0;
    while (next <= latest) {
      const to = next + maxRange - 1n < latest ? next + maxRange - 1n : latest;
      const logs = await client.getContractEvents({
        address: datanetRegistry,
        abi: iDatanetRegistryAbi,
        eventName: "ContributionSubmitted",
        fromBlock: next,
        toBlock: to,
      });
      for (const log of logs) {
        const hash = log.args.contentHash;
        if (hash === undefined) continue;
        await visibility.markDatanetContent(hash.slice(2).toLowerCase());
        marked++;
      }
      next = to + 1n;
      await this.#saveNextBlock(next);
    }
    if (marked > 0)
      this.parameters.logger?.info({ marked, nextBlock: String(next) }, "contribution hashes synced");
    return marked;
  }

  /** Polls every `intervalMs` until {@link stop}; errors are logged and retried on the next tick. */
  start(intervalMs: number): void {
    const tick = () => {
      this.#running = this.syncOnce()
        .catch((error: unknown) => this.parameters.logger?.warn({ err: error }, "contribution sync failed"))
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #nextBlock(): Promise<bigint> {
    try {
      return BigInt((await readFile(this.parameters.stateFile, "utf8")).trim());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return this.parameters.fromBlock;
      throw error;
    }
  }

  async #saveNextBlock(block: bigint): Promise<void> {
    const file = this.parameters.stateFile;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, `${block}\n`);
    await rename(`${file}.tmp`, file);
  }
}
