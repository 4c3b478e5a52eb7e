import { demoKeys, type KeeperHandle, type LocalNetwork, uploadBlob } from "@payable-ai/devnet";
import {
  getRequest,
  inferenceMarketAbi,
  type RequestStatus,
  requestInference,
  rewardVaultAbi,
} from "@payable-ai/sdk";
import { type Address, parseEther } from "viem";

/**
 * What the end-to-end tests read and do on a running local network, as a requester, a
 * contributor or an operator would: ask a question, wait for a request's status, read the
 * accepted report, its output and the vault.
 */
export function networkActions(network: () => LocalNetwork) {
  const contracts = () => network().deployment.contracts;
  const publicClient = () => network().clients.publicClient;

  async function waitForStatus(
    requestId: bigint,
    wanted: RequestStatus | readonly RequestStatus[],
    timeoutMs = 180_000,
  ) {
    const statuses: readonly RequestStatus[] = typeof wanted === "string" ? [wanted] : wanted;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const request = await getRequest(publicClient(), { contracts: contracts(), requestId });
      if (statuses.includes(request.statusName)) return request;
      if (Date.now() > deadline) {
        const logs = network()
          .keepers.map((k) => k.output().slice(-3000))
          .join("\n---\n");
        throw new Error(`request ${requestId} is ${request.statusName}, not ${statuses.join("/")}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The demo requester uploads `question` and pays for it (the demo model unless `modelId`). */
  async function ask(question: string, modelId?: bigint, maxFee = parseEther("2")): Promise<bigint> {
    const inputHash = await uploadBlob(network().gatewayUrl, question, "public");
    const { requestId } = await requestInference(network().clients.wallet(demoKeys.user), {
      contracts: contracts(),
      modelId: modelId ?? (network().demoModel?.modelId as bigint),
      inputHash,
      inputURI: `blob:${inputHash}`,
      maxFee,
    });
    return requestId;
  }

  async function recordedAttributions(requestId: bigint) {
    return publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportAttributions",
      args: [requestId],
    });
  }

  async function submittedReport(requestId: bigint) {
    const events = await publicClient().getContractEvents({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      eventName: "ReportSubmitted",
      args: { requestId },
      fromBlock: 0n,
      strict: true,
    });
    const last = events.at(-1);
    if (last === undefined) throw new Error(`no report for request ${requestId}`);
    return last.args;
  }

  /** The accepted report's output, read from the gateway by the hash the report names on-chain. */
  async function outputOf(requestId: bigint): Promise<string> {
    const { report } = await submittedReport(requestId);
    const response = await fetch(`${network().gatewayUrl}/blobs/${report.outputHash.slice(2)}`);
    if (!response.ok) throw new Error(`gateway: output of request ${requestId}: HTTP ${response.status}`);
    return response.text();
  }

  async function vaultBalance(account: Address): Promise<bigint> {
    return publicClient().readContract({
      address: contracts().RewardVault,
      abi: rewardVaultAbi,
      functionName: "balanceOf",
      args: [account],
    });
  }

  async function requestCount(): Promise<bigint> {
    return publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "requestCount",
    });
  }

  /** The keeper the market draws for the next request's first turn (`executorAt(id, 0, 0)`). */
  async function firstExecutorOfNextRequest(): Promise<KeeperHandle> {
    const executor = await publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "executorAt",
      args: [(await requestCount()) + 1n, 0, 0n],
    });
    return network().keepers.find((k) => k.address === executor) as KeeperHandle;
  }

  /** Seconds each scheduled executor has before the turn passes on (`InferenceMarket.parameters`). */
  async function executorTurnSeconds(): Promise<number> {
    const parameters = await publicClient().readContract({
      address: contracts().InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    });
    return Number(parameters.executorTurn);
  }

  return {
    waitForStatus,
    ask,
    recordedAttributions,
    submittedReport,
    outputOf,
    vaultBalance,
    requestCount,
    firstExecutorOfNextRequest,
    executorTurnSeconds,
  };
}
