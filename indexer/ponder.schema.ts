import { index, onchainTable, primaryKey, relations } from "ponder";

// Amounts are OPEN in wei (bigint). Statuses are lower-case words of the contracts' enums.

export const datanet = onchainTable(
  "datanet",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    metadataUri: t.text().notNull(),
    contributionBond: t.bigint().notNull(),
    accessFee: t.bigint().notNull(),
    reviewTimeout: t.bigint().notNull(),
    curatorCount: t.integer().notNull().default(0),
    contributionCount: t.integer().notNull().default(0),
    acceptedCount: t.integer().notNull().default(0),
    accessGrantCount: t.integer().notNull().default(0),
    /** Access fees paid to the owner. */
    accessRevenue: t.bigint().notNull().default(0n),
    /** Inference fees paid to this datanet's contributors by attribution. */
    attributedRevenue: t.bigint().notNull().default(0n),
    /** Unattributed data share paid to the datanet owner. */
    remainderRevenue: t.bigint().notNull().default(0n),
    createdAt: t.bigint().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner) }),
);

export const curator = onchainTable(
  "curator",
  (t) => ({
    datanetId: t.bigint().notNull(),
    account: t.hex().notNull(),
    active: t.boolean().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.datanetId, table.account] }) }),
);

export const contribution = onchainTable(
  "contribution",
  (t) => ({
    id: t.bigint().primaryKey(),
    datanetId: t.bigint().notNull(),
    contributor: t.hex().notNull(),
    payee: t.hex().notNull(),
    contentHash: t.hex().notNull(),
    uri: t.text().notNull(),
    bond: t.bigint().notNull(),
    status: t.text().notNull(),
    reviewedBy: t.hex(),
    slashedBond: t.bigint().notNull().default(0n),
    attributionCount: t.integer().notNull().default(0),
    earned: t.bigint().notNull().default(0n),
    submittedAt: t.bigint().notNull(),
    reviewedAt: t.bigint(),
  }),
  (table) => ({
    datanetIdx: index().on(table.datanetId),
    contributorIdx: index().on(table.contributor),
    payeeIdx: index().on(table.payee),
  }),
);

export const accessGrant = onchainTable(
  "access_grant",
  (t) => ({
    datanetId: t.bigint().notNull(),
    account: t.hex().notNull(),
    status: t.text().notNull(),
    fee: t.bigint().notNull(),
    requestedAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.datanetId, table.account] }),
    accountIdx: index().on(table.account),
  }),
);

export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    isComposite: t.boolean().notNull(),
    baseModelId: t.text(),
    adapterHash: t.hex(),
    adapterUri: t.text(),
    manifestRoot: t.hex(),
    datanetIds: t.bigint().array().notNull(),
    pricePerRequest: t.bigint().notNull(),
    metadataUri: t.text().notNull(),
    status: t.text().notNull(),
    delistReason: t.text(),
    requestCount: t.integer().notNull().default(0),
    finalizedCount: t.integer().notNull().default(0),
    refundedCount: t.integer().notNull().default(0),
    /** Sum of the fees of finalized requests. */
    feeVolume: t.bigint().notNull().default(0n),
    /** The model share paid out for this model (to its owner, or to its parts' owners). */
    modelRevenue: t.bigint().notNull().default(0n),
    registeredAt: t.bigint().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner) }),
);

export const modelPart = onchainTable(
  "model_part",
  (t) => ({
    compositeId: t.bigint().notNull(),
    partId: t.bigint().notNull(),
    weightBps: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.compositeId, table.partId] }) }),
);

