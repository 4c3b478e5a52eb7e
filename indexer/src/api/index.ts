import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { and, client, desc, eq, graphql, gt, sql, sum } from "ponder";
import { type Address, getAddress, isAddress } from "viem";

const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

class HttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

app.onError((error, c) => {
  if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
  console.error(error);
  return c.json({ error: "internal error" }, 500);
});

// JSON has no bigint: amounts (OPEN wei) are decimal strings.
function json<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}

function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: false })) throw new HttpError(400, `"${value}" is not an address`);
  return getAddress(value).toLowerCase() as Address;
}

function parseId(value: string, what: string): bigint {
  if (!/^\d{1,78}$/.test(value)) throw new HttpError(400, `"${value}" is not a ${what} id`);
  return BigInt(value);
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new HttpError(400, `limit must be an integer from 1 to 1000, got "${value}"`);
  }
  return limit;
}

/** Contributors ranked by what their data earned (attribution and datanet remainders). */
app.get("/leaderboard/contributors", async (c) => {
  const limit = parseLimit(c.req.query("limit"));
  const rows = await db
    .select({
      address: schema.account.address,
      earnedData: schema.account.earnedData,
      earnedTotal: schema.account.earnedTotal,
      contributionCount: schema.account.contributionCount,
      acceptedCount: schema.account.acceptedCount,
    })
    .from(schema.account)
    .where(gt(schema.account.earnedData, 0n))
    .orderBy(desc(schema.account.earnedData), schema.account.address)
    .limit(limit);
  return c.json(json({ contributors: rows.map((row, i) => ({ rank: i + 1, ...row })) }));
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
  if (!row) throw new HttpError(404, `model ${id} is not indexed`);
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

/** A datanet's contributions, access and the revenue its data earned, with its top contributors. */
app.get("/datanets/:id/stats", async (c) => {
  const id = parseId(c.req.param("id"), "datanet");
  const [row] = await db.select().from(schema.datanet).where(eq(schema.datanet.id, id));
  if (!row) throw new HttpError(404, `datanet ${id} is not indexed`);
  const topContributors = await db
    .select({ payee: schema.earning.account, earned: sum(schema.earning.amount) })
    .from(schema.earning)
    .where(and(eq(schema.earning.datanetId, id), eq(schema.earning.source, "data")))
    .groupBy(schema.earning.account)
    .orderBy(desc(sum(schema.earning.amount)))
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

export default app;
