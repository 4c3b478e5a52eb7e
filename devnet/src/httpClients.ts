import { contentHash, putBlob, signDataAccessRequest, toJson } from "@payable-ai/sdk";
import type { Account, Address, Hex } from "viem";

/** The parts of a Model Factory job record the local network reads. */
export type FactoryJob = {
  id: string;
  status: "queued" | "fetching" | "training" | "completed" | "failed" | "cancelled" | string;
  error: string | null;
  progress: { step: number; totalSteps: number; loss: number; etaSeconds: number } | null;
  output: {
    adapterHash: Hex;
    manifestRoot: Hex | null;
    manifestURI: string | null;
    metadataURI: string;
    steps: number;
  } | null;
};

async function failure(response: Response, what: string): Promise<Error> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new Error(`${what}: HTTP ${response.status} ${body?.error?.message ?? response.statusText}`);
}

/** The Model Factory's job API, as a model developer's script uses it. */
export class FactoryClient {
  constructor(
    readonly url: string,
    readonly timeoutMs = 30_000,
  ) {}

  /**
   * Starts a fine-tune of `baseModel` on contributions of one datanet, as their reader: signs the
   * data access request the factory presents to the gateway, then creates the job.
   */
  async fineTune(parameters: {
    account: Account;
    chainId: number;
    datanetRegistry: Address;
    datanetId: bigint;
    contributionIds: readonly bigint[];
    baseModel: string;
    name: string;
    preset?: string;
    hyperparameters?: Record<string, unknown>;
  }): Promise<FactoryJob> {
    const { account, chainId, datanetRegistry, datanetId, contributionIds } = parameters;
    const { request, signature } = await signDataAccessRequest(account, {
      chainId,
      datanetRegistry,
      datanetId,
      validForSeconds: 3600,
    });
    return this.createJob({
      name: parameters.name,
      baseModel: parameters.baseModel,
      datanets: [{ datanetId: datanetId.toString(), contributionIds: contributionIds.map(String) }],
      access: [{ request, signature }],
      ...(parameters.preset === undefined ? {} : { preset: parameters.preset }),
      ...(parameters.hyperparameters === undefined ? {} : { hyperparameters: parameters.hyperparameters }),
    });
  }

  /** `POST /jobs`; bigints in `body` are sent as decimal strings. */
  async createJob(body: unknown): Promise<FactoryJob> {
    const response = await fetch(`${this.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: toJson(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await failure(response, "Model Factory POST /jobs");
    return (await response.json()) as FactoryJob;
  }

  async job(id: string): Promise<FactoryJob> {
    const response = await fetch(`${this.url}/jobs/${id}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) throw await failure(response, `Model Factory job ${id}`);
    return (await response.json()) as FactoryJob;
  }

  /** The settings of one of the factory's presets (`GET /hyperparameters/presets`). */
  async preset(name: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}/hyperparameters/presets`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await failure(response, "Model Factory presets");
    const { presets } = (await response.json()) as {
      presets: Record<string, { hyperparameters: Record<string, unknown> }>;
    };
    const preset = presets[name];
    if (preset === undefined) throw new Error(`the Model Factory has no preset ${name}`);
    return preset.hyperparameters;
  }

  /** Polls the job until it ends; `onProgress` sees each new training step. */
  async waitForJob(
    id: string,
    onProgress: (progress: NonNullable<FactoryJob["progress"]>) => void = () => {},
    timeoutMs = 30 * 60_000,
  ): Promise<FactoryJob> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (job.progress) onProgress(job.progress);
      if (["completed", "failed", "cancelled"].includes(job.status)) return job;
      if (Date.now() > deadline)
        throw new Error(`Model Factory job ${id} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The job's adapter package, checked against the hash the job reports. */
  async adapter(id: string): Promise<Uint8Array> {
    const response = await fetch(`${this.url}/jobs/${id}/adapter`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await failure(response, `Model Factory job ${id} adapter`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const expected = response.headers.get("x-adapter-sha256");
    if (expected && contentHash(bytes) !== expected.toLowerCase()) {
      throw new Error(`Model Factory job ${id}: adapter does not hash to ${expected}`);
    }
    return bytes;
  }
}

/** Stores a blob on the data gateway and returns its content hash. */
export async function uploadBlob(
  gatewayUrl: string,
  content: string | Uint8Array,
  visibility: "public" | "datanet",
): Promise<Hex> {
  return (await putBlob({ url: gatewayUrl, content, visibility })).hash;
}
