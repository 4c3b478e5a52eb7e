import { ponder } from "ponder:registry";
import { proposal, vote } from "ponder:schema";

ponder.on("OpenGovernor:ProposalCreated", async ({ event, context }) => {
  const { proposalId, proposer, targets, voteStart, voteEnd, description } = event.args;
  await context.db.insert(proposal).values({
    id: proposalId,
    proposer,
    description,
    targets: [...targets],
    voteStart,
    voteEnd,
    createdAt: event.block.timestamp,
  });
});

async function recordVote(
  context: Parameters<Parameters<typeof ponder.on<"OpenGovernor:VoteCast">>[1]>[0]["context"],
  args: { voter: `0x${string}`; proposalId: bigint; support: number; weight: bigint; reason: string },
  timestamp: bigint,
) {
  const { voter, proposalId, support, weight, reason } = args;
  await context.db.insert(vote).values({ proposalId, voter, support, weight, reason, timestamp });
  await context.db.update(proposal, { id: proposalId }).set((row) => ({
    forVotes: row.forVotes + (support === 1 ? weight : 0n),
    againstVotes: row.againstVotes + (support === 0 ? weight : 0n),
    abstainVotes: row.abstainVotes + (support === 2 ? weight : 0n),
  }));
}

ponder.on("OpenGovernor:VoteCast", async ({ event, context }) => {
  await recordVote(context, event.args, event.block.timestamp);
});

ponder.on("OpenGovernor:VoteCastWithParams", async ({ event, context }) => {
  await recordVote(context, event.args, event.block.timestamp);
});

ponder.on("OpenGovernor:ProposalQueued", async ({ event, context }) => {
  await context.db
    .update(proposal, { id: event.args.proposalId })
    .set({ eta: event.args.etaSeconds, queuedAt: event.block.timestamp });
});

ponder.on("OpenGovernor:ProposalExecuted", async ({ event, context }) => {
  await context.db.update(proposal, { id: event.args.proposalId }).set({ executedAt: event.block.timestamp });
});

ponder.on("OpenGovernor:ProposalCanceled", async ({ event, context }) => {
  await context.db.update(proposal, { id: event.args.proposalId }).set({ canceledAt: event.block.timestamp });
});
