import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { BaseError, toJson } from "@payable-ai/sdk";
import { Hono } from "hono";
import { and, client, desc, eq, graphql, isNotNull, sql, sum } from "ponder";
import { type Address, formatEther, getAddress, isAddress } from "viem";
import config from "../../ponder.config.js";
import { answerSourcesFromEnv, readAnswer } from "./answer.js";
import { readProposalStatus } from "./proposals.js";

const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

class HttpError extends BaseError {
  override name = "HttpError";
  constructor(
    readonly status: 400 | 404 | 502,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

app.onError((error, c) => {
  if (error instanceof HttpError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status);
  }
  console.error(error);
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
});

// JSON has no bigint: amounts (OPEN wei) are decimal strings.
function json<T>(value: T): unknown {
  return JSON.parse(toJson(value));
}

function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: false }))
    throw new HttpError(400, "invalid_address", `"${value}" is not an address`);
  return getAddress(value).toLowerCase() as Address;
}

function parseId(value: string, what: string): bigint {
  if (!/^\d{1,78}$/.test(value)) throw new HttpError(400, "invalid_id", `"${value}" is not a ${what} id`);
  return BigInt(value);
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new HttpError(400, "invalid_limit", `limit must be an integer from 1 to 1000, got "${value}"`);
  }
  return limit;
}

/**
 * Accounts that submitted at least one contribution, ranked by what their contributions earned
 * by attribution (`contribution.earned`, whoever the payee). A datanet owner's remainders are not
 * a contribution's earnings, and a payee is not a contributor.
 */
app.get("/leaderboard/contributors", async (c) => {
  const limit = parseLimit(c.req.query("limit"));
  const earnedData = sql<string>`coalesce(sum(${schema.contribution.earned}), 0)`;
  const rows = await db
    .select({
      address: schema.contribution.contributor,
      earnedData,
      earnedTotal: schema.account.earnedTotal,
      contributionCount: schema.account.contributionCount,
      acceptedCount: schema.account.acceptedCount,
    })
    .from(schema.contribution)
    .innerJoin(schema.account, eq(schema.account.address, schema.contribution.contributor))
    .groupBy(
      schema.contribution.contributor,
      schema.account.earnedTotal,
      schema.account.contributionCount,
      schema.account.acceptedCount,
    )
    .orderBy(desc(earnedData), schema.contribution.contributor)
    .limit(limit);
  return c.json(
    json({
      contributors: rows.map((row, i) => ({ rank: i + 1, ...row, earnedData: BigInt(row.earnedData) })),
    }),
  );
});

/** An account's earnings by source, and what it has claimed. */
app.get("/accounts/:address/earnings", async (c) => {
  const address = parseAddress(c.req.param("address"));
  const [row] = await db.select().from(schema.account).where(eq(schema.account.address, address));
  const bySource = await db
    .select({
      source: schema.earning.source,
      amount: sum(schema.earning.amount),
      payments: sql<number>`count(*)`,
    })
    .from(schema.earning)
    .where(eq(schema.earning.account, address))
    .groupBy(schema.earning.source);
  const amountOf = (source: string) => BigInt(bySource.find((s) => s.source === source)?.amount ?? 0);
  const credited = row?.credited ?? 0n;
  const claimed = row?.claimed ?? 0n;
  return c.json(
    json({
      address,
      data: amountOf("data"),
      model: amountOf("model"),
      keeper: amountOf("keeper"),
      protocol: amountOf("protocol"),
      total: row?.earnedTotal ?? 0n,
      credited,
      claimed,
      unclaimed: credited - claimed,
      payments: Object.fromEntries(bySource.map((s) => [s.source, Number(s.payments)])),
    }),
  );
});

const modelStats = {
  id: schema.model.id,
  owner: schema.model.owner,
  status: schema.model.status,
  isComposite: schema.model.isComposite,
  pricePerRequest: schema.model.pricePerRequest,
  requestCount: schema.model.requestCount,
  finalizedCount: schema.model.finalizedCount,
  refundedCount: schema.model.refundedCount,
  feeVolume: schema.model.feeVolume,
  modelRevenue: schema.model.modelRevenue,
};

/** Usage and revenue of every model, busiest first. */
app.get("/models/stats", async (c) => {
  const limit = parseLimit(c.req.query("limit"));
  const rows = await db
    .select(modelStats)
    .from(schema.model)
    .orderBy(desc(schema.model.feeVolume), schema.model.id)
    .limit(limit);
  return c.json(json({ models: rows }));
});

