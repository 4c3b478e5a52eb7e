import { type Address, zeroAddress } from "viem";

const BPS = 10_000n;

export type SplitFeeParameters = {
  fee: bigint;
  /** The request's split (`getRequest`), fixed when it was made. */
  protocolFeeBps: number;
  executorFeeBps: number;
  modelFeeBps: number;
  executor: Address;
  treasury: Address;
  /** `ModelRegistry.revenueShares(modelId)`: the model owner, or a composite's part owners. */
  modelRecipients: readonly { account: Address; weightBps: bigint }[];
  /**
   * `InferenceMarket.reportAttributions(requestId)`: payees as recorded when the report was accepted,
   * with each contribution's datanet (`DatanetRegistry.contributionPayout`).
   */
  attributions: readonly { contributionId: bigint; weightBps: number; payee: Address; datanetId: bigint }[];
  /** The owners of the attributed contributions' datanets (the zero address for none). */
  datanets: readonly { datanetId: bigint; owner: Address }[];
};

/** Who a request's fee pays, in OPEN wei; the parts sum to `fee`. */
export type FeeSplit = {
  fee: bigint;
  treasury: { account: Address; amount: bigint };
  executor: { account: Address; amount: bigint };
  modelOwners: { account: Address; weightBps: bigint; amount: bigint }[];
  contributors: { contributionId: bigint; payee: Address; weightBps: number; amount: bigint }[];
  /**
   * The unattributed part of the data share, to the owners of the attributed contributions' datanets
   * by the weight attributed to each, in order of first attribution.
   */
  datanetOwners: { datanetId: bigint; owner: Address; amount: bigint }[];
  totals: {
    treasury: bigint;
    executor: bigint;
    model: bigint;
    /** `fee · (1 − protocol − executor − model)`: what attribution distributes. */
    dataShare: bigint;
    attributed: bigint;
    unattributed: bigint;
  };
};

/**
 * A request's fee split exactly as `InferenceMarket._split` computes it at `finalize`: executor
 * and model shares of the fee, the data share by attribution weight, its unattributed rest to the
 * owners of the attributed contributions' datanets in proportion to their weight (all of it to the
 * treasury when nothing is attributed; a datanet without an owner leaves its part to the treasury),
 * and every rounding remainder to the treasury. Malformed revenue shares pay the model share to the treasury,
 * as the contract does.
 *
 * @example
 * const split = splitFee({ fee, ...parameters, executor, treasury, modelRecipients, attributions, datanets })
 * split.contributors // [{ contributionId, payee, weightBps, amount }]
 */
export function splitFee(parameters: SplitFeeParameters): FeeSplit {
  const { fee } = parameters;
  const executorAmount = (fee * BigInt(parameters.executorFeeBps)) / BPS;
  const modelShare = (fee * BigInt(parameters.modelFeeBps)) / BPS;
  const dataShare =
    (fee *
      (BPS -
        BigInt(parameters.protocolFeeBps) -
        BigInt(parameters.executorFeeBps) -
        BigInt(parameters.modelFeeBps))) /
    BPS;

  const recipients = validRevenueShares(parameters.modelRecipients);
  const modelOwners = recipients.map((r) => ({ ...r, amount: (modelShare * r.weightBps) / BPS }));
  const contributors = parameters.attributions.map((a) => ({
    contributionId: a.contributionId,
    payee: a.payee,
    weightBps: a.weightBps,
    amount: (dataShare * BigInt(a.weightBps)) / BPS,
  }));
  const attributedBps = parameters.attributions.reduce((sum, a) => sum + BigInt(a.weightBps), 0n);
  const unattributed = (dataShare * (BPS - attributedBps)) / BPS;
  const datanetBps = new Map<bigint, bigint>();
  if (unattributed !== 0n) {
    for (const a of parameters.attributions) {
      datanetBps.set(a.datanetId, (datanetBps.get(a.datanetId) ?? 0n) + BigInt(a.weightBps));
    }
  }
  const ownerOf = new Map(parameters.datanets.map((d) => [d.datanetId, d.owner]));
  const datanetOwners = [...datanetBps]
    .map(([datanetId, bps]) => ({
      datanetId,
      owner: ownerOf.get(datanetId) ?? zeroAddress,
      amount: (unattributed * bps) / attributedBps,
    }))
    .filter((d) => d.owner !== zeroAddress);

  const model = sum(modelOwners);
  const attributed = sum(contributors);
  const unattributedAmount = sum(datanetOwners);
  const treasury = fee - executorAmount - model - attributed - unattributedAmount;
  return {
    fee,
    treasury: { account: parameters.treasury, amount: treasury },
    executor: { account: parameters.executor, amount: executorAmount },
    modelOwners,
    contributors,
    datanetOwners,
    totals: {
      treasury,
      executor: executorAmount,
      model,
      dataShare,
      attributed,
      unattributed: unattributedAmount,
    },
  };
}

/** `InferenceMarket._revenueShares`: an answer with a zero account or weights above 100 % counts as none. */
function validRevenueShares(recipients: SplitFeeParameters["modelRecipients"]) {
  if (recipients.some((r) => r.account === zeroAddress)) return [];
  if (recipients.reduce((total, r) => total + r.weightBps, 0n) > BPS) return [];
  return recipients;
}

function sum(parts: readonly { amount: bigint }[]): bigint {
  return parts.reduce((total, p) => total + p.amount, 0n);
}
