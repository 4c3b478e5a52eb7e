import { ponder } from "ponder:registry";
import { claim } from "ponder:schema";
import { addToAccount } from "./lib/accounts.js";

ponder.on("RewardVault:Credited", async ({ event, context }) => {
  await addToAccount(context.db, event.args.account, { credited: event.args.amount });
});

ponder.on("RewardVault:Claimed", async ({ event, context }) => {
  const { account, to, amount } = event.args;
  await context.db
    .insert(claim)
    .values({ id: event.id, account, to, amount, timestamp: event.block.timestamp });
  await addToAccount(context.db, account, { claimed: amount });
});