/** Usage and revenue of one model, with how its finalized fees were split. */
app.get("/models/:id/stats", async (c) => {
  const id = parseId(c.req.param("id"), "model");
  const [row] = await db.select(modelStats).from(schema.model).where(eq(schema.model.id, id));
  if (!row) throw new HttpError(404, "model_not_found", `model ${id} is not indexed`);
  const [split] = await db
    .select({
      treasury: sum(schema.inferenceRequest.treasuryAmount),
      executors: sum(schema.inferenceRequest.executorAmount),
      model: sum(schema.inferenceRequest.modelAmount),
      attributed: sum(schema.inferenceRequest.attributedAmount),
      unattributed: sum(schema.inferenceRequest.unattributedAmount),
    })
    .from(schema.inferenceRequest)
    .where(and(eq(schema.inferenceRequest.modelId, id), eq(schema.inferenceRequest.status, "finalized")));
  const amount = (value: string | null | undefined) => BigInt(value ?? 0);
  return c.json(
    json({
      ...row,
      split: {
        treasury: amount(split?.treasury),
        executors: amount(split?.executors),
        model: amount(split?.model),
        attributed: amount(split?.attributed),
        unattributed: amount(split?.unattributed),
      },
    }),
  );
});

/** A datanet's contributions, access and the revenue its data earned, with the payees its contributions paid most. */
app.get("/datanets/:id/stats", async (c) => {
  const id = parseId(c.req.param("id"), "datanet");
  const [row] = await db.select().from(schema.datanet).where(eq(schema.datanet.id, id));
  if (!row) throw new HttpError(404, "datanet_not_found", `datanet ${id} is not indexed`);
  const topContributors = await db
    .select({ payee: schema.earning.account, earned: sum(schema.earning.amount) })
    .from(schema.earning)
    // Attribution payments only: the datanet's remainder (no contribution) goes to its owner.
    .where(and(eq(schema.earning.datanetId, id), isNotNull(schema.earning.contributionId)))
    .groupBy(schema.earning.account)
    .orderBy(desc(sum(schema.earning.amount)), schema.earning.account)
    .limit(parseLimit(c.req.query("limit")));
  return c.json(
    json({
      id: row.id,
      owner: row.owner,
      contributionCount: row.contributionCount,
      acceptedCount: row.acceptedCount,
      curatorCount: row.curatorCount,
      accessGrantCount: row.accessGrantCount,
      accessRevenue: row.accessRevenue,
      attributedRevenue: row.attributedRevenue,
      remainderRevenue: row.remainderRevenue,
      dataRevenue: row.attributedRevenue + row.remainderRevenue,
      topContributors: topContributors.map((t) => ({ payee: t.payee, earned: BigInt(t.earned ?? 0) })),
    }),
  );
});

const answerSources = answerSourcesFromEnv();

/** An amount in OPEN: wei as a decimal string, and the same in OPEN (18 decimals). */
function open(wei: bigint | null | undefined) {
  return wei === null || wei === undefined ? null : { wei: wei.toString(), open: formatEther(wei) };
}

/**
 * One request: its escrow and status, the accepted report with its attributions (contributor,
 * payee, weight), the fee split as indexed from the finalize events, and the question, output,
 * spans and passages read at query time from the gateway and the keepers.
 */
