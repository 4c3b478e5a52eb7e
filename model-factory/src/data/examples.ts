import type { Hex } from "viem";
import { ByteTokenizer, EOS_TOKEN, PAD_TOKEN } from "../base/inferenceNode.js";
import { FactoryError } from "../errors.js";
import type { TokenBatch } from "../train/loraLlama.js";

/** One prompt/response pair and the contribution it came from (for the training manifest). */
export interface TrainingExample {
  prompt: string;
  response: string;
  contributionId?: bigint;
  contentHash?: Hex;
  /** The contribution's URI as registered on-chain (links in RAG citations). */
  uri?: string;
}

/** Tokens of one example; the loss covers the tokens from `responseStart` on (response + EOS). */
export interface EncodedExample {
  tokens: number[];
  responseStart: number;
}

const tokenizer = new ByteTokenizer();

/**
 * Encodes an example the way the inference node's chat endpoint will prompt the model:
 * `<bos>user: <prompt>\nassistant: ` then the response bytes and `<eos>`. Examples longer than
 * `maxLength` lose the end of their response; one whose prompt alone does not fit is dropped (null).
 */
export function encodeExample(example: TrainingExample, maxLength: number): EncodedExample | null {
  const prompt = tokenizer.encode(tokenizer.applyChatTemplate([{ role: "user", content: example.prompt }]));
  const response = [...new TextEncoder().encode(example.response), EOS_TOKEN];
  if (prompt.length + 1 > maxLength) return null;
  const tokens = [...prompt, ...response].slice(0, maxLength);
  return { tokens, responseStart: prompt.length };
}

/** Pads a batch on the right; position t predicts token t+1, counted when that token is a response token. */
export function collate(examples: readonly EncodedExample[]): TokenBatch {
  if (examples.length === 0) throw new Error("a batch needs at least one example");
  const rows = examples.length;
  const length = Math.max(...examples.map((e) => e.tokens.length));
  const ids = new Int32Array(rows * length).fill(PAD_TOKEN);
  const targets = new Int32Array(rows * length).fill(PAD_TOKEN);
  const lossMask = new Float32Array(rows * length);
  examples.forEach((example, r) => {
    const { tokens, responseStart } = example;
    ids.set(tokens, r * length);
    for (let t = 0; t + 1 < tokens.length; t++) {
      targets[r * length + t] = tokens[t + 1] as number;
      if (t + 1 >= responseStart) lossMask[r * length + t] = 1;
    }
  });
  return { rows, length, ids, targets, lossMask };
}

export function countLossTokens(example: EncodedExample): number {
  return example.tokens.length - example.responseStart;
}

/** A contribution the trainer cannot read as examples: the data's fault, shown as the job's reason. */
export class ContributionFormatError extends FactoryError {
  override name = "ContributionFormatError";
  constructor(message: string) {
    super(400, "contribution_format", message);
  }
}

const PAIR_KEYS: [string, string][] = [
  ["prompt", "response"],
  ["instruction", "output"],
  ["question", "answer"],
  ["input", "output"],
];

function pairOf(value: unknown): { prompt: string; response: string } | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  for (const [p, r] of PAIR_KEYS) {
    if (typeof record[p] === "string" && typeof record[r] === "string") {
      return { prompt: record[p] as string, response: record[r] as string };
    }
  }
  return null;
}

/**
 * Turns a datanet contribution into examples. Accepted: a JSON object or array of
 * `{prompt, response}` (also `instruction/output`, `question/answer`, `input/output`), JSON lines
 * of those, `Q: ... A: ...` text pairs, or plain text (one example with an empty prompt, i.e.
 * continued pre-training on the text).
 */
export function parseContribution(
  bytes: Uint8Array,
  source: { contributionId?: bigint; contentHash?: Hex; uri?: string } = {},
): TrainingExample[] {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ContributionFormatError(
      `contribution ${source.contributionId ?? "?"} is not UTF-8 text; only text datanets can be trained on`,
    );
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) return [];
  const pairs: { prompt: string; response: string }[] = [];
  const fromJson = (value: unknown) => {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const pair = pairOf(item);
      if (!pair) throw new ContributionFormatError("a JSON contribution must hold {prompt, response} pairs");
      pairs.push(pair);
    }
  };
  let parsedJson = false;
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      fromJson(JSON.parse(trimmed));
      parsedJson = true;
    } catch (error) {
      if (error instanceof ContributionFormatError) throw error;
      const lines = trimmed.split("\n").filter((l) => l.trim().length > 0);
      try {
        for (const line of lines) fromJson(JSON.parse(line));
        parsedJson = true;
      } catch (lineError) {
        if (lineError instanceof ContributionFormatError) throw lineError;
      }
    }
  }
  if (!parsedJson) {
    const qa = [...trimmed.matchAll(/Q:\s*([\s\S]*?)\s*\nA:\s*([\s\S]*?)(?=\n\s*Q:|$)/g)];
    if (qa.length > 0) {
      for (const m of qa) pairs.push({ prompt: (m[1] as string).trim(), response: (m[2] as string).trim() });
    } else {
      pairs.push({ prompt: "", response: trimmed });
    }
  }
  return pairs.map((p) => ({ ...p, ...source }));
}