export const inferenceRequest = onchainTable(
  "inference_request",
  (t) => ({
    id: t.bigint().primaryKey(),
    requester: t.hex().notNull(),
    modelId: t.bigint().notNull(),
    inputHash: t.hex().notNull(),
    inputUri: t.text().notNull(),
    fee: t.bigint().notNull(),
    /** Last timestamp at which a report is accepted; a voided report pushes it past the grace. */
    deadline: t.bigint().notNull(),
    /** open | reported | disputed | finalized | refunded (the SDK's `requestStatuses`) */
    status: t.text().notNull(),
    /** The current round: 0, one more each time a report is voided (`RequestReopened`). */
    round: t.integer().notNull().default(0),
    executor: t.hex(),
    reportDigest: t.hex(),
    challengeEndsAt: t.bigint(),
    treasuryAmount: t.bigint(),
    executorAmount: t.bigint(),
    modelAmount: t.bigint(),
    attributedAmount: t.bigint(),
    unattributedAmount: t.bigint(),
    requestedAt: t.bigint().notNull(),
    settledAt: t.bigint(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ modelIdx: index().on(table.modelId), requesterIdx: index().on(table.requester) }),
);

export const report = onchainTable(
  "report",
  (t) => ({
    digest: t.hex().primaryKey(),
    requestId: t.bigint().notNull(),
    modelId: t.bigint().notNull(),
    executor: t.hex().notNull(),
    outputHash: t.hex().notNull(),
    outputUri: t.text().notNull(),
    /** The request's round this report answered. */
    round: t.integer().notNull(),
    attributionVersion: t.integer().notNull(),
    signers: t.hex().array().notNull(),
    /** pending | disputed | voided (challenged, or its dispute upheld) | finalized */
    status: t.text().notNull(),
    challenger: t.hex(),
    submittedAt: t.bigint().notNull(),
  }),
  (table) => ({ requestIdx: index().on(table.requestId) }),
);

export const attribution = onchainTable(
  "attribution",
  (t) => ({
    reportDigest: t.hex().notNull(),
    contributionId: t.bigint().notNull(),
    requestId: t.bigint().notNull(),
    weightBps: t.integer().notNull(),
    /** The contribution's payee when the report was accepted: the account the market pays. */
    payee: t.hex(),
    /** Set when the request is finalized. */
    amount: t.bigint(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.reportDigest, table.contributionId] }),
    requestIdx: index().on(table.requestId),
    contributionIdx: index().on(table.contributionId),
  }),
);

/** One payment credited to an account by a finalized request. */
export const earning = onchainTable(
  "earning",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    /** data | model | keeper | protocol */
    source: t.text().notNull(),
    requestId: t.bigint().notNull(),
    modelId: t.bigint().notNull(),
    datanetId: t.bigint(),
    contributionId: t.bigint(),
    amount: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({
    accountIdx: index().on(table.account),
    sourceIdx: index().on(table.source),
    requestIdx: index().on(table.requestId),
  }),
);

export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  earnedData: t.bigint().notNull().default(0n),
  earnedModel: t.bigint().notNull().default(0n),
  earnedKeeper: t.bigint().notNull().default(0n),
  /** Protocol share (the treasury account only). */
  earnedProtocol: t.bigint().notNull().default(0n),
  earnedTotal: t.bigint().notNull().default(0n),
  /** Credited in RewardVault; equals earnedTotal. */
  credited: t.bigint().notNull().default(0n),
  claimed: t.bigint().notNull().default(0n),
  contributionCount: t.integer().notNull().default(0),
  acceptedCount: t.integer().notNull().default(0),
  votes: t.bigint().notNull().default(0n),
  delegate: t.hex(),
}));

export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

export const keeper = onchainTable("keeper", (t) => ({
  address: t.hex().primaryKey(),
  stake: t.bigint().notNull(),
  /** staked | unbonding | withdrawn */
  status: t.text().notNull(),
  /** In the signer set: true from KeeperStaked, false from unbonding, withdrawal or KeeperDeactivated (below the minimum stake). */
  active: t.boolean().notNull(),
  unbondingEndsAt: t.bigint(),
  /** Stake cannot be withdrawn before this time (court dispute or guardian); null when never frozen or unfrozen. */
  frozenUntil: t.bigint(),
  slashedTotal: t.bigint().notNull().default(0n),
  reportsExecuted: t.integer().notNull().default(0),
  reportsSigned: t.integer().notNull().default(0),
  joinedAt: t.bigint().notNull(),
}));

export const slash = onchainTable(
  "slash",
  (t) => ({
    id: t.text().primaryKey(),
    keeper: t.hex().notNull(),
    amount: t.bigint().notNull(),
    challenger: t.hex().notNull(),
    challengerReward: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ keeperIdx: index().on(table.keeper) }),
);

/** A dispute at the ReportCourt: one per request and round (a request can be disputed again in a later round). */
export const dispute = onchainTable(
  "dispute",
  (t) => ({
    requestId: t.bigint().notNull(),
    /** The request's round the disputed report belongs to. */
    round: t.integer().notNull(),
    disputer: t.hex().notNull(),
    bond: t.bigint().notNull(),
    evidenceUri: t.text().notNull(),
    reportDigest: t.hex(),
    /** none | upheld | rejected: the ruling in force (governance may override a waiting guardian ruling). */
    ruling: t.text().notNull(),
    ruledBy: t.hex(),
    /** Last moment (exclusive) for a first ruling; an unruled dispute times out then. */
    resolveBy: t.bigint(),
    /** When `execute` may run: `resolveBy` while unruled, then the ruling's `executableAt`. */
    executableAt: t.bigint(),
    executed: t.boolean().notNull().default(false),
    /** Set at execution: the report was voided and its signers slashed. */
    upheld: t.boolean(),
    /** Set at execution: upheld | rejected | timed_out */
    outcome: t.text(),
    slashedTotal: t.bigint().notNull().default(0n),
    /** A rejected dispute's bond: half to the report's executor, the rest to the treasury. */
    bondForfeitedTo: t.hex(),
    bondExecutorAmount: t.bigint(),
    bondTreasuryAmount: t.bigint(),
    openedAt: t.bigint().notNull(),
    ruledAt: t.bigint(),
    executedAt: t.bigint(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.requestId, table.round] }),
    requestIdx: index().on(table.requestId),
    disputerIdx: index().on(table.disputer),
  }),
);

