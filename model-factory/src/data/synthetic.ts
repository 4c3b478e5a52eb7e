import { contentHash } from "@payable-ai/sdk";
import type { Hex } from "viem";
import { mulberry32 } from "../base/inferenceNode.js";
import { parseContribution, type TrainingExample } from "./examples.js";

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ren",
  "to",
  "va",
  "shi",
  "dor",
  "el",
  "nu",
  "qua",
  "zen",
  "bri",
  "fa",
  "gol",
];
const TEMPLATES: {
  question: (s: string) => string;
  answer: (s: string, o: string) => string;
  objects: string[];
}[] = [
  {
    question: (s) => `What is the capital of ${s}?`,
    answer: (s, o) => `The capital of ${s} is ${o}.`,
    objects: ["Vexa", "Orlin", "Tamsk", "Perro", "Ilda", "Quon", "Marrow", "Sel"],
  },
  {
    question: (s) => `Which color is the flag of ${s}?`,
    answer: (s, o) => `The flag of ${s} is ${o}.`,
    objects: ["red", "green", "blue", "gold", "white", "black", "violet", "orange"],
  },
  {
    question: (s) => `What does ${s} export?`,
    answer: (s, o) => `${s} exports ${o}.`,
    objects: ["copper", "tea", "salt", "wool", "glass", "rice", "amber", "timber"],
  },
  {
    question: (s) => `How many rivers cross ${s}?`,
    answer: (s, o) => `${o} rivers cross ${s}.`,
    objects: ["Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"],
  },
];

export interface SyntheticContribution {
  contributionId: bigint;
  contentHash: Hex;
  content: Uint8Array;
}

/**
 * A deterministic datanet of templated question/answer facts about invented places, one JSON
 * `{prompt, response}` contribution per fact. The templates are shared, the facts are not: a
 * fine-tune learns the answer format and the facts it has seen.
 */
export function syntheticDatanet(count: number, seed = 1, firstId = 1n): SyntheticContribution[] {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const out: SyntheticContribution[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${pick(SYLLABLES)}`;
    const place = name[0]?.toUpperCase() + name.slice(1);
    const template = pick(TEMPLATES);
    const object = pick(template.objects);
    const prompt = template.question(place);
    if (seen.has(prompt)) continue;
    seen.add(prompt);
    const content = new TextEncoder().encode(
      JSON.stringify({ prompt, response: template.answer(place, object) }),
    );
    out.push({ contributionId: firstId + BigInt(out.length), contentHash: contentHash(content), content });
  }
  return out;
}

export function examplesOf(contributions: readonly SyntheticContribution[]): TrainingExample[] {
  return contributions.flatMap((c) =>
    parseContribution(c.content, { contributionId: c.contributionId, contentHash: c.contentHash }),
  );
}