app.get("/requests/:id", async (c) => {
  const id = parseId(c.req.param("id"), "request");
  const [request] = await db.select().from(schema.inferenceRequest).where(eq(schema.inferenceRequest.id, id));
  if (!request) throw new HttpError(404, "request_not_found", `request ${id} is not indexed`);
  const reports = await db
    .select()
    .from(schema.report)
    .where(eq(schema.report.requestId, id))
    .orderBy(schema.report.submittedAt);
  const current = reports.find((r) => r.digest === request.reportDigest);
  const disputes = await db
    .select()
    .from(schema.dispute)
    .where(eq(schema.dispute.requestId, id))
    .orderBy(schema.dispute.round);
  const equivocationProofs = await db
    .select()
    .from(schema.equivocationProof)
    .where(eq(schema.equivocationProof.requestId, id))
    .orderBy(schema.equivocationProof.timestamp, schema.equivocationProof.id);
  const attributions = current
    ? await db
        .select({
          contributionId: schema.attribution.contributionId,
          weightBps: schema.attribution.weightBps,
          payee: schema.attribution.payee,
          amount: schema.attribution.amount,
          datanetId: schema.contribution.datanetId,
          contributor: schema.contribution.contributor,
          uri: schema.contribution.uri,
        })
        .from(schema.attribution)
        .leftJoin(schema.contribution, eq(schema.attribution.contributionId, schema.contribution.id))
        .where(eq(schema.attribution.reportDigest, current.digest))
        .orderBy(schema.attribution.contributionId)
    : [];
  let split: unknown = null;
  if (request.status === "finalized") {
    const earnings = await db
      .select()
      .from(schema.earning)
      .where(eq(schema.earning.requestId, id))
      .orderBy(schema.earning.id);
    const of = (source: string) => earnings.filter((e) => e.source === source);
    split = {
      fee: open(request.fee),
      treasury: { account: of("protocol")[0]?.account ?? null, amount: open(request.treasuryAmount) },
      executor: { account: request.executor, amount: open(request.executorAmount) },
      modelOwners: of("model").map((e) => ({ account: e.account, amount: open(e.amount) })),
      contributors: attributions.map((a) => ({
        contributionId: a.contributionId,
        payee: a.payee,
        weightBps: a.weightBps,
        amount: open(a.amount ?? 0n),
      })),
      datanetOwners: of("data")
        .filter((e) => e.contributionId === null)
        .map((e) => ({ datanetId: e.datanetId, owner: e.account, amount: open(e.amount) })),
      totals: {
        treasury: open(request.treasuryAmount),
        executor: open(request.executorAmount),
        model: open(request.modelAmount),
        attributed: open(request.attributedAmount),
        unattributed: open(request.unattributedAmount),
      },
    };
  }
  const answer = await readAnswer(
    answerSources,
    { id, inputHash: request.inputHash, status: request.status },
    current && {
      outputHash: current.outputHash,
      outputURI: current.outputUri,
      attributions: attributions.map((a) => ({ contributionId: a.contributionId, weightBps: a.weightBps })),
    },
  );
  return c.json(
    json({
      request: { ...request, fee: open(request.fee) },
      report: current ?? null,
      voidedReports: reports.filter((r) => r.status === "voided").map((r) => r.digest),
      disputes: disputes.map((d) => ({
        ...d,
        bond: open(d.bond),
        slashedTotal: open(d.slashedTotal),
        bondExecutorAmount: open(d.bondExecutorAmount),
        bondTreasuryAmount: open(d.bondTreasuryAmount),
      })),
      equivocationProofs: equivocationProofs.map((p) => ({ ...p, slashed: open(p.slashed) })),
      attributions: attributions.map((a) => ({ ...a, amount: open(a.amount) })),
      split,
      splitNote: split === null ? "the fee is split when the request is finalized" : undefined,
      ...answer,
    }),
  );
});

const governor = config.contracts.OpenGovernor.address;

async function withStatus(proposal: typeof schema.proposal.$inferSelect) {
  try {
    return { ...proposal, status: await readProposalStatus(publicClients.payable, governor, proposal) };
  } catch (error) {
    console.error(error);
    throw new HttpError(
      502,
      "chain_unavailable",
      `the governor's state of proposal ${proposal.id} could not be read`,
    );
  }
}

/** Proposals, newest first, each with its status as the governor says now. */
app.get("/proposals", async (c) => {
  const limit = parseLimit(c.req.query("limit"));
  const rows = await db
    .select()
    .from(schema.proposal)
    .orderBy(desc(schema.proposal.createdAt), desc(schema.proposal.id))
    .limit(limit);
  return c.json(json({ proposals: await Promise.all(rows.map(withStatus)) }));
});

/** One proposal: the indexed proposal and votes, and its status as the governor says now. */
app.get("/proposals/:id", async (c) => {
  const id = parseId(c.req.param("id"), "proposal");
  const [row] = await db.select().from(schema.proposal).where(eq(schema.proposal.id, id));
  if (!row) throw new HttpError(404, "proposal_not_found", `proposal ${id} is not indexed`);
  const votes = await db
    .select()
    .from(schema.vote)
    .where(eq(schema.vote.proposalId, id))
    .orderBy(schema.vote.timestamp, schema.vote.voter);
  return c.json(json({ ...(await withStatus(row)), votes }));
});

// Last: Ponder serves /health, /ready, /status and /metrics before this app, so only a path
// that nothing serves gets here.
app.all("*", (c) => {
  throw new HttpError(404, "route_not_found", `no route ${c.req.method} ${c.req.path}`);
});

export default app;
