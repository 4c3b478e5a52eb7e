import { describe, expect, it } from "vitest";
import { deterministicLn } from "../src/detMath.js";
import { blankCitations, stripCitations } from "../src/rag.js";
import { decodeText, tokenize, tokenRanges } from "../src/tokenizer.js";

describe("tokenize", () => {
  it("normalises, lower-cases and splits on non-letters", () => {
    expect(tokenize("Hello, WORLD! It's 2026.")).toEqual(["hello", "world", "it", "s", "2026"]);
  });

  it("applies NFKC before splitting", () => {
    // U+FB01 (fi ligature) and full-width digits fold to ASCII; the composed and decomposed é agree.
    expect(tokenize("\uFB01ne １２３")).toEqual(["fine", "123"]);
    expect(tokenize("caf\u00e9")).toEqual(tokenize("cafe\u0301"));
  });

  it("keeps non-Latin scripts and drops punctuation and emoji", () => {
    expect(tokenize("Привет — мир 🙂 数据")).toEqual(["привет", "мир", "数据"]);
  });

  it("returns nothing for text without letters or digits", () => {
    expect(tokenize(" \n\t—!? ")).toEqual([]);
  });
});

describe("tokenRanges", () => {
  const words = (text: string) => tokenRanges(text)?.map((r) => text.slice(r.start, r.end));

  it("places every token in the original text, even where NFKC changes its letters", () => {
    expect(words("Hello, WORLD! It's 2026.")).toEqual(["Hello", "WORLD", "It", "s", "2026"]);
    expect(words("\uFB01ne １２３ cafe\u0301 😀 数据")).toEqual(["\uFB01ne", "１２３", "cafe\u0301", "数据"]);
    expect(tokenRanges(" \n—!? ")).toEqual([]);
  });

  it("agrees with tokenize token by token", () => {
    // "½" is one character and two tokens: both are placed on it.
    for (const text of ["Ǆemal ﬀ Ⅻ ½", "straße İstanbul ΣΊΣΥΦΟΣ", "a\u0301\u0302b 𝐀𝐁 x"]) {
      const ranges = tokenRanges(text) ?? [];
      const tokens = tokenize(text);
      expect(ranges).toHaveLength(tokens.length);
      ranges.forEach((r, i) => {
        expect(tokenize(text.slice(r.start, r.end))).toContain(tokens[i]);
      });
    }
  });

  it("reads citation markers as blanks in place", () => {
    const answer = "The Nile [1] is long [2, 3].";
    expect(blankCitations(answer)).toHaveLength(answer.length);
    expect(tokenize(blankCitations(answer))).toEqual(tokenize(stripCitations(answer)));
    expect(words(blankCitations(answer))).toEqual(["The", "Nile", "is", "long"]);
  });
});

describe("decodeText", () => {
  it("decodes UTF-8, drops a BOM and replaces invalid bytes", () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]))).toBe("hé");
    expect(decodeText(new Uint8Array([0x61, 0xff, 0x62]))).toBe("a\uFFFDb");
    expect(tokenize(decodeText(new Uint8Array([0x61, 0xff, 0x62])))).toEqual(["a", "b"]);
  });
});

describe("deterministicLn", () => {
  it("agrees with Math.log to 1e-15 relative", () => {
    for (const x of [1e-300, 1e-9, 0.1, 0.5, 1, 1.5, 2, Math.E, 10, 12345.678, 1e9, 1e300]) {
      const expected = Math.log(x);
      expect(Math.abs(deterministicLn(x) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-15 + 1e-16);
    }
  });

  it("refuses non-positive and non-finite input", () => {
    for (const x of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => deterministicLn(x)).toThrow(RangeError);
    }
  });
});
