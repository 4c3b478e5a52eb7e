import { ponder } from "ponder:registry";
import { ledgerAccount, ledgerChannel, ledgerClaim, ledgerEpoch, ledgerPrice } from "ponder:schema";

// Deposited carries the balance after it, so the row never drifts from the ledger's.
ponder.on("UsageLedger:Deposited", async ({ event, context }) => {
  const { account, amount, balance } = event.args;
  await context.db
    .insert(ledgerAccount)
    .values({ address: account, balance, deposited: amount })
    .onConflictDoUpdate((row) => ({ balance, deposited: row.deposited + amount }));
});

ponder.on("UsageLedger:WithdrawalRequested", async ({ event, context }) => {
  const { account, amount, unlockAt } = event.args;
  const unlock = amount === 0n ? null : BigInt(unlockAt);
  await context.db
    .insert(ledgerAccount)
    .values({ address: account, pendingWithdrawal: amount, withdrawalUnlockAt: unlock })
    .onConflictDoUpdate({ pendingWithdrawal: amount, withdrawalUnlockAt: unlock });
});

ponder.on("UsageLedger:Withdrawn", async ({ event, context }) => {
  const { account, amount } = event.args;
  await context.db.update(ledgerAccount, { address: account }).set((row) => ({
    balance: row.balance - amount,
    withdrawn: row.withdrawn + amount,
    pendingWithdrawal: 0n,
    withdrawalUnlockAt: null,
  }));
});

ponder.on("UsageLedger:PriceSet", async ({ event, context }) => {
  const { modelId, perRequest, perInputToken, perOutputToken } = event.args;
  const price = { perRequest, perInputToken, perOutputToken, updatedAt: event.block.timestamp };
  await context.db
    .insert(ledgerPrice)
    .values({ modelId, ...price })
    .onConflictDoUpdate(price);
});

// The ledger emits every VoucherSettled of a report before its EpochSubmitted.
ponder.on("UsageLedger:VoucherSettled", async ({ event, context }) => {
  const { epoch, requester, keeper, cumulativeSpend, debited, shortfall } = event.args;
  await context.db
    .insert(ledgerChannel)
    .values({
      requester,
      keeper,
      settledSpend: cumulativeSpend,
      debited,
      shortfall,
      lastEpoch: BigInt(epoch),
    })
    .onConflictDoUpdate((row) => ({
      settledSpend: cumulativeSpend,
      debited: row.debited + debited,
      shortfall: row.shortfall + shortfall,
      lastEpoch: BigInt(epoch),
    }));
  await context.db
    .insert(ledgerAccount)
    .values({ address: requester, spent: debited })
    .onConflictDoUpdate((row) => ({ balance: row.balance - debited, spent: row.spent + debited }));
});

ponder.on("UsageLedger:EpochSubmitted", async ({ event, context }) => {
  const { epoch, root, cumulativeTotal, spend, calls, dataURI, submitter, signers, challengeEndsAt } =
    event.args;
  await context.db.insert(ledgerEpoch).values({
    epoch: BigInt(epoch),
    root,
    cumulativeTotal,
    spend,
    calls: BigInt(calls),
    dataUri: dataURI,
    submitter,
    signers: [...signers],
    challengeEndsAt: BigInt(challengeEndsAt),
    status: "pending",
    submittedAt: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("UsageLedger:EpochDisputed", async ({ event, context }) => {
  await context.db.update(ledgerEpoch, { epoch: BigInt(event.args.epoch) }).set({ status: "disputed" });
});

ponder.on("UsageLedger:EpochDisputeExecuted", async ({ event, context }) => {
  await context.db
    .update(ledgerEpoch, { epoch: BigInt(event.args.epoch) })
    .set({ status: event.args.upheld ? "voided" : "kept" });
});

ponder.on("UsageLedger:Claimed", async ({ event, context }) => {
  const { account, epoch, amount, cumulative } = event.args;
  await context.db.insert(ledgerClaim).values({
    id: event.id,
    account,
    epoch: BigInt(epoch),
    amount,
    cumulative,
    timestamp: event.block.timestamp,
  });
  await context.db
    .insert(ledgerAccount)
    .values({ address: account, claimed: amount })
    .onConflictDoUpdate((row) => ({ claimed: row.claimed + amount }));
});
