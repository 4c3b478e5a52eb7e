import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Hex, parseEther, sha256 } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import {
  keeperIndexes,
  modelOnDatanet,
  modelOnDatanets,
  passTime,
  reportFor,
  roles,
  signReport,
  stakeKeepers,
} from "../../../test/fixtures.js";
import { HttpRequestError } from "../../utils/http.js";
import type { KeeperAttributionJson } from "../keepers/getKeeperAttribution.js";
import { getKeeperRequest, type KeeperRequestJson } from "../keepers/getKeeperRequest.js";
import { getRewards } from "../rewards/getRewards.js";
import { explainRequest, KeeperAttributionMismatchError } from "./explainRequest.js";
import { finalizeRequests } from "./finalizeRequests.js";
import { getRequestPayout, RequestNotFoundError } from "./getRequestPayout.js";
import { requestInference } from "./requestInference.js";
import { submitReport } from "./submitReport.js";

const chain = sharedChain();
const { contracts, publicClient, wallet } = chain;
const encoder = new TextEncoder();

const question = "Which river is the longest in Africa?";
const output = "The Nile is the longest river in Africa and flows north.";

/** A gateway and a keeper in one HTTP server, serving what the test puts in `blobs` and `keeper`. */
const blobs = new Map<string, Uint8Array>();
const keeper: { record?: KeeperRequestJson; attribution?: KeeperAttributionJson } = {};
let server: Server;
let url: string;

