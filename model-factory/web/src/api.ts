/** Client of the job service; the app is served by it, so the API is on the same origin under /api. */
export const API = "/api";

export interface Progress {
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  evalLoss?: number;
  evalPerplexity?: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface Job {
  id: string;
  name: string;
  baseModel: string;
  datanets: { datanetId: string; contributionIds: string[] }[];
  status: string;
  progress: Progress | null;
  error: string | null;
  output: {
    adapterHash: string;
    adapterURI: string | null;
    manifestRoot: string | null;
    /** `blob:0x…` of the training manifest on the gateway. */
    manifestURI: string | null;
    /** The metadata to register with: name, base model and the training manifest. */
    metadataURI: string;
    evalLossBase: number | null;
    evalLossTuned: number | null;
    steps: number;
  } | null;
  /** Greedy exact answers of the adapter and of the base on the training split, once completed. */
  evaluation: {
    trainExamples: number;
    tuned: { exactMatches: number };
    base: { exactMatches: number };
  } | null;
}

export interface Preset {
  description: string;
  hyperparameters: Record<string, unknown>;
}

export interface Domain {
  chainId: number;
  datanetRegistry: `0x${string}`;
}

export interface ChainInfo {
  rpcUrl: string;
  chainId: number;
  local: boolean;
  contracts: Record<string, `0x${string}`>;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${API}${path}`, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? response.statusText);
  return body as T;
}

export const api = {
  domain: () => call<Domain>("/gateway/domain"),
  /** null when the service knows no chain (no on-chain steps then). */
  chain: () => call<ChainInfo>("/chain").catch(() => null),
  baseModels: () => call<{ baseModels: string[] }>("/base-models"),
  defaults: () => call<Record<string, unknown>>("/hyperparameters/defaults"),
  presets: () => call<{ default: string; presets: Record<string, Preset> }>("/hyperparameters/presets"),
  jobs: () => call<{ jobs: Job[] }>("/jobs"),
  createJob: (body: unknown) =>
    call<Job>("/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  compare: (id: string, prompt: string) =>
    call<{ base: string; tuned: string }>(`/jobs/${id}/compare`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, maxTokens: 64 }),
    }),
  cancel: (id: string) => call<Job>(`/jobs/${id}/cancel`, { method: "POST" }),
};
