import { ponder } from "ponder:registry";
import { agent, agentSlash } from "ponder:schema";

// Names of IAgentRegistry.SlashReason, in declaration order.
const slashReasons = [
  "underperformance",
  "misrepresentation",
  "malicious-behaviour",
  "fraud",
  "policy-violation",
];

ponder.on("AgentRegistry:AgentRegistered", async ({ event, context }) => {
  const { agentId, owner, stake, modelIds, metadataURI } = event.args;
  await context.db.insert(agent).values({
    id: agentId,
    owner,
    stake,
    status: "active",
    modelIds: [...modelIds],
    metadataUri: metadataURI,
    registeredAt: event.block.timestamp,
  });
});

ponder.on("AgentRegistry:AgentStakeIncreased", async ({ event, context }) => {
  await context.db.update(agent, { id: event.args.agentId }).set({ stake: event.args.totalStake });
});

ponder.on("AgentRegistry:AgentModelsUpdated", async ({ event, context }) => {
  await context.db.update(agent, { id: event.args.agentId }).set({ modelIds: [...event.args.modelIds] });
});

ponder.on("AgentRegistry:AgentMetadataUpdated", async ({ event, context }) => {
  await context.db.update(agent, { id: event.args.agentId }).set({ metadataUri: event.args.metadataURI });
});

ponder.on("AgentRegistry:AgentUnbondingRequested", async ({ event, context }) => {
  await context.db
    .update(agent, { id: event.args.agentId })
    .set({ status: "unbonding", unbondingEndsAt: BigInt(event.args.unbondingEndsAt) });
});

ponder.on("AgentRegistry:AgentWithdrawn", async ({ event, context }) => {
  await context.db
    .update(agent, { id: event.args.agentId })
    .set((row) => ({ stake: row.stake - event.args.amount, status: "withdrawn" }));
});

ponder.on("AgentRegistry:AgentSlashed", async ({ event, context }) => {
  const { agentId, reason, amount, evidenceURI } = event.args;
  await context.db
    .update(agent, { id: agentId })
    .set((row) => ({ stake: row.stake - amount, slashedTotal: row.slashedTotal + amount }));
  await context.db.insert(agentSlash).values({
    id: event.id,
    agentId,
    reason: slashReasons[Number(reason)] ?? `reason-${reason}`,
    amount,
    evidenceUri: evidenceURI,
    timestamp: event.block.timestamp,
  });
});