function put(text: string): Hex {
  const bytes = encoder.encode(text);
  const hash = sha256(bytes);
  blobs.set(hash.slice(2), bytes);
  return hash;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? "";
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const blob = /^\/blobs\/([0-9a-f]{64})$/.exec(path);
    if (blob) {
      const bytes = blobs.get(blob[1] as string);
      if (bytes === undefined)
        return send(404, { error: { code: "blob_not_found", message: "no such blob" } });
      response.writeHead(200, { "content-type": "application/octet-stream" });
      return response.end(bytes);
    }
    if (/^\/requests\/\d+$/.test(path)) {
      return keeper.record
        ? send(200, keeper.record)
        : send(404, { error: { code: "request_not_found", message: "not seen" } });
    }
    if (/^\/requests\/\d+\/attribution$/.test(path)) {
      return keeper.attribution
        ? send(200, keeper.attribution)
        : send(409, { error: { code: "no_output", message: "no report yet" } });
    }
    send(404, { error: { code: "not_found", message: path } });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

describe("explainRequest and getRequestPayout", () => {
  test("an unknown request is refused", async () => {
    await expect(getRequestPayout(publicClient, { contracts, requestId: 424_242n })).rejects.toThrow(
      RequestNotFoundError,
    );
  });

  test("open, reported, finalized: the answer, its attributions and who the fee pays", async () => {
    const { modelId, contributions, datanetId } = await modelOnDatanet(chain, [
      "The Nile is the longest river in Africa and flows north into the Mediterranean.",
      "Mount Kilimanjaro is the highest mountain in Africa.",
    ]);
    await stakeKeepers(chain);
    const inputHash = put(question);
    const { requestId, fee } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash,
      inputURI: `blob:${inputHash}`,
      maxFee: parseEther("2"),
    });

    // Open: no report yet; the keeper says why it cannot answer.
    keeper.record = {
      requestId: requestId.toString(),
      modelId: modelId.toString(),
      requester: wallet(roles.user).account.address,
      inputHash,
      phase: "open",
      attempts: 2,
      lastError: "the inference node has no adapter with hash 0xad…",
      unanswerable: { reason: "the inference node has no adapter with hash 0xad…" },
    };
    const open = await explainRequest(publicClient, {
      contracts,
      requestId,
      gatewayUrl: url,
      keeperUrl: url,
    });
    expect(open).toMatchObject({
      status: "open",
      fee,
      input: question,
      output: undefined,
      report: undefined,
      split: undefined,
      attribution: undefined,
      keeper: { phase: "open", attempts: 2, unanswerable: { reason: expect.stringMatching(/no adapter/) } },
    });

    // Reported with 70 % + 20 %: the remaining 10 % of the data share goes to the owners of the
    // attributed contributions' datanets by weight, here all of it to the one datanet's owner.
    const [first, second] = contributions;
    const outputHash = put(output);
    const report = await reportFor(chain, requestId, {
      outputHash,
      outputURI: `blob:${outputHash}`,
      attributions: [
        { contributionId: first?.contributionId ?? 0n, weightBps: 7000 },
        { contributionId: second?.contributionId ?? 0n, weightBps: 2000 },
      ],
    });
    const submitted = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report,
      signatures: await signReport(chain, report),
    });
    const span = "The Nile is the longest river in Africa and flows north";
    keeper.record = { ...keeper.record, phase: "reported", unanswerable: undefined };
    keeper.attribution = {
      requestId: requestId.toString(),
      modelId: modelId.toString(),
      question,
      outputHash,
      output,
      source: "chain",
      reportDigest: submitted.digest,
      attributionVersion: 1,
      matchesReport: true,
      attributions: [
        { contributionId: String(first?.contributionId), weightBps: 7000, fraction: 0.7 },
        { contributionId: String(second?.contributionId), weightBps: 2000, fraction: 0.2 },
      ],
      outputTokens: 11,
      spans: [
        {
          text: span,
          charStart: 0,
          charEnd: span.length,
          start: 0,
          end: 11,
          contributionIds: [String(first?.contributionId)],
        },
      ],
      passages: [{ rank: 1, contributionId: String(first?.contributionId), uri: "blob:0", score: 3.2 }],
    };
    const reported = await explainRequest(publicClient, {
      contracts,
      requestId,
      gatewayUrl: url,
      keeperUrl: url,
    });
    const developer = wallet(roles.developer).account.address;
    const owner = wallet(roles.owner).account.address;
    const contributor = wallet(roles.contributor).account.address;
    const contributor2 = wallet(roles.contributor2).account.address;
    expect(reported).toMatchObject({
      status: "reported",
      input: question,
      output,
      report: { digest: submitted.digest, outputHash, executor: report.executor, round: report.round },
      attributions: [
        { contributionId: first?.contributionId, weightBps: 7000, payee: contributor, datanetId },
        { contributionId: second?.contributionId, weightBps: 2000, payee: contributor2, datanetId },
      ],
      attribution: {
        spans: [{ text: span, contributionIds: [first?.contributionId] }],
        passages: [{ rank: 1, contributionId: first?.contributionId }],
      },
    });
    expect(reported.attribution?.fractions.get(first?.contributionId ?? 0n)).toBe(0.7);
    const estimate = reported.split;
    expect(estimate?.settlement).toBe("estimated");
    expect(estimate?.modelOwners.map((m) => m.account)).toEqual([developer]);
    const dataShare = estimate?.totals.dataShare ?? 0n;
    const unattributed = (dataShare * (10_000n - 9000n)) / 10_000n;
    expect(estimate?.datanetOwners).toEqual([{ datanetId, owner, amount: (unattributed * 9000n) / 9000n }]);
    expect(estimate?.executor.account).toBe(report.executor);
    const parts = [
      estimate?.treasury,
      estimate?.executor,
      ...(estimate?.modelOwners ?? []),
      ...(estimate?.contributors ?? []),
      ...(estimate?.datanetOwners.map((d) => ({ amount: d.amount })) ?? []),
    ];
    expect(parts.reduce((sum, p) => sum + (p?.amount ?? 0n), 0n)).toBe(fee);

    // A keeper whose span is not in the output, or whose weights are not the chain's, is caught.
    const honest = keeper.attribution;
    keeper.attribution = {
      ...honest,
      spans: [{ ...(honest.spans[0] as KeeperAttributionJson["spans"][number]), text: "the Amazon" }],
    };
    await expect(
      explainRequest(publicClient, { contracts, requestId, gatewayUrl: url, keeperUrl: url }),
    ).rejects.toThrow(KeeperAttributionMismatchError);
    keeper.attribution = {
      ...honest,
      attributions: honest.attributions.map((a, i) => ({ ...a, weightBps: i === 0 ? 9000 : a.weightBps })),
    };
    await expect(
      explainRequest(publicClient, { contracts, requestId, gatewayUrl: url, keeperUrl: url }),
    ).rejects.toThrow(/weights/);
    keeper.attribution = honest;

    // Finalized: the credited amounts, equal to the estimate and to what the RewardVault credited.
    const before = await Promise.all(
      [contributor, contributor2, owner, developer, report.executor].map((account) =>
        getRewards(publicClient, { contracts, account }),
      ),
    );
    await passTime(chain, submitted.challengeEndsAt - (await publicClient.getBlock()).timestamp + 1n);
    await finalizeRequests(wallet(roles.user), { contracts, requestIds: [requestId] });
    const settled = await explainRequest(publicClient, { contracts, requestId, gatewayUrl: url });
    expect(settled.attribution).toBeUndefined();
    expect(settled.split?.settlement).toBe("credited");
    const { settlement: _a, blockNumber: _b, ...credited } = settled.split ?? {};
    const { settlement: _c, blockNumber: _d, ...estimated } = estimate ?? {};
    expect(credited).toEqual(estimated);
    const after = await Promise.all(
      [contributor, contributor2, owner, developer, report.executor].map((account) =>
        getRewards(publicClient, { contracts, account }),
      ),
    );
    const creditedTo = after.map((a, i) => a.credited - (before[i]?.credited ?? 0n));
    expect(creditedTo).toEqual([
      settled.split?.contributors[0]?.amount,
      settled.split?.contributors[1]?.amount,
      settled.split?.datanetOwners[0]?.amount,
      settled.split?.modelOwners[0]?.amount,
      settled.split?.executor.amount,
    ]);
  });

  test("a model on three datanets: the unattributed share goes to the attributed ones by weight", async () => {
    const { modelId, contributions, datanetIds } = await modelOnDatanets(chain, [
      ["The Danube flows through ten countries."],
      ["The Rhine rises in the Swiss Alps."],
      ["The Volga is the longest river in Europe."],
    ]);
    await stakeKeepers(chain);
    const { requestId, fee } = await requestInference(wallet(roles.user), {
      contracts,
      modelId,
      inputHash: put("Which rivers cross Europe?"),
      inputURI: "blob:rivers",
      maxFee: parseEther("2"),
    });
    // 6000 from the first datanet, 2500 from the second, nothing from the third.
    const [danube, rhine] = contributions;
    const report = await reportFor(chain, requestId, {
      attributions: [
        { contributionId: danube?.contributionId ?? 0n, weightBps: 6000 },
        { contributionId: rhine?.contributionId ?? 0n, weightBps: 2500 },
      ],
    });
    const submitted = await submitReport(wallet(keeperIndexes[0]), {
      contracts,
      report,
      signatures: await signReport(chain, report),
    });
    const estimate = (await getRequestPayout(publicClient, { contracts, requestId })).split;
    const owner = wallet(roles.owner).account.address;
    const dataShare = estimate?.totals.dataShare ?? 0n;
    const unattributed = (dataShare * (10_000n - 8500n)) / 10_000n;
    expect(estimate?.datanetOwners).toEqual([
      { datanetId: datanetIds[0], owner, amount: (unattributed * 6000n) / 8500n },
      { datanetId: datanetIds[1], owner, amount: (unattributed * 2500n) / 8500n },
    ]);
    const parts = [
      estimate?.treasury,
      estimate?.executor,
      ...(estimate?.modelOwners ?? []),
      ...(estimate?.contributors ?? []),
      ...(estimate?.datanetOwners ?? []),
    ];
    expect(parts.reduce((sum, p) => sum + (p?.amount ?? 0n), 0n)).toBe(fee);

    await passTime(chain, submitted.challengeEndsAt - (await publicClient.getBlock()).timestamp + 1n);
    await finalizeRequests(wallet(roles.user), { contracts, requestIds: [requestId] });
    const settled = (await getRequestPayout(publicClient, { contracts, requestId })).split;
    expect(settled?.settlement).toBe("credited");
    const { settlement: _a, blockNumber: _b, ...credited } = settled ?? {};
    const { settlement: _c, blockNumber: _d, ...estimated } = estimate ?? {};
    expect(credited).toEqual(estimated);
  });

  test("a keeper that never saw the request answers 404, read as an HttpRequestError", async () => {
    keeper.record = undefined;
    const error = await getKeeperRequest({ url, requestId: 1n }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error).toMatchObject({ status: 404, code: "request_not_found" });
    const unreachable = await getKeeperRequest({ url: "http://127.0.0.1:9", requestId: 1n }).catch(
      (e: unknown) => e,
    );
    expect(unreachable).toBeInstanceOf(HttpRequestError);
    expect((unreachable as HttpRequestError).status).toBeUndefined();
  });
});
