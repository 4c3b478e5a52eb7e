import type { Logger } from "pino";
import { type KeeperChain, revertName } from "./chain.js";
import type { KeeperMetrics } from "./metrics.js";

export type FinalizerOptions = {
  chain: Pick<KeeperChain, "latestBlock" | "getRequest" | "finalizeGas" | "finalize">;
  metrics: KeeperMetrics;
  logger: Logger;
  /** Most requests per `finalize` call. */
  batchSize: number;
  /** Most gas one `finalize` call may need; batches are packed by each request's estimate. */
  gasBudget: bigint;
};

/** Settles matured reports: anyone may call `finalize` once a report's challenge window has passed. */
export class Finalizer {
  constructor(readonly options: FinalizerOptions) {}

  /**
   * Finalizes those of `requestIds` that are reported on-chain with their challenge window passed,
   * in batches packed by gas. Whatever it cannot settle is left for the caller's next look.
   */
  async finalizeMatured(requestIds: readonly bigint[]): Promise<void> {
    const { chain, metrics } = this.options;
    const ready: bigint[] = [];
    const now = (await chain.latestBlock()).timestamp;
    for (const id of requestIds) {
      const onchain = await chain.getRequest(id);
      if (onchain.statusName === "reported" && now > onchain.challengeEndsAt) ready.push(id);
    }
    // A request with many distinct payees costs millions of gas: pack batches by estimate, so a few of them
    // cannot sink a whole batch in an out-of-gas revert.
    const gas = await chain.finalizeGas(ready);
    const batches = packByGas(
      ready.map((id, i) => ({ id, gas: gas[i] })),
      this.options.gasBudget,
      this.options.batchSize,
    );
    for (const batch of batches) {
      try {
        const settled = await chain.finalize(batch);
        metrics.finalized.inc(settled.length);
        this.options.logger.info({ requestIds: settled.map(String) }, "finalized");
      } catch (error) {
        // Usually another keeper finalized first; the next tick reads the new statuses.
        this.options.logger.info(
          { requestIds: batch.map(String), reason: revertName(error) ?? (error as Error).message },
          "finalize skipped",
        );
      }
    }
  }
}

/**
 * Splits requests into `finalize` batches of at most `maxCount` whose summed gas estimates stay
 * within `budget` (a batch shares warm storage, so the sum over-estimates it). A request over the
 * budget alone gets a batch of its own; one without an estimate (it would revert now) is left out.
 */
export function packByGas(
  items: readonly { id: bigint; gas: bigint | undefined }[],
  budget: bigint,
  maxCount: number,
): bigint[][] {
  const batches: bigint[][] = [];
  let current: bigint[] = [];
  let used = 0n;
  for (const { id, gas } of items) {
    if (gas === undefined) continue;
    if (current.length > 0 && (used + gas > budget || current.length >= maxCount)) {
      batches.push(current);
      current = [];
      used = 0n;
    }
    current.push(id);
    used += gas;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
