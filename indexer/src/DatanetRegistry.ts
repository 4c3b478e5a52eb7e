import { ponder } from "ponder:registry";
import { accessGrant, contribution, curator, datanet } from "ponder:schema";
import { addToAccount } from "./lib/accounts.js";

ponder.on("DatanetRegistry:DatanetCreated", async ({ event, context }) => {
  const { datanetId, owner, metadataURI, contributionBond, accessFee, reviewTimeout } = event.args;
  await context.db.insert(datanet).values({
    id: datanetId,
    owner,
    metadataUri: metadataURI,
    contributionBond,
    accessFee,
    reviewTimeout: BigInt(reviewTimeout),
    createdAt: event.block.timestamp,
  });
});

ponder.on("DatanetRegistry:DatanetUpdated", async ({ event, context }) => {
  const { datanetId, metadataURI, contributionBond, accessFee, reviewTimeout } = event.args;
  await context.db
    .update(datanet, { id: datanetId })
    .set({ metadataUri: metadataURI, contributionBond, accessFee, reviewTimeout: BigInt(reviewTimeout) });
});

ponder.on("DatanetRegistry:DatanetOwnershipTransferred", async ({ event, context }) => {
  await context.db.update(datanet, { id: event.args.datanetId }).set({ owner: event.args.newOwner });
});

ponder.on("DatanetRegistry:CuratorAdded", async ({ event, context }) => {
  const { datanetId, curator: account } = event.args;
  await context.db
    .insert(curator)
    .values({ datanetId, account, active: true })
    .onConflictDoUpdate({ active: true });
  await context.db.update(datanet, { id: datanetId }).set((row) => ({ curatorCount: row.curatorCount + 1 }));
});

ponder.on("DatanetRegistry:CuratorRemoved", async ({ event, context }) => {
  const { datanetId, curator: account } = event.args;
  await context.db.update(curator, { datanetId, account }).set({ active: false });
  await context.db.update(datanet, { id: datanetId }).set((row) => ({ curatorCount: row.curatorCount - 1 }));
});

ponder.on("DatanetRegistry:ContributionSubmitted", async ({ event, context }) => {
  const { contributionId, datanetId, contributor, contentHash, uri, bond } = event.args;
  await context.db.insert(contribution).values({
    id: contributionId,
    datanetId,
    contributor,
    payee: contributor,
    contentHash,
    uri,
    bond,
    status: "pending",
    submittedAt: event.block.timestamp,
  });
  await context.db
    .update(datanet, { id: datanetId })
    .set((row) => ({ contributionCount: row.contributionCount + 1 }));
  await addToAccount(context.db, contributor, { contributionCount: 1 });
});

ponder.on("DatanetRegistry:ContributionAccepted", async ({ event, context }) => {
  const { contributionId, datanetId, curator: reviewer } = event.args;
  const row = await context.db
    .update(contribution, { id: contributionId })
    .set({ status: "accepted", reviewedBy: reviewer, reviewedAt: event.block.timestamp });
  await context.db.update(datanet, { id: datanetId }).set((d) => ({ acceptedCount: d.acceptedCount + 1 }));
  await addToAccount(context.db, row.contributor, { acceptedCount: 1 });
});

ponder.on("DatanetRegistry:ContributionRejected", async ({ event, context }) => {
  const { contributionId, curator: reviewer, slashedBond } = event.args;
  await context.db
    .update(contribution, { id: contributionId })
    .set({ status: "rejected", reviewedBy: reviewer, reviewedAt: event.block.timestamp, slashedBond });
});

ponder.on("DatanetRegistry:ContributionWithdrawn", async ({ event, context }) => {
  await context.db.update(contribution, { id: event.args.contributionId }).set({ status: "withdrawn" });
});

ponder.on("DatanetRegistry:PayeeChanged", async ({ event, context }) => {
  await context.db
    .update(contribution, { id: event.args.contributionId })
    .set({ payee: event.args.newPayee });
});

ponder.on("DatanetRegistry:AccessRequested", async ({ event, context }) => {
  const { datanetId, account, fee } = event.args;
  const at = event.block.timestamp;
  await context.db
    .insert(accessGrant)
    .values({ datanetId, account, status: "requested", fee, requestedAt: at, updatedAt: at })
    .onConflictDoUpdate({ status: "requested", fee, requestedAt: at, updatedAt: at });
});

ponder.on("DatanetRegistry:AccessGranted", async ({ event, context }) => {
  const { datanetId, account, fee } = event.args;
  const at = event.block.timestamp;
  await context.db
    .insert(accessGrant)
    .values({ datanetId, account, status: "granted", fee, updatedAt: at })
    .onConflictDoUpdate({ status: "granted", fee, updatedAt: at });
  await context.db.update(datanet, { id: datanetId }).set((row) => ({
    accessGrantCount: row.accessGrantCount + 1,
    accessRevenue: row.accessRevenue + fee,
  }));
});

ponder.on("DatanetRegistry:AccessDenied", async ({ event, context }) => {
  const { datanetId, account } = event.args;
  await context.db
    .update(accessGrant, { datanetId, account })
    .set({ status: "denied", updatedAt: event.block.timestamp });
});

ponder.on("DatanetRegistry:AccessRequestCancelled", async ({ event, context }) => {
  const { datanetId, account } = event.args;
  await context.db
    .update(accessGrant, { datanetId, account })
    .set({ status: "cancelled", updatedAt: event.block.timestamp });
});

ponder.on("DatanetRegistry:AccessRevoked", async ({ event, context }) => {
  const { datanetId, account } = event.args;
  await context.db
    .update(accessGrant, { datanetId, account })
    .set({ status: "revoked", updatedAt: event.block.timestamp });
});
