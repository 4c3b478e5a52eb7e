import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const actionsDir = join(import.meta.dirname, "../src/actions");
/** Exported functions that compute or sort locally and cannot fail in a way worth typing. */
const pure = /^(hash|sort|parse|proposalArgs$|blobIdOfHash$|blobText$|disputeStatusAt$)/;

const actionFiles = readdirSync(actionsDir, { recursive: true, encoding: "utf8" })
  .filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("internal") && f !== "index.ts",
  )
  .sort();

describe("every action declares what it throws", () => {
  test.each(actionFiles)("%s", (file) => {
    const source = readFileSync(join(actionsDir, file), "utf8");
    const functions = [...source.matchAll(/^export (?:async )?function (\w+)\(/gm)]
      .map((m) => m[1] as string)
      .filter((name) => !pure.test(name));
    const missing = functions.filter((name) => {
      const type = `${name[0]?.toUpperCase()}${name.slice(1)}ErrorType`;
      return (
        !source.includes(`export type ${type} =`) &&
        !(name === "createGatewayClient" && source.includes("export type GatewayClientErrorType ="))
      );
    });
    expect(missing, `${file} exports functions without an XErrorType`).toEqual([]);
  });
});
