import { type Context, ponder } from "ponder:registry";
import { dispute, equivocationProof, inferenceRequest } from "ponder:schema";
import { and, desc, eq } from "ponder";
import { isAddressEqual } from "viem";

// The court holds at most one unexecuted dispute per request; its events name only the request.
async function openDispute(context: Context, requestId: bigint) {
  const [row] = await context.db.sql
    .select({ round: dispute.round })
    .from(dispute)
    .where(and(eq(dispute.requestId, requestId), eq(dispute.executed, false)));
  if (!row) throw new Error(`ReportCourt: no open dispute of request ${requestId} is indexed`);
  return { requestId, round: row.round };
}

ponder.on("ReportCourt:DisputeOpened", async ({ event, context }) => {
  const { requestId, round, disputer, bond, evidenceURI } = event.args;
  // The market's ReportDisputed comes first in the same transaction; the request still names the report.
  const request = await context.db.find(inferenceRequest, { id: requestId });
  const opened = await context.client.readContract({
    address: event.log.address,
    abi: context.contracts.ReportCourt.abi,
    functionName: "getDispute",
    args: [requestId],
  });
  // As of the end of the block: the periods in force when this dispute opened.
  const resolveBy =
    opened.round === round && isAddressEqual(opened.disputer, disputer) ? BigInt(opened.resolveBy) : null;
  await context.db.insert(dispute).values({
    requestId,
    round: Number(round),
    disputer,
    bond,
    evidenceUri: evidenceURI,
    reportDigest: request?.reportDigest ?? null,
    ruling: "none",
    resolveBy,
    executableAt: resolveBy,
    openedAt: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("ReportCourt:DisputeRuled", async ({ event, context }) => {
  const { requestId, upheld, by, executableAt } = event.args;
  await context.db.update(dispute, await openDispute(context, requestId)).set({
    ruling: upheld ? "upheld" : "rejected",
    ruledBy: by,
    executableAt: BigInt(executableAt),
    ruledAt: event.block.timestamp,
  });
});

ponder.on("ReportCourt:DisputeExecuted", async ({ event, context }) => {
  const { requestId, upheld, slashed } = event.args;
  await context.db.update(dispute, await openDispute(context, requestId)).set((row) => ({
    executed: true,
    upheld,
    outcome: upheld ? "upheld" : row.ruling === "none" ? "timed_out" : "rejected",
    slashedTotal: slashed,
    executedAt: event.block.timestamp,
  }));
});

// Follows DisputeExecuted in the same transaction: the dispute is the request's latest executed one.
ponder.on("ReportCourt:BondForfeited", async ({ event, context }) => {
  const { requestId, executor, executorAmount, treasuryAmount } = event.args;
  const [row] = await context.db.sql
    .select({ round: dispute.round })
    .from(dispute)
    .where(and(eq(dispute.requestId, requestId), eq(dispute.executed, true)))
    .orderBy(desc(dispute.round))
    .limit(1);
  if (!row) throw new Error(`ReportCourt: no executed dispute of request ${requestId} is indexed`);
  await context.db.update(dispute, { requestId, round: row.round }).set({
    bondForfeitedTo: executor,
    bondExecutorAmount: executorAmount,
    bondTreasuryAmount: treasuryAmount,
  });
});

ponder.on("ReportCourt:EquivocationProven", async ({ event, context }) => {
  const { requestId, round, keeper, digestA, digestB, prover, slashed } = event.args;
  await context.db.insert(equivocationProof).values({
    id: event.id,
    requestId,
    round: Number(round),
    keeper,
    digestA,
    digestB,
    prover,
    slashed,
    timestamp: event.block.timestamp,
  });
});
