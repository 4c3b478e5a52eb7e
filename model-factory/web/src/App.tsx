import { registerModel } from "@payable-ai/sdk";
import { createParser } from "eventsource-parser";
import { useCallback, useEffect, useState } from "react";
import { parseEther } from "viem";
import { useAccount, useConfig, useConnect, useSignTypedData } from "wagmi";
import { getWalletClient } from "wagmi/actions";
import { AccountPanel } from "./Account.js";
import { API, api, type ChainInfo, type Domain, type Job, type Preset, type Progress } from "./api.js";
import { DatanetList, DatanetPanel } from "./Datanet.js";
import { errorText } from "./errors.js";
import { GovernancePanel } from "./Governance.js";
import { LossChart, type LossPoint } from "./LossChart.js";
import { devSigner, LOCAL_CHAIN_ID, type Signer, signAccess } from "./wallet.js";

/** "1-24, 30" → [1n, ..., 24n, 30n] */
function parseIds(text: string): bigint[] {
  const ids: bigint[] = [];
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      for (let i = BigInt(range[1] as string); i <= BigInt(range[2] as string); i++) ids.push(i);
    } else if (/^\d+$/.test(part)) {
      ids.push(BigInt(part));
    } else {
      throw new Error(`"${part}" is not a contribution id or range`);
    }
  }
  if (ids.length === 0) throw new Error("choose at least one contribution");
  return ids;
}

function Connect({
  domain,
  chain,
  signer,
  onSigner,
}: {
  domain: Domain;
  chain: ChainInfo | null;
  signer: Signer | null;
  onSigner: (s: Signer) => void;
}) {
  const config = useConfig();
  const { connect, connectors } = useConnect();
  const { address, isConnected } = useAccount();
  const { signTypedDataAsync } = useSignTypedData();
  useEffect(() => {
    if (isConnected && address && signer?.kind !== "dev") {
      onSigner({
        address,
        kind: "injected",
        signTypedData: (p) => signTypedDataAsync(p),
        walletClient: async () =>
          (await getWalletClient(config)) as Awaited<ReturnType<Signer["walletClient"]>>,
      });
    }
  }, [isConnected, address, signer?.kind, onSigner, signTypedDataAsync, config]);
  if (signer) {
    return (
      <p data-testid="account">
        Connected: <code>{signer.address}</code> ({signer.kind === "dev" ? "local dev account" : "wallet"})
      </p>
    );
  }
  return (
    <p>
      {connectors.map((c) => (
        <button type="button" key={c.uid} onClick={() => connect({ connector: c })}>
          Connect {c.name}
        </button>
      ))}
      {(domain.chainId === LOCAL_CHAIN_ID || chain?.local) && (
        <button type="button" onClick={() => onSigner(devSigner())}>
          Use dev account
        </button>
      )}
    </p>
  );
}

