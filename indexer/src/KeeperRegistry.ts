import { ponder } from "ponder:registry";
import { keeper, slash } from "ponder:schema";

ponder.on("KeeperRegistry:KeeperStaked", async ({ event, context }) => {
  const { keeper: address, totalStake } = event.args;
  await context.db
    .insert(keeper)
    .values({ address, stake: totalStake, status: "active", joinedAt: event.block.timestamp })
    .onConflictDoUpdate({ stake: totalStake, status: "active", unbondingEndsAt: null });
});

ponder.on("KeeperRegistry:KeeperUnbondingRequested", async ({ event, context }) => {
  await context.db
    .update(keeper, { address: event.args.keeper })
    .set({ status: "unbonding", unbondingEndsAt: BigInt(event.args.unbondingEndsAt) });
});

ponder.on("KeeperRegistry:KeeperWithdrawn", async ({ event, context }) => {
  await context.db
    .update(keeper, { address: event.args.keeper })
    .set((row) => ({ stake: row.stake - event.args.amount, status: "withdrawn" }));
});

ponder.on("KeeperRegistry:KeeperSlashed", async ({ event, context }) => {
  const { keeper: address, amount, challenger, challengerReward } = event.args;
  await context.db
    .update(keeper, { address })
    .set((row) => ({ stake: row.stake - amount, slashedTotal: row.slashedTotal + amount }));
  await context.db.insert(slash).values({
    id: event.id,
    keeper: address,
    amount,
    challenger,
    challengerReward,
    timestamp: event.block.timestamp,
  });
});
