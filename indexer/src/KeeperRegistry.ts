import { ponder } from "ponder:registry";
import { keeper, slash } from "ponder:schema";

// Signer-set membership follows the events: a stake always leaves the keeper active (the registry
// refuses one below the minimum), and every way out (unbonding, or KeeperDeactivated when a slash
// or a raised minimum leaves it below the minimum) is an event.
ponder.on("KeeperRegistry:KeeperStaked", async ({ event, context }) => {
  const { keeper: address, totalStake } = event.args;
  await context.db
    .insert(keeper)
    .values({ address, stake: totalStake, status: "staked", active: true, joinedAt: event.block.timestamp })
    .onConflictDoUpdate({ stake: totalStake, status: "staked", active: true, unbondingEndsAt: null });
});

ponder.on("KeeperRegistry:KeeperUnbondingRequested", async ({ event, context }) => {
  await context.db
    .update(keeper, { address: event.args.keeper })
    .set({ status: "unbonding", active: false, unbondingEndsAt: BigInt(event.args.unbondingEndsAt) });
});

ponder.on("KeeperRegistry:KeeperWithdrawn", async ({ event, context }) => {
  await context.db
    .update(keeper, { address: event.args.keeper })
    .set((row) => ({ stake: row.stake - event.args.amount, status: "withdrawn", active: false }));
});

// A slash emits KeeperDeactivated (with the stake left) before KeeperSlashed, which updates the stake.
ponder.on("KeeperRegistry:KeeperDeactivated", async ({ event, context }) => {
  await context.db.update(keeper, { address: event.args.keeper }).set({ active: false });
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

// The court (for a dispute) or the guardian can freeze any account; one that never staked has no row.
ponder.on("KeeperRegistry:KeeperFrozenUntil", async ({ event, context }) => {
  const { keeper: address, frozenUntil } = event.args;
  const row = await context.db.find(keeper, { address });
  if (row) await context.db.update(keeper, { address }).set({ frozenUntil: BigInt(frozenUntil) });
});

ponder.on("KeeperRegistry:KeeperUnfrozen", async ({ event, context }) => {
  const row = await context.db.find(keeper, { address: event.args.keeper });
  if (row) await context.db.update(keeper, { address: event.args.keeper }).set({ frozenUntil: null });
});