/** A proof at the ReportCourt that `keeper` signed two different reports of one request and round. */
export const equivocationProof = onchainTable(
  "equivocation_proof",
  (t) => ({
    id: t.text().primaryKey(),
    requestId: t.bigint().notNull(),
    round: t.integer().notNull(),
    keeper: t.hex().notNull(),
    digestA: t.hex().notNull(),
    digestB: t.hex().notNull(),
    prover: t.hex().notNull(),
    /** Zero when this equivocation had already been slashed (at the market or here). */
    slashed: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ requestIdx: index().on(table.requestId), keeperIdx: index().on(table.keeper) }),
);

export const agent = onchainTable(
  "agent",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    stake: t.bigint().notNull(),
    status: t.text().notNull(),
    modelIds: t.bigint().array().notNull(),
    metadataUri: t.text().notNull(),
    unbondingEndsAt: t.bigint(),
    slashedTotal: t.bigint().notNull().default(0n),
    registeredAt: t.bigint().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner) }),
);

export const agentSlash = onchainTable("agent_slash", (t) => ({
  id: t.text().primaryKey(),
  agentId: t.bigint().notNull(),
  reason: t.text().notNull(),
  amount: t.bigint().notNull(),
  evidenceUri: t.text().notNull(),
  timestamp: t.bigint().notNull(),
}));

export const proposal = onchainTable("proposal", (t) => ({
  id: t.bigint().primaryKey(),
  proposer: t.hex().notNull(),
  description: t.text().notNull(),
  targets: t.hex().array().notNull(),
  voteStart: t.bigint().notNull(),
  voteEnd: t.bigint().notNull(),
  forVotes: t.bigint().notNull().default(0n),
  againstVotes: t.bigint().notNull().default(0n),
  abstainVotes: t.bigint().notNull().default(0n),
  // No stored status: pending, active, succeeded and defeated change with the governor's clock
  // and no event marks them; `GET /proposals/:id` reads the governor's `state` at query time.
  /** When the timelock may execute it (ProposalQueued). */
  eta: t.bigint(),
  queuedAt: t.bigint(),
  executedAt: t.bigint(),
  canceledAt: t.bigint(),
  createdAt: t.bigint().notNull(),
}));

export const vote = onchainTable(
  "vote",
  (t) => ({
    proposalId: t.bigint().notNull(),
    voter: t.hex().notNull(),
    /** 0 against, 1 for, 2 abstain */
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.voter] }) }),
);

export const datanetRelations = relations(datanet, ({ many }) => ({
  contributions: many(contribution),
  accessGrants: many(accessGrant),
  curators: many(curator),
}));

export const contributionRelations = relations(contribution, ({ one, many }) => ({
  datanet: one(datanet, { fields: [contribution.datanetId], references: [datanet.id] }),
  attributions: many(attribution),
}));

export const accessGrantRelations = relations(accessGrant, ({ one }) => ({
  datanet: one(datanet, { fields: [accessGrant.datanetId], references: [datanet.id] }),
}));

export const curatorRelations = relations(curator, ({ one }) => ({
  datanet: one(datanet, { fields: [curator.datanetId], references: [datanet.id] }),
}));

export const modelRelations = relations(model, ({ many }) => ({
  parts: many(modelPart),
  requests: many(inferenceRequest),
}));

export const modelPartRelations = relations(modelPart, ({ one }) => ({
  composite: one(model, { fields: [modelPart.compositeId], references: [model.id] }),
}));

export const inferenceRequestRelations = relations(inferenceRequest, ({ one, many }) => ({
  model: one(model, { fields: [inferenceRequest.modelId], references: [model.id] }),
  reports: many(report),
  earnings: many(earning),
  disputes: many(dispute),
  equivocationProofs: many(equivocationProof),
}));

export const disputeRelations = relations(dispute, ({ one }) => ({
  request: one(inferenceRequest, { fields: [dispute.requestId], references: [inferenceRequest.id] }),
}));

