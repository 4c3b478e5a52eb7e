/** Client of the Model Factory's job API, reached through the app server at `/api/factory`. */
export const FACTORY = "/api/factory";

export type Progress = {
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  evalLoss?: number;
  tokensPerSecond: number;
  etaSeconds: number;
  elapsedSeconds: number;
};

export type Job = {
  id: string;
  name: string;
  baseModel: string;
  datanets: { datanetId: string; contributionIds: string[] }[];
  preset: string | null;
  hyperparameters: Record<string, unknown>;
  status: "queued" | "fetching" | "training" | "completed" | "failed" | "cancelled" | string;
  createdAt: string;
  updatedAt: string;
  progress: Progress | null;
  losses?: { step: number; loss: number }[];
  evals: { step: number; loss: number; perplexity: number }[];
  error: string | null;
  output: {
    adapterHash: `0x${string}`;
    adapterURI: string | null;
    manifestRoot: `0x${string}` | null;
    manifestURI: string | null;
    metadataURI: string;
    evalLossBase: number | null;
    evalLossTuned: number | null;
    steps: number;
    contributions: number;
  } | null;
  evaluation: {
    trainExamples: number;
    tuned: { exactMatches: number };
    base: { exactMatches: number };
  } | null;
};

export type Preset = { description: string; hyperparameters: Record<string, unknown> };

export const TERMINAL = ["completed", "failed", "cancelled"];

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${FACTORY}${path}`, init);
  const body = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!response.ok || body === null)
    throw new Error(body?.error?.message ?? `the Model Factory answered ${response.status}`);
  return body;
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export const factory = {
  baseModels: () => call<{ baseModels: string[] }>("/base-models"),
  defaults: () => call<Record<string, unknown>>("/hyperparameters/defaults"),
  presets: () => call<{ presets: Record<string, Preset> }>("/hyperparameters/presets"),
  jobs: () => call<{ jobs: Job[] }>("/jobs"),
  job: (id: string) => call<Job>(`/jobs/${id}`),
  createJob: (body: unknown) => call<Job>("/jobs", post(body)),
  cancel: (id: string) => call<Job>(`/jobs/${id}/cancel`, { method: "POST" }),
  compare: (id: string, prompt: string) =>
    call<{ base: string; tuned: string }>(`/jobs/${id}/compare`, post({ prompt, maxTokens: 64 })),
  chat: (id: string, body: { model: string; question: string; maxTokens?: number }, signal?: AbortSignal) =>
    fetch(`${FACTORY}/jobs/${id}/chat`, { ...post(body), signal }),
};
