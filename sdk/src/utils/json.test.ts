import { describe, expect, test } from "vitest";
import { until } from "../testing/until.js";
import { toJson } from "./json.js";

describe("toJson and until", () => {
  test("toJson writes bigints as decimal strings, nested and in arrays", () => {
    expect(toJson({ fee: 2n * 10n ** 18n, ids: [1n, 2n], name: "x" })).toBe(
      '{"fee":"2000000000000000000","ids":["1","2"],"name":"x"}',
    );
    expect(toJson({ a: 1n }, 2)).toBe('{\n  "a": "1"\n}');
  });

  test("until returns the first value that is neither undefined nor false, and times out with its reason", async () => {
    let calls = 0;
    expect(await until("the third call", () => (++calls === 3 ? "done" : undefined), 1000, 1)).toBe("done");
    await expect(until("never", () => false, 20, 5)).rejects.toThrow("timed out waiting for never");
  });
});
