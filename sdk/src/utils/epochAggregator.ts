import { type Address, getAddress, type Hex } from "viem";
import type { EpochReport, Voucher } from "../eip712.js";
import { BaseError } from "../errors/base.js";
import { createEpochTree, type EpochTree } from "./epochTree.js";
import { type SplitFeeParameters, splitFee } from "./feeSplit.js";

/** One metered call served in the epoch, with the attribution every keeper computes for it. */
export type MeteredCall = {
  requester: Address;
  /** The keeper that served it: the call's channel and its executor share. */
  keeper: Address;
  /** OPEN wei (`quoteCall` with the call's token counts). */
  cost: bigint;
  /** As `splitFee` takes them: the model's revenue shares, the attributions, their datanets' owners. */
  modelRecipients: SplitFeeParameters["modelRecipients"];
  attributions: SplitFeeParameters["attributions"];
  datanets: SplitFeeParameters["datanets"];
};

/** A channel's latest voucher this epoch, its requester's signature and what the ledger settled before. */
export type EpochChannel = { voucher: Voucher; signature: Hex; settledSpend: bigint };

export type AggregateEpochParameters = {
  /** `epochCount() + 1`. */
  epoch: bigint;
  /** The tree of the latest accepted (not voided) epoch; none before the first. */
  previous?: EpochTree | undefined;
  /** `UsageLedger.totalSpent()` before this epoch. */
  totalSpent: bigint;
  /**
   * Calls whose spend was debited in a voided epoch: their earnings are owed but no voucher
   * pays for them again.
   */
  carriedCalls?: readonly MeteredCall[] | undefined;
  calls: readonly MeteredCall[];
  /** One per channel with calls, in the order the report lists them (the ledger debits in this order). */
  channels: readonly EpochChannel[];
  /** `UsageLedger.balanceOf` of each requester before the epoch. */
  balances: ReadonlyMap<Address, bigint>;
  /** The split in force: the market's fee shares and its treasury (`InferenceMarket.parameters`). */
  split: { protocolFeeBps: number; executorFeeBps: number; modelFeeBps: number; treasury: Address };
  dataURI: string;
};

export type AggregateEpochReturnType = {
  report: EpochReport;
  voucherSignatures: Hex[];
  tree: EpochTree;
  /** Per channel: what its voucher owed and what the balance covered. */
  debits: { requester: Address; keeper: Address; owed: bigint; debited: bigint; shortfall: bigint }[];
};

export type EpochAggregationErrorType = EpochAggregationError;
export class EpochAggregationError extends BaseError {
  override name = "EpochAggregationError";
}

/** `Math.min` for bigints, which it does not take. */
function smaller(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

const channelKey = (requester: Address, keeper: Address) =>
  `${requester.toLowerCase()}:${keeper.toLowerCase()}`;

/**
 * Aggregates an epoch's metered calls into the UsageLedger's epoch report: debits each channel
 * as the ledger will (its voucher's increase, capped at what the requester's balance still
 * holds, channel after channel), pays each call's cost — the covered part, calls in order —
 * with `splitFee` (the market's split), adds it to the previous cumulative earnings and builds
 * the cumulative tree. The report's totals then match what `submitEpoch` checks; sign it with
 * `signEpochReport` and publish `tree.toJSON()` at `dataURI`.
 *
 * @example
 * const { report, voucherSignatures, tree } = aggregateEpoch({ epoch, previous, totalSpent, calls, channels, balances, split, dataURI })
 */
export function aggregateEpoch(parameters: AggregateEpochParameters): AggregateEpochReturnType {
  const { calls, channels, split } = parameters;
  const callsOf = new Map<string, MeteredCall[]>();
  for (const call of calls) {
    if (call.cost < 0n) throw new EpochAggregationError(`A call of ${call.requester} has a negative cost.`);
    const key = channelKey(call.requester, call.keeper);
    const list = callsOf.get(key);
    if (list) list.push(call);
    else callsOf.set(key, [call]);
  }

  const balances = new Map<string, bigint>();
  for (const [account, balance] of parameters.balances) balances.set(account.toLowerCase(), balance);
  // Keyed by lower-case address: checksumming every credit would hash the address each time.
  const earnings = new Map<string, bigint>();
  for (const entry of parameters.previous?.entries ?? []) {
    earnings.set(entry.account.toLowerCase(), entry.cumulative);
  }
  const credit = (call: MeteredCall, paid: bigint) => {
    if (paid === 0n) return;
    const parts = splitFee({ ...split, fee: paid, executor: call.keeper, ...call });
    const add = (account: Address, amount: bigint) => {
      if (amount === 0n) return;
      const key = account.toLowerCase();
      earnings.set(key, (earnings.get(key) ?? 0n) + amount);
    };
    add(parts.treasury.account, parts.treasury.amount);
    add(parts.executor.account, parts.executor.amount);
    for (const m of parts.modelOwners) add(m.account, m.amount);
    for (const c of parts.contributors) add(c.payee, c.amount);
    for (const d of parts.datanetOwners) add(d.owner, d.amount);
  };

  let carried = 0n;
  for (const call of parameters.carriedCalls ?? []) {
    credit(call, call.cost);
    carried += call.cost;
  }

  const debits: AggregateEpochReturnType["debits"] = [];
  const seen = new Set<string>();
  let spend = 0n;
  for (const { voucher, settledSpend } of channels) {
    const key = channelKey(voucher.requester, voucher.keeper);
    if (seen.has(key)) {
      throw new EpochAggregationError(`Channel ${voucher.requester} → ${voucher.keeper} is listed twice.`);
    }
    seen.add(key);
    const owed = voucher.cumulativeSpend - settledSpend;
    const served = callsOf.get(key) ?? [];
    const cost = served.reduce((total, call) => total + call.cost, 0n);
    if (owed <= 0n || owed !== cost) {
      throw new EpochAggregationError(
        `The voucher of ${voucher.requester} → ${voucher.keeper} spends ${owed}; its calls cost ${cost}.`,
        {
          details:
            "A channel's latest voucher must cover exactly the calls it served since the last settlement.",
        },
      );
    }
    const requester = voucher.requester.toLowerCase();
    const balance = balances.get(requester) ?? 0n;
    const debited = smaller(owed, balance);
    balances.set(requester, balance - debited);
    let left = debited;
    for (const call of served) {
      const paid = smaller(call.cost, left);
      credit(call, paid);
      left -= paid;
    }
    spend += debited;
    debits.push({
      requester: voucher.requester,
      keeper: voucher.keeper,
      owed,
      debited,
      shortfall: owed - debited,
    });
  }
  for (const key of callsOf.keys()) {
    if (!seen.has(key)) throw new EpochAggregationError(`Calls on channel ${key} have no voucher.`);
  }

  const tree = createEpochTree(
    new Map([...earnings].map(([account, amount]) => [getAddress(account), amount])),
  );
  const cumulativeTotal = parameters.totalSpent + spend;
  if (tree.cumulativeTotal !== cumulativeTotal) {
    throw new EpochAggregationError(
      `The tree sums to ${tree.cumulativeTotal}; the ledger will have debited ${cumulativeTotal}.`,
      {
        details:
          `Carried ${carried}. The previous tree and the carried calls of voided epochs must account for ` +
          "everything debited before this epoch.",
      },
    );
  }
  return {
    report: {
      epoch: parameters.epoch,
      root: tree.root,
      cumulativeTotal,
      spend,
      calls: BigInt(calls.length),
      dataURI: parameters.dataURI,
      vouchers: channels.map((c) => c.voucher),
    },
    voucherSignatures: channels.map((c) => c.signature),
    tree,
    debits,
  };
}