export const equivocationProofRelations = relations(equivocationProof, ({ one }) => ({
  request: one(inferenceRequest, {
    fields: [equivocationProof.requestId],
    references: [inferenceRequest.id],
  }),
  keeperRow: one(keeper, { fields: [equivocationProof.keeper], references: [keeper.address] }),
}));

export const reportRelations = relations(report, ({ one, many }) => ({
  request: one(inferenceRequest, { fields: [report.requestId], references: [inferenceRequest.id] }),
  attributions: many(attribution),
}));

export const attributionRelations = relations(attribution, ({ one }) => ({
  report: one(report, { fields: [attribution.reportDigest], references: [report.digest] }),
  contribution: one(contribution, { fields: [attribution.contributionId], references: [contribution.id] }),
}));

export const earningRelations = relations(earning, ({ one }) => ({
  request: one(inferenceRequest, { fields: [earning.requestId], references: [inferenceRequest.id] }),
  owner: one(account, { fields: [earning.account], references: [account.address] }),
}));

export const accountRelations = relations(account, ({ many }) => ({
  earnings: many(earning),
  claims: many(claim),
}));

export const claimRelations = relations(claim, ({ one }) => ({
  owner: one(account, { fields: [claim.account], references: [account.address] }),
}));

export const keeperRelations = relations(keeper, ({ many }) => ({
  slashes: many(slash),
  equivocationProofs: many(equivocationProof),
}));

export const slashRelations = relations(slash, ({ one }) => ({
  keeperRow: one(keeper, { fields: [slash.keeper], references: [keeper.address] }),
}));

export const agentRelations = relations(agent, ({ many }) => ({ slashes: many(agentSlash) }));

export const agentSlashRelations = relations(agentSlash, ({ one }) => ({
  agentRow: one(agent, { fields: [agentSlash.agentId], references: [agent.id] }),
}));

export const proposalRelations = relations(proposal, ({ many }) => ({ votes: many(vote) }));

export const voteRelations = relations(vote, ({ one }) => ({
  proposal: one(proposal, { fields: [vote.proposalId], references: [proposal.id] }),
}));

// ─── Metered billing (UsageLedger) ──────────────────────────────────────────

/** A requester's prepaid balance on the ledger and an earner's metered claims. */
export const ledgerAccount = onchainTable("ledger_account", (t) => ({
  address: t.hex().primaryKey(),
  balance: t.bigint().notNull().default(0n),
  deposited: t.bigint().notNull().default(0n),
  withdrawn: t.bigint().notNull().default(0n),
  /** Debited by settled vouchers. */
  spent: t.bigint().notNull().default(0n),
  /** Metered earnings claimed. */
  claimed: t.bigint().notNull().default(0n),
  /** The requested withdrawal (zero for none) and when it unlocks. */
  pendingWithdrawal: t.bigint().notNull().default(0n),
  withdrawalUnlockAt: t.bigint(),
}));

/** A model's ledger price, once its owner set one (otherwise the ModelRegistry's per request). */
export const ledgerPrice = onchainTable("ledger_price", (t) => ({
  modelId: t.bigint().primaryKey(),
  perRequest: t.bigint().notNull(),
  perInputToken: t.bigint().notNull(),
  perOutputToken: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * A submitted epoch: `pending` (claimable once `challengeEndsAt` has passed), `disputed`, then
 * `voided` (upheld: it never pays) or `kept` (the dispute failed or timed out).
 */
export const ledgerEpoch = onchainTable("ledger_epoch", (t) => ({
  epoch: t.bigint().primaryKey(),
  root: t.hex().notNull(),
  cumulativeTotal: t.bigint().notNull(),
  spend: t.bigint().notNull(),
  calls: t.bigint().notNull(),
  dataUri: t.text().notNull(),
  submitter: t.hex().notNull(),
  signers: t.hex().array().notNull(),
  challengeEndsAt: t.bigint().notNull(),
  status: t.text().notNull(),
  vouchers: t.integer().notNull().default(0),
  submittedAt: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
}));

/** A channel (requester, keeper): what its vouchers settled so far. */
export const ledgerChannel = onchainTable(
  "ledger_channel",
  (t) => ({
    requester: t.hex().notNull(),
    keeper: t.hex().notNull(),
    settledSpend: t.bigint().notNull(),
    debited: t.bigint().notNull(),
    shortfall: t.bigint().notNull(),
    lastEpoch: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.requester, table.keeper] }),
    keeperIdx: index().on(table.keeper),
  }),
);

export const ledgerClaim = onchainTable(
  "ledger_claim",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    cumulative: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);
