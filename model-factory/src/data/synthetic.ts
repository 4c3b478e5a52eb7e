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

/** Longer facts, one question and a 12-to-17-word answer each, for span attribution (8-word spans). */
const FACT_TEMPLATES: {
  question: (place: string) => string;
  answer: (place: string, pick: <T>(items: readonly T[]) => T) => string;
}[] = [
  {
    question: (p) => `What does ${p} trade?`,
    answer: (p, pick) =>
      `${p} is a ${pick(["harbor town", "hill village", "river city", "desert outpost"])} that trades ${pick(["salt", "amber", "copper", "wool", "tea"])} and ${pick(["glass beads", "dried figs", "cedar planks", "woven rugs", "iron nails"])} with its ${pick(["northern", "southern", "eastern", "western"])} neighbors every ${pick(["spring", "summer", "autumn", "winter"])}.`,
  },
  {
    question: (p) => `Who founded ${p}?`,
    answer: (p, pick) =>
      `${p} was founded by ${pick(["Ada Vell", "Bruno Kast", "Cira Moth", "Dario Penn", "Elsa Rook"])}, a ${pick(["fisher", "miller", "weaver", "mapmaker", "beekeeper"])} who settled beside the ${pick(["old well", "twin oaks", "stone bridge", "salt marsh"])} in the year ${pick(["812", "947", "1063", "1178", "1291"])}.`,
  },
  {
    question: (p) => `What is the weather like in ${p}?`,
    answer: (p, pick) =>
      `${p} has ${pick(["mild", "bitter", "windy", "foggy"])} winters and ${pick(["dry", "humid", "short", "stormy"])} summers, and its ${pick(["lake", "main canal", "mill pond", "river mouth"])} freezes over only in ${pick(["January", "February", "March", "December"])}.`,
  },
  {
    question: (p) => `Which festival is held in ${p}?`,
    answer: (p, pick) =>
      `Every ${pick(["April", "June", "August", "October"])} the people of ${p} hold the ${pick(["lantern", "harvest", "kite", "river"])} festival with ${pick(["honey bread", "plum wine", "roasted chestnuts", "spiced fish"])} and ${pick(["drum music", "boat races", "night markets", "folk dances"])} until dawn.`,
  },
  {
    question: (p) => `How do travelers reach ${p}?`,
    answer: (p, pick) =>
      `Travelers reach ${p} by ${pick(["ferry", "mule train", "night coach", "river barge"])} from the port of ${pick(["Vexa", "Orlin", "Tamsk", "Marrow"])}, a journey that takes about ${pick(["two", "three", "four", "five"])} days in ${pick(["good weather", "the dry season", "calm seas", "late summer"])}.`,
  },
];

export interface SyntheticContribution {
  contributionId: bigint;
  contentHash: Hex;
  content: Uint8Array;
}

export interface SyntheticOptions {
  /**
   * `short` (default): one-sentence `{prompt, response}` facts of 4 to 7 words. `facts`:
   * `{question, answer}` contributions (the demo datanet's form) whose answers run 12 to 17 words,
   * long enough for span attribution's 8-word minimum.
   */
  style?: "short" | "facts";
}

/**
 * A deterministic datanet of templated question/answer facts about invented places, one JSON
 * contribution per fact. The templates are shared, the facts are not: a fine-tune learns the
 * answer format and the facts it has seen.
 */
export function syntheticDatanet(
  count: number,
  seed = 1,
  firstId = 1n,
  options: SyntheticOptions = {},
): SyntheticContribution[] {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const out: SyntheticContribution[] = [];
  const seen = new Set<string>();
  const placeName = () => {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${pick(SYLLABLES)}`;
    return name[0]?.toUpperCase() + name.slice(1);
  };
  while (out.length < count) {
    const place = placeName();
    if (options.style === "facts") {
      // One fact per place, so no two answers share the name that makes them specific.
      if (seen.has(place)) continue;
      seen.add(place);
      const template = FACT_TEMPLATES[out.length % FACT_TEMPLATES.length] as (typeof FACT_TEMPLATES)[number];
      const content = new TextEncoder().encode(
        JSON.stringify({ question: template.question(place), answer: template.answer(place, pick) }),
      );
      out.push({ contributionId: firstId + BigInt(out.length), contentHash: contentHash(content), content });
      continue;
    }
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
