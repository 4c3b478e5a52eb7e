import { randomUUID } from "node:crypto";
import { answerRecipe } from "@payable-ai/attribution";
import { parseModelAdapterId } from "@payable-ai/sdk";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { epochReportJsonSchema } from "./epochs.js";
import type { KeeperNode } from "./keeper.js";
import { type MeteredRequest, MeterRefusal } from "./meter.js";
import { meteredCallToJson, voucherJsonSchema } from "./meteredCalls.js";
import { address, hexBytes } from "./protocol.js";
import { ServiceError } from "./services.js";

/** The chat request of a metered call, as the inference node takes it, plus who pays. */
const chatRequest = z.object({
  model: z.string(),
  messages: z
    .array(z.object({ role: z.literal("user"), content: z.string() }))
    .length(1, "a metered call is one user message (the answer recipe of per-request calls)"),
  max_tokens: z.number().int().min(1).max(answerRecipe.maxOutputTokens).default(answerRecipe.maxOutputTokens),
  stream: z.literal(false).optional(),
});

const quoteBody = chatRequest.extend({ requester: address });
const callBody = chatRequest.extend({
  voucher: voucherJsonSchema.extend({
    signature: hexBytes.transform((s) => s as `0x${string}`),
  }),
});

function error(code: string, message: string, details: Record<string, string> = {}) {
  return { error: { code, message, ...details } };
}

async function parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T> | Response> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return c.json(error("invalid_request", "the body is not JSON"), 400);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return c.json(
      error(
        "invalid_request",
        parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      ),
      400,
    );
  }
  return parsed.data;
}

function meteredRequest(
  body: z.output<typeof chatRequest>,
  requester: `0x${string}`,
): MeteredRequest | MeterRefusal {
  const modelId = parseModelAdapterId(body.model);
  if (modelId === undefined)
    return new MeterRefusal(400, "invalid_request", `model: expected model-<id>, got ${body.model}`);
  return {
    modelId,
    message: (body.messages[0] as { content: string }).content,
    maxTokens: body.max_tokens,
    requester,
  };
}

/**
 * The keeper's metered face (the UsageLedger): `POST /v1/metered/quote` (what a call costs and
 * the voucher amount that pays it), `POST /v1/chat/completions` (a call paid by the voucher in
 * its body), `GET /ledger/calls` (this keeper's unsettled calls, for the epoch's proposer),
 * `POST /ledger/epochs` (settle the next epoch now), `POST /ledger/epochs/cosign` (a peer's
 * report to check and sign) and `GET /ledger/proofs/:account` (a claim's proof).
 */
export function meteredRoutes(node: KeeperNode): Hono {
  const app = new Hono();
  const meter = () => {
    if (!node.meter || !node.epochs)
      throw new MeterRefusal(404, "ledger_unavailable", "this deployment has no UsageLedger");
    return { meter: node.meter, epochs: node.epochs };
  };
  app.onError((err, c) => {
    if (err instanceof MeterRefusal) return c.json(error(err.code, err.message, err.details), err.status);
    if (err instanceof ServiceError) return c.json(error("service_unavailable", err.message), 503);
    node.log.error({ err }, "metered request failed");
    return c.json(error("internal", err.message), 500);
  });
  const limit = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) => c.json(error("payload_too_large", "body above 64 KiB"), 413),
  });

  app.post("/v1/metered/quote", limit, async (c) => {
    const body = await parse(c, quoteBody);
    if (body instanceof Response) return body;
    const request = meteredRequest(body, body.requester);
    if (request instanceof MeterRefusal) throw request;
    const quote = await meter().meter.quote(request);
    return c.json({
      keeper: node.address,
      ledger: node.options.ledger?.address,
      chainId: node.options.chain.chainId,
      modelId: quote.modelId.toString(),
      blockNumber: quote.blockNumber.toString(),
      promptTokens: quote.promptTokens.toString(),
      maxTokens: quote.maxTokens.toString(),
      cost: quote.cost.toString(),
      settledSpend: quote.settled.toString(),
      servedSpend: quote.served.toString(),
      cumulativeSpend: quote.cumulativeSpend.toString(),
      available: quote.available.toString(),
      minExpiry: ((await node.options.chain.latestBlock()).timestamp + meter().meter.minLifetime).toString(),
    });
  });

  app.post("/v1/chat/completions", limit, async (c) => {
    const body = await parse(c, callBody);
    if (body instanceof Response) return body;
    const request = meteredRequest(body, body.voucher.requester);
    if (request instanceof MeterRefusal) throw request;
    const { signature, ...voucher } = body.voucher;
    const id = randomUUID();
    const served = await meter().meter.serve(request, voucher, signature, `metered-${id}`);
    const promptTokens = Number(served.call.promptTokens);
    return c.json({
      id: `chatcmpl-${id}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: served.text },
          finish_reason: served.finishReason,
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: served.completionTokens,
        total_tokens: promptTokens + served.completionTokens,
      },
      payable: meteredCallToJson(served.call),
    });
  });

  app.get("/ledger/calls", async (c) => {
    const block = c.req.query("block");
    if (block !== undefined && !/^\d{1,20}$/.test(block))
      return c.json(error("invalid_request", "block is a decimal block number"), 400);
    const calls = await meter().epochs.unsettledCalls(block === undefined ? undefined : BigInt(block));
    return c.json({ keeper: node.address, calls: calls.map(meteredCallToJson) });
  });

  app.post("/ledger/epochs", async (c) => {
    const result = await meter().epochs.propose();
    return c.json({
      epoch: result.epoch.toString(),
      root: result.report.root,
      spend: result.report.spend.toString(),
      cumulativeTotal: result.report.cumulativeTotal.toString(),
      calls: result.report.calls.toString(),
      dataURI: result.report.dataURI,
      transactionHash: result.transactionHash,
      signers: result.signers,
      dropped: result.dropped.map((d) => ({ call: meteredCallToJson(d.call), reason: d.reason })),
    });
  });

  const reportLimit = bodyLimit({
    maxSize: 4 << 20,
    onError: (c) => c.json(error("payload_too_large", "body above 4 MiB"), 413),
  });
  app.post("/ledger/epochs/cosign", reportLimit, async (c) => {
    const body = await parse(c, z.object({ report: epochReportJsonSchema }));
    if (body instanceof Response) return body;
    return c.json(await meter().epochs.cosign(body.report));
  });

  app.get("/ledger/proofs/:account", async (c) => {
    const account = c.req.param("account");
    if (!isAddress(account)) return c.json(error("invalid_request", "expected an address"), 400);
    const proof = await meter().epochs.proof(getAddress(account));
    return c.json({
      epoch: proof.epoch.toString(),
      root: proof.root,
      account: proof.account,
      cumulative: proof.cumulative.toString(),
      claimed: proof.claimed.toString(),
      claimable: proof.claimable.toString(),
      proof: proof.proof,
    });
  });
  return app;
}
