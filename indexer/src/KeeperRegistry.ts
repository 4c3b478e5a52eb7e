import { type Context, ponder } from "ponder:registry";
import { keeper, slash } from "ponder:schema";
import type { Address } from "viem";

// Membership of the signer set also depends on the minimum stake, so it is read from the
// registry (as of the event's block) after every change of a keeper.
async function refreshActive(context: Context, address: Address) {
  const active = await context.client.readContract({
    address: context.contracts.KeeperRegistry.address as Address,
    abi: context.contracts.KeeperRegistry.abi,
    functionName: "isActive",
    args: [address],
  });
  await context.db.update(keeper, { address }).set({ active });
}

ponder.on("KeeperRegistry:KeeperStaked", async ({ event, context }) => {
  const { keeper: address, totalStake } = event.args;
  await context.db
    .insert(keeper)
    .values({ address, stake: totalStake, status: "staked", active: false, joinedAt: event.block.timestamp })
    .onConflictDoUpdate({ stake: totalStake, status: "staked", unbondingEndsAt: null });
  await refreshActive(context, address);
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
  await refreshActive(context, address);
});
