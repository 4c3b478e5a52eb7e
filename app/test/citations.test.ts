/** The marks an answer gets from its attribution: only where a credited span ends. */
import { describe, expect, it } from "vitest";
import { markCitations, markSpans, numberSources } from "../src/citations.js";

describe("numberSources", () => {
  it.each([
    {
      name: "no spans: by id",
      attributed: ["9", "3"],
      spans: [],
      expected: [
        ["3", 1],
        ["9", 2],
      ],
    },
    {
      name: "first appearance in the answer first, then the rest by id",
      attributed: ["2", "5", "7"],
      spans: [
        { charStart: 10, charEnd: 20, contributionIds: ["7"] },
        { charStart: 0, charEnd: 8, contributionIds: ["5", "7"] },
      ],
      expected: [
        ["5", 1],
        ["7", 2],
        ["2", 3],
      ],
    },
    {
      name: "a span's uncredited contribution gets no number",
      attributed: ["4"],
      spans: [{ charStart: 0, charEnd: 5, contributionIds: ["1", "4"] }],
      expected: [["4", 1]],
    },
  ])("$name", ({ attributed, spans, expected }) => {
    expect([...numberSources(attributed, spans)]).toEqual(expected);
  });
});

describe("markSpans", () => {
  const text = "Oxygen, bound to haemoglobin.";
  it.each([
    { name: "no span: the text alone", spans: [], numbers: [], expected: [{ text, marks: [] }] },
    {
      name: "a mark after the span, the rest unmarked",
      spans: [{ charStart: 0, charEnd: 6, contributionIds: ["3"] }],
      numbers: [["3", 1]],
      expected: [
        { text: "Oxygen", marks: [1] },
        { text: ", bound to haemoglobin.", marks: [] },
      ],
    },
    {
      name: "two contributions ending together share one mark",
      spans: [
        { charStart: 0, charEnd: text.length, contributionIds: ["8"] },
        { charStart: 8, charEnd: text.length, contributionIds: ["3"] },
      ],
      numbers: [
        ["3", 1],
        ["8", 2],
      ],
      expected: [{ text, marks: [1, 2] }],
    },
    {
      name: "a span of an uncredited contribution or past the text marks nothing",
      spans: [
        { charStart: 0, charEnd: 6, contributionIds: ["99"] },
        { charStart: 0, charEnd: 500, contributionIds: ["3"] },
      ],
      numbers: [["3", 1]],
      expected: [{ text, marks: [] }],
    },
  ])("$name", ({ spans, numbers, expected }) => {
    expect(markSpans(text, spans, new Map(numbers as [string, number][]))).toEqual(expected);
  });
});

describe("markCitations", () => {
  it.each([
    { text: "No citation.", passages: 2, expected: [{ text: "No citation.", marks: [] }] },
    {
      text: "Oxygen [1]. Haemoglobin [2, 1].",
      passages: 2,
      expected: [
        { text: "Oxygen ", marks: [1] },
        { text: ". Haemoglobin ", marks: [1, 2] },
        { text: ".", marks: [] },
      ],
    },
    // A number with no retrieved passage behind it is no citation.
    { text: "See [3].", passages: 2, expected: [{ text: "See [3].", marks: [] }] },
  ])("$text", ({ text, passages, expected }) => {
    expect(markCitations(text, passages)).toEqual(expected);
  });
});
