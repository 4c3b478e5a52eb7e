import { ponder } from "ponder:registry";
import {
  attribution,
  contribution,
  datanet,
  earning,
  inferenceRequest,
  keeper,
  model,
  report,
} from "ponder:schema";
import { addToAccount } from "./lib/accounts.js";

ponder.on("InferenceMarket:InferenceRequested", async ({ event, context }) => {
  const { requestId, requester, modelId, inputHash, inputURI, fee, deadline } = event.args;
  await context.db.insert(inferenceRequest).values({
    id: requestId,
    requester,
    modelId,
    inputHash,
    inputUri: inputURI,
    fee,
    deadline: BigInt(deadline),
    status: "open",
    requestedAt: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await context.db.update(model, { id: modelId }).set((row) => ({ requestCount: row.requestCount + 1 }));
});

ponder.on("InferenceMarket:ReportSubmitted", async ({ event, context }) => {
  const { requestId, digest, executor, report: submitted, signers, challengeEndsAt } = event.args;
  await context.db.insert(report).values({
    digest,
    requestId,
    modelId: submitted.modelId,
    executor,
    outputHash: submitted.outputHash,
    outputUri: submitted.outputURI,
    round: Number(submitted.round),
    attributionVersion: Number(submitted.attributionVersion),
    signers: [...signers],
    status: "pending",
    submittedAt: event.block.timestamp,
  });
  if (submitted.attributions.length > 0) {
    // The market records each contribution's payee as of this report; so does the index.
    const payees = await Promise.all(
      submitted.attributions.map(
        async (a) => (await context.db.find(contribution, { id: a.contributionId }))?.payee ?? null,
      ),
    );
    await context.db.insert(attribution).values(
      submitted.attributions.map((a, i) => ({
        reportDigest: digest,
        contributionId: a.contributionId,
        requestId,
        weightBps: Number(a.weightBps),
        payee: payees[i] ?? null,
      })),
    );
  }
  await context.db.update(inferenceRequest, { id: requestId }).set({
    status: "reported",
    round: Number(submitted.round),
    executor,
    reportDigest: digest,
    challengeEndsAt: BigInt(challengeEndsAt),
  });
  for (const signer of signers) {
    const row = await context.db.find(keeper, { address: signer });
    if (row) {
      await context.db.update(keeper, { address: signer }).set({
        reportsSigned: row.reportsSigned + 1,
        reportsExecuted: row.reportsExecuted + (signer === executor ? 1 : 0),
      });
    }
  }
});

// A challenge emits RequestReopened (which voids the report and reopens the request) before
// ReportChallenged; an upheld dispute emits DisputeSettled before RequestReopened.
ponder.on("InferenceMarket:ReportChallenged", async ({ event, context }) => {
  const { challenger, voidedDigest } = event.args;
  await context.db.update(report, { digest: voidedDigest }).set({ status: "voided", challenger });
});

ponder.on("InferenceMarket:RequestReopened", async ({ event, context }) => {
  const { requestId, round, deadline } = event.args;
  const request = await context.db.find(inferenceRequest, { id: requestId });
  if (request?.reportDigest) {
    await context.db.update(report, { digest: request.reportDigest }).set({ status: "voided" });
  }
  await context.db.update(inferenceRequest, { id: requestId }).set({
    status: "open",
    round: Number(round),
    deadline: BigInt(deadline),
    executor: null,
    reportDigest: null,
    challengeEndsAt: null,
  });
});

ponder.on("InferenceMarket:ReportDisputed", async ({ event, context }) => {
  const { requestId, digest } = event.args;
  await context.db.update(report, { digest }).set({ status: "disputed" });
  await context.db.update(inferenceRequest, { id: requestId }).set({ status: "disputed" });
});

ponder.on("InferenceMarket:DisputeSettled", async ({ event, context }) => {
  const { requestId, upheld } = event.args;
  // Upheld: RequestReopened follows in the same transaction and voids the report.
  if (upheld) return;
  // Rejected: the report stands and can be finalized at once.
  const request = await context.db.update(inferenceRequest, { id: requestId }).set({
    status: "reported",
    challengeEndsAt: event.block.timestamp,
  });
  if (request.reportDigest) {
    await context.db.update(report, { digest: request.reportDigest }).set({ status: "pending" });
  }
});

ponder.on("InferenceMarket:RequestFinalized", async ({ event, context }) => {
  const { requestId, modelId, executor, fee } = event.args;
  const { treasuryAmount, executorAmount, modelAmount, attributedAmount, unattributedAmount } = event.args;
  const request = await context.db.update(inferenceRequest, { id: requestId }).set({
    status: "finalized",
    treasuryAmount,
    executorAmount,
    modelAmount,
    attributedAmount,
    unattributedAmount,
    settledAt: event.block.timestamp,
  });
  if (request.reportDigest) {
    await context.db.update(report, { digest: request.reportDigest }).set({ status: "finalized" });
  }
  await context.db
    .update(model, { id: modelId })
    .set((row) => ({ finalizedCount: row.finalizedCount + 1, feeVolume: row.feeVolume + fee }));
  if (treasuryAmount > 0n) {
    // The treasury is not in the event; read it as of this block (governance can change it).
    const treasury = await context.client.readContract({
      address: event.log.address,
      abi: context.contracts.InferenceMarket.abi,
      functionName: "treasury",
    });
    await context.db.insert(earning).values({
      id: `${event.id}:treasury`,
      account: treasury,
      source: "protocol",
      requestId,
      modelId,
      amount: treasuryAmount,
      timestamp: event.block.timestamp,
    });
    await addToAccount(context.db, treasury, { earnedProtocol: treasuryAmount });
  }
  if (executorAmount > 0n) {
    await context.db.insert(earning).values({
      id: `${event.id}:executor`,
      account: executor,
      source: "keeper",
      requestId,
      modelId,
      amount: executorAmount,
      timestamp: event.block.timestamp,
    });
    await addToAccount(context.db, executor, { earnedKeeper: executorAmount });
  }
});

ponder.on("InferenceMarket:AttributionPaid", async ({ event, context }) => {
  const { requestId, contributionId, payee, amount } = event.args;
  const request = await context.db.find(inferenceRequest, { id: requestId });
  const paid = await context.db
    .update(contribution, { id: contributionId })
    .set((row) => ({ earned: row.earned + amount, attributionCount: row.attributionCount + 1 }));
  if (request?.reportDigest) {
    await context.db
      .update(attribution, { reportDigest: request.reportDigest, contributionId })
      .set({ payee, amount });
  }
  await context.db
    .update(datanet, { id: paid.datanetId })
    .set((row) => ({ attributedRevenue: row.attributedRevenue + amount }));
  await context.db.insert(earning).values({
    id: event.id,
    account: payee,
    source: "data",
    requestId,
    modelId: request?.modelId ?? 0n,
    datanetId: paid.datanetId,
    contributionId,
    amount,
    timestamp: event.block.timestamp,
  });
  await addToAccount(context.db, payee, { earnedData: amount });
});

ponder.on("InferenceMarket:DatanetRemainderPaid", async ({ event, context }) => {
  const { requestId, datanetId, owner, amount } = event.args;
  const request = await context.db.find(inferenceRequest, { id: requestId });
  await context.db
    .update(datanet, { id: datanetId })
    .set((row) => ({ remainderRevenue: row.remainderRevenue + amount }));
  await context.db.insert(earning).values({
    id: event.id,
    account: owner,
    source: "data",
    requestId,
    modelId: request?.modelId ?? 0n,
    datanetId,
    amount,
    timestamp: event.block.timestamp,
  });
  await addToAccount(context.db, owner, { earnedData: amount });
});

ponder.on("InferenceMarket:ModelRevenuePaid", async ({ event, context }) => {
  const { requestId, modelId, recipient, amount } = event.args;
  await context.db.update(model, { id: modelId }).set((row) => ({ modelRevenue: row.modelRevenue + amount }));
  await context.db.insert(earning).values({
    id: event.id,
    account: recipient,
    source: "model",
    requestId,
    modelId,
    amount,
    timestamp: event.block.timestamp,
  });
  await addToAccount(context.db, recipient, { earnedModel: amount });
});

ponder.on("InferenceMarket:RequestRefunded", async ({ event, context }) => {
  const request = await context.db
    .update(inferenceRequest, { id: event.args.requestId })
    .set({ status: "refunded", settledAt: event.block.timestamp });
  await context.db
    .update(model, { id: request.modelId })
    .set((row) => ({ refundedCount: row.refundedCount + 1 }));
});
