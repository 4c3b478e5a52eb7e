import { contentHash, type Deployment, getRequest, requestInference } from "@payable-ai/sdk";
import { parseEther } from "viem";
import type { DevnetClients } from "./clients.js";
import { demoKeys } from "./demo.js";
import { demoFacts } from "./demoDatanet.js";
import { uploadBlob } from "./httpClients.js";

/**
 * What the demo's requester asks on every start, paid through the market and answered by the
 * keepers: two facts of one contributor each, one fact both contributors gave, and one question
 * the datanet does not answer (the model says whatever it says; no contribution earns for spans
 * it does not hold).
 */
export const demoQuestions: readonly string[] = [
  (demoFacts[0] as { question: string }).question,
  (demoFacts[2] as { question: string }).question,
  (demoFacts[14] as { question: string }).question,
  "Who painted the Mona Lisa?",
];

export type AskParameters = {
  clients: DevnetClients;
  deployment: Deployment;
  gatewayUrl: string;
  modelId: bigint;
  questions?: readonly string[];
};

/** The requester uploads each question to the gateway and pays for it; returns the request ids. */
export async function askDemoQuestions(parameters: AskParameters): Promise<bigint[]> {
  const { clients, deployment, gatewayUrl, modelId } = parameters;
  const user = clients.wallet(demoKeys.user);
  const ids: bigint[] = [];
  for (const question of parameters.questions ?? demoQuestions) {
    const inputHash = await uploadBlob(gatewayUrl, question, "public");
    const { requestId } = await requestInference(user, {
      contracts: deployment.contracts,
      modelId,
      inputHash,
      inputURI: `blob:${contentHash(question)}`,
      maxFee: parseEther("2"),
    });
    ids.push(requestId);
  }
  return ids;
}

/** Logs each request's status changes until every one is finalized or refunded, or `stop()`. */
export function watchRequests(
  clients: DevnetClients,
  deployment: Deployment,
  requestIds: readonly bigint[],
  log: (message: string) => void,
): { done: Promise<void>; stop(): void } {
  let watching = true;
  const last = new Map<bigint, string>();
  const done = (async () => {
    while (watching) {
      for (const requestId of requestIds) {
        const previous = last.get(requestId);
        if (previous === "finalized" || previous === "refunded") continue;
        const status = await getRequest(clients.publicClient, {
          contracts: deployment.contracts,
          requestId,
        }).catch(() => undefined);
        if (status === undefined || status.statusName === previous) continue;
        last.set(requestId, status.statusName);
        if (status.statusName !== "open") log(`request ${requestId} is ${status.statusName}`);
      }
      if (requestIds.every((id) => ["finalized", "refunded"].includes(last.get(id) ?? ""))) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    done,
    stop: () => {
      watching = false;
    },
  };
}