function LaunchForm({
  domain,
  signer,
  onJob,
  datanetId,
  setDatanetId,
  contributions,
  setContributions,
}: {
  domain: Domain;
  signer: Signer | null;
  onJob: (job: Job) => void;
  datanetId: string;
  setDatanetId: (v: string) => void;
  contributions: string;
  setContributions: (v: string) => void;
}) {
  const [models, setModels] = useState<string[]>([]);
  const [defaults, setDefaults] = useState<Record<string, unknown>>({});
  const [baseModel, setBaseModel] = useState("");
  const [presets, setPresets] = useState<Record<string, Preset>>({});
  const [preset, setPreset] = useState("");
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.baseModels().then((r) => {
      setModels(r.baseModels);
      setBaseModel((m) => m || (r.baseModels[0] ?? ""));
    });
    api.defaults().then(setDefaults);
    api.presets().then((r) => setPresets(r.presets));
  }, []);
  // The placeholders show what the chosen preset trains with.
  const shown = preset ? { ...defaults, ...presets[preset]?.hyperparameters } : defaults;
  const fields = ["rank", "alpha", "learningRate", "epochs", "maxSteps", "batchSize", "evalEvery"];

  const launch = async () => {
    setError(null);
    setBusy(true);
    try {
      if (!signer) throw new Error("connect a wallet first");
      const ids = parseIds(contributions);
      const hyperparameters: Record<string, number> = {};
      for (const [key, value] of Object.entries(overrides))
        if (value.trim()) hyperparameters[key] = Number(value);
      const access = await signAccess(signer, domain, BigInt(datanetId));
      onJob(
        await api.createJob({
          baseModel,
          datanets: [{ datanetId, contributionIds: ids.map(String) }],
          access: [access],
          ...(preset ? { preset } : {}),
          hyperparameters,
        }),
      );
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <fieldset>
      <legend>New fine-tune</legend>
      <label>
        Base model{" "}
        <select value={baseModel} onChange={(e) => setBaseModel(e.target.value)} aria-label="base model">
          {models.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <br />
      <label>
        Datanet{" "}
        <input
          aria-label="datanet"
          value={datanetId}
          onChange={(e) => setDatanetId(e.target.value)}
          size={6}
        />
      </label>{" "}
      <label>
        Contributions{" "}
        <input
          aria-label="contributions"
          placeholder="1-100, 120"
          value={contributions}
          onChange={(e) => setContributions(e.target.value)}
        />
      </label>
      <br />
      <label>
        Preset{" "}
        <select value={preset} onChange={(e) => setPreset(e.target.value)} aria-label="preset">
          <option value="">chosen from the data</option>
          {Object.keys(presets).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>{" "}
      {preset && <small data-testid="preset-description">{presets[preset]?.description}</small>}
      <br />
      {fields.map((f) => (
        <label key={f} style={{ marginRight: 8 }}>
          {f}{" "}
          <input
            aria-label={f}
            size={7}
            placeholder={shown[f] === undefined ? "auto" : String(shown[f])}
            value={overrides[f] ?? ""}
            onChange={(e) => setOverrides({ ...overrides, [f]: e.target.value })}
          />
        </label>
      ))}
      <br />
      <button type="button" disabled={busy} onClick={launch}>
        Sign access request and launch
      </button>
      {error && (
        <p role="alert" style={{ color: "#b91c1c" }}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

function Compare({ jobId }: { jobId: string }) {
  const [prompt, setPrompt] = useState("");
  const [answers, setAnswers] = useState<{ base: string; tuned: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    try {
      setAnswers(await api.compare(jobId, prompt));
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <fieldset>
      <legend>Compare answers</legend>
      <input
        aria-label="compare prompt"
        size={50}
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
      />{" "}
      <button type="button" onClick={run}>
        Compare
      </button>
      {error && <p role="alert">{error}</p>}
      {answers && (
        <table data-testid="compare">
          <thead>
            <tr>
              <th>Base model</th>
              <th>Fine-tuned</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td data-testid="answer-base">{answers.base}</td>
              <td data-testid="answer-tuned">{answers.tuned}</td>
            </tr>
          </tbody>
        </table>
      )}
    </fieldset>
  );
}

interface Source {
  n: number;
  contributionId: string;
  uri: string;
  score: number;
}

/** Chat with the registered model through the inference node, with retrieved contributions as sources. */
function Playground({ jobId, modelId }: { jobId: string; modelId: string }) {
  const [question, setQuestion] = useState("");
  const [answer, setAnswer] = useState("");
  const [sources, setSources] = useState<Source[]>([]);
  const [cited, setCited] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ask = async () => {
    setError(null);
    setAnswer("");
    setSources([]);
    setCited(null);
    try {
      const response = await fetch(`${API}/jobs/${jobId}/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // As long an answer as a keeper lets the model write (keepers' answerRecipe.maxOutputTokens).
        body: JSON.stringify({ model: modelId, question, maxTokens: 96 }),
      });
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => null);
        throw new Error(body?.error?.message ?? response.statusText);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = createParser({
        onEvent: ({ event, data }) => {
          const parsed = JSON.parse(data);
          if (event === "sources") setSources(parsed);
          else if (event === "token") setAnswer((a) => a + parsed.text);
          else if (event === "done") setCited(parsed.cited);
        },
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <fieldset>
      <legend>Chat with model {modelId}</legend>
      <p data-testid="model-honesty">
        The local base model is a tiny stand-in (no pretrained model ships here): a fine-tune of it repeats
        the answers it memorized from its datanet, word for word, and produces noise for any other question.
        Keepers pay the contributions an answer quotes; the sources below are the passages retrieved for the
        question.
      </p>
      <input aria-label="question" size={50} value={question} onChange={(e) => setQuestion(e.target.value)} />{" "}
      <button type="button" onClick={ask}>
        Ask
      </button>
      {error && <p role="alert">{error}</p>}
      <p data-testid="chat-answer" data-done={cited !== null}>
        {answer}
      </p>
      {sources.length > 0 && (
        <ol data-testid="sources">
          {sources.map((s) => (
            <li key={s.n}>
              <a href={s.uri}>contribution {s.contributionId}</a> (BM25 {s.score.toFixed(2)})
              {cited?.includes(s.contributionId) && <strong> cited</strong>}
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  );
}

function Register({ job, chain, signer }: { job: Job; chain: ChainInfo; signer: Signer | null }) {
  const [price, setPrice] = useState("1");
  // The factory's metadata names the training manifest on the gateway; keepers read it from there.
  const [metadataURI, setMetadataURI] = useState(job.output?.metadataURI ?? "");
  const [modelId, setModelId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const output = job.output;
  if (!output?.manifestRoot) return null;
  const register = async () => {
    setError(null);
    setBusy(true);
    try {
      if (!signer) throw new Error("connect a wallet first");
      const client = await signer.walletClient(chain);
      const result = await registerModel(client, {
        contracts: chain.contracts as Parameters<typeof registerModel>[1]["contracts"],
        baseModelId: job.baseModel,
        adapterHash: output.adapterHash as `0x${string}`,
        adapterURI: output.adapterURI ?? new URL(`${API}/jobs/${job.id}/adapter`, window.location.href).href,
        manifestRoot: output.manifestRoot as `0x${string}`,
        datanetIds: job.datanets.map((d) => BigInt(d.datanetId)),
        pricePerRequest: parseEther(price),
        metadataURI,
      });
      setModelId(result.modelId.toString());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset>
      <legend>Register on-chain</legend>
      <label>
        Price per request (OPEN){" "}
        <input aria-label="price" size={6} value={price} onChange={(e) => setPrice(e.target.value)} />
      </label>{" "}
      <label>
        Metadata URI{" "}
        <input
          aria-label="metadata URI"
          value={metadataURI}
          onChange={(e) => setMetadataURI(e.target.value)}
        />
      </label>{" "}
      <button type="button" disabled={busy || modelId !== null} onClick={register}>
        Register model
      </button>
      {modelId && (
        <p>
          Registered as model <strong data-testid="model-id">{modelId}</strong>
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      {modelId && <Playground jobId={job.id} modelId={modelId} />}
    </fieldset>
  );
}

function JobView({
  job: initial,
  onUpdate,
  chain,
  signer,
}: {
  job: Job;
  onUpdate: (job: Job) => void;
  chain: ChainInfo | null;
  signer: Signer | null;
}) {
  const [job, setJob] = useState(initial);
  const [points, setPoints] = useState<LossPoint[]>([]);
  const [progress, setProgress] = useState<Progress | null>(initial.progress);
  useEffect(() => {
    setPoints([]);
    const source = new EventSource(`${API}/jobs/${initial.id}/events`);
    source.addEventListener("status", (e) => {
      const next = JSON.parse((e as MessageEvent).data) as Job;
      setJob(next);
      onUpdate(next);
      if (["completed", "failed", "cancelled"].includes(next.status)) source.close();
    });
    source.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent).data) as Progress;
      setProgress(p);
      setPoints((old) => [
        ...old.filter((x) => x.step !== p.step),
        { step: p.step, loss: p.loss, evalLoss: p.evalLoss },
      ]);
    });
    return () => source.close();
  }, [initial.id, onUpdate]);
  const done = ["completed", "failed", "cancelled"].includes(job.status);
  return (
    <section>
      <h2>
        {job.name} — <span data-testid="job-status">{job.status}</span>
      </h2>
      {progress && (
        <p data-testid="progress">
          step {progress.step}/{progress.totalSteps} · loss {progress.loss.toFixed(3)}
          {progress.evalLoss !== undefined && ` · eval ${progress.evalLoss.toFixed(3)}`} ·{" "}
          {progress.tokensPerSecond.toFixed(0)} tokens/s · ETA {progress.etaSeconds.toFixed(0)} s
        </p>
      )}
      <LossChart points={points} totalSteps={progress?.totalSteps ?? 1} />
      {!done && (
        <p>
          <button type="button" onClick={() => api.cancel(job.id).catch(() => undefined)}>
            Cancel
          </button>
        </p>
      )}
      {job.error && <p role="alert">{job.error}</p>}
      {job.output && (
        <dl data-testid="evaluation">
          {job.output.evalLossBase !== null && job.output.evalLossTuned !== null && (
            <>
              <dt>Eval loss, base model</dt>
              <dd data-testid="eval-base">{job.output.evalLossBase.toFixed(3)}</dd>
              <dt>Eval loss, fine-tuned</dt>
              <dd data-testid="eval-tuned">{job.output.evalLossTuned.toFixed(3)}</dd>
            </>
          )}
          {job.evaluation && (
            <>
              <dt>Exact answers on the training data, fine-tuned / base</dt>
              <dd data-testid="exact-answers">
                {job.evaluation.tuned.exactMatches}/{job.evaluation.trainExamples} /{" "}
                {job.evaluation.base.exactMatches}/{job.evaluation.trainExamples}
              </dd>
            </>
          )}
          <dt>Adapter sha256</dt>
          <dd>
            <code>{job.output.adapterHash}</code>
          </dd>
          <dt>Training manifest root</dt>
          <dd>
            <code>{job.output.manifestRoot}</code>
          </dd>
        </dl>
      )}
      {job.status === "completed" && <Compare jobId={job.id} />}
      {job.status === "completed" && chain && <Register job={job} chain={chain} signer={signer} />}
    </section>
  );
}

export function App({ domain, chain }: { domain: Domain; chain: ChainInfo | null }) {
  const [signer, setSigner] = useState<Signer | null>(null);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [current, setCurrent] = useState<Job | null>(null);
  const [datanetId, setDatanetId] = useState("1");
  const [contributions, setContributions] = useState("");
  const onUpdate = useCallback(
    (job: Job) => setJobs((old) => old.map((j) => (j.id === job.id ? job : j))),
    [],
  );
  useEffect(() => {
    api.jobs().then((r) => setJobs(r.jobs));
  }, []);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 760, margin: "1rem auto" }}>
      <h1>Model Factory</h1>
      <p>
        Chain {domain.chainId} · DatanetRegistry <code>{domain.datanetRegistry}</code>
      </p>
      <Connect domain={domain} chain={chain} signer={signer} onSigner={setSigner} />
      {chain && signer && <AccountPanel chain={chain} signer={signer} />}
      {chain && signer && <GovernancePanel chain={chain} signer={signer} />}
      {chain && <DatanetList chain={chain} onOpen={setDatanetId} />}
      {chain && (
        <DatanetPanel
          key={datanetId}
          chain={chain}
          signer={signer}
          datanetId={datanetId}
          onSelect={(ids) => setContributions(ids.join(", "))}
        />
      )}
      <LaunchForm
        domain={domain}
        signer={signer}
        datanetId={datanetId}
        setDatanetId={setDatanetId}
        contributions={contributions}
        setContributions={setContributions}
        onJob={(job) => {
          setCurrent(job);
          setJobs((old) => [job, ...old]);
        }}
      />
      {current && (
        <JobView key={current.id} job={current} onUpdate={onUpdate} chain={chain} signer={signer} />
      )}
      <h2>Jobs</h2>
      <ul data-testid="jobs">
        {jobs.map((j) => (
          <li key={j.id}>
            <button type="button" onClick={() => setCurrent(j)}>
              {j.name}
            </button>{" "}
            {j.status}
          </li>
        ))}
      </ul>
    </main>
  );
}
