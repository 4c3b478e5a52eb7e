import { describe, expect, it } from "vitest";
import { BOS_TOKEN, ByteTokenizer, EOS_TOKEN } from "../src/model/tokenizer.js";

describe("ByteTokenizer", () => {
  const tokenizer = new ByteTokenizer();

  it("maps text to BOS + UTF-8 bytes and back", () => {
    const text = "Grüße, 世界 🙂";
    const tokens = tokenizer.encode(text);
    expect(tokens[0]).toBe(BOS_TOKEN);
    expect(tokens.slice(1)).toEqual([...new TextEncoder().encode(text)]);
    expect(tokenizer.decode([...tokens, EOS_TOKEN])).toBe(text);
  });

  it("streams a multi-byte character only once it is complete", () => {
    const decoder = tokenizer.createDecoder();
    const bytes = [...new TextEncoder().encode("é🙂")];
    const pieces = bytes.map((b) => decoder.push(b));
    expect(pieces).toEqual(["", "é", "", "", "", "🙂"]);
    expect(decoder.push(EOS_TOKEN)).toBe("");
    expect(decoder.flush()).toBe("");
  });

  it("renders the chat template", () => {
    expect(
      tokenizer.applyChatTemplate([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ]),
    ).toBe("system: Be brief.\nuser: Hi\nassistant: ");
  });
});
