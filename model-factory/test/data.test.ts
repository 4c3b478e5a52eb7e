import { describe, expect, it } from "vitest";
import { ContributionFormatError, collate, encodeExample, parseContribution } from "../src/data/examples.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("contributions to examples", () => {
  it("reads JSON objects, arrays and JSON lines of prompt/response pairs", () => {
    expect(parseContribution(bytes('{"prompt":"a","response":"b"}'))).toEqual([
      { prompt: "a", response: "b" },
    ]);
    expect(
      parseContribution(bytes('[{"question":"q1","answer":"a1"},{"instruction":"i","output":"o"}]')),
    ).toEqual([
      { prompt: "q1", response: "a1" },
      { prompt: "i", response: "o" },
    ]);
    expect(parseContribution(bytes('{"input":"x","output":"y"}\n{"prompt":"p","response":"r"}\n'))).toEqual([
      { prompt: "x", response: "y" },
      { prompt: "p", response: "r" },
    ]);
  });

  it("reads Q:/A: text and falls back to plain text", () => {
    expect(parseContribution(bytes("Q: Where?\nA: Here.\nQ: When?\nA: Now."))).toEqual([
      { prompt: "Where?", response: "Here." },
      { prompt: "When?", response: "Now." },
    ]);
    expect(parseContribution(bytes("Just a paragraph."), { contributionId: 4n })).toEqual([
      { prompt: "", response: "Just a paragraph.", contributionId: 4n },
    ]);
    expect(parseContribution(bytes("   "))).toEqual([]);
  });

  it("refuses binary content and JSON without pairs", () => {
    expect(() => parseContribution(Uint8Array.of(0xff, 0xfe, 0x00))).toThrow(ContributionFormatError);
    expect(() => parseContribution(bytes('{"text":"no pair"}'))).toThrow(/prompt, response/);
  });
});

describe("encoding and batching", () => {
  it("prompts with the node's chat template and counts only response tokens", () => {
    const e = encodeExample({ prompt: "hi", response: "yo" }, 64);
    const promptText = "user: hi\nassistant: ";
    expect(e?.tokens).toEqual([256, ...bytes(promptText), ...bytes("yo"), 257]);
    expect(e?.responseStart).toBe(1 + promptText.length);
    const batch = collate([e as NonNullable<typeof e>, { tokens: [256, 65, 66], responseStart: 2 }]);
    expect(batch.length).toBe(e?.tokens.length);
    // Row 0: positions responseStart-1 .. end-1 predict "y", "o", EOS.
    const row0 = Array.from(batch.lossMask.subarray(0, batch.length));
    expect(row0.reduce((a, b) => a + b, 0)).toBe(3);
    expect(Array.from(batch.targets.subarray(row0.indexOf(1), row0.indexOf(1) + 3))).toEqual([121, 111, 257]);
    // Row 1 is padded: only position 1 (predicting 66) counts.
    expect(Array.from(batch.lossMask.subarray(batch.length, batch.length + 3))).toEqual([0, 1, 0]);
  });

  it("truncates long responses and drops prompts that do not fit", () => {
    expect(encodeExample({ prompt: "p", response: "x".repeat(100) }, 40)?.tokens).toHaveLength(40);
    expect(encodeExample({ prompt: "p".repeat(100), response: "r" }, 40)).toBeNull();
  });
});
