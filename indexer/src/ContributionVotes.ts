import { ponder } from "ponder:registry";
import { setAccount } from "./lib/accounts.js";

ponder.on("ContributionVotes:DelegateVotesChanged", async ({ event, context }) => {
  await setAccount(context.db, event.args.delegate, { votes: event.args.newVotes });
});

ponder.on("ContributionVotes:DelegateChanged", async ({ event, context }) => {
  await setAccount(context.db, event.args.delegator, { delegate: event.args.toDelegate });
});
