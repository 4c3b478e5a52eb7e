import { type Abi, encodeErrorResult } from "viem";
import { describe, expect, test } from "vitest";
import { ContractRevertedError, decodeContractError, toContractError } from "./contract.js";

const abi = [
  {
    type: "error",
    name: "MarketWeightsExceedTotal",
    inputs: [{ name: "sum", type: "uint256" }],
  },
  {
    type: "error",
    name: "DatanetDuplicateContent",
    inputs: [
      { name: "datanetId", type: "uint256" },
      { name: "contentHash", type: "bytes32" },
    ],
  },
] as const satisfies Abi;

describe("decodeContractError", () => {
  const data = encodeErrorResult({ abi, errorName: "MarketWeightsExceedTotal", args: [10_001n] });

  test("names the error and its arguments", () => {
    expect(decodeContractError(data, abi)?.message).toBe("MarketWeightsExceedTotal(sum: 10001)");
  });

  test("finds revert data in an error chain", () => {
    const rpcError = new Error("execution reverted", { cause: { code: 3, data } });
    const wrapped = new Error("call failed", { cause: rpcError });
    const decoded = toContractError(wrapped, abi);
    expect(decoded).toBeInstanceOf(ContractRevertedError);
    expect((decoded as ContractRevertedError).errorName).toBe("MarketWeightsExceedTotal");
    expect((decoded as ContractRevertedError).args).toEqual([10_001n]);
    expect((decoded as ContractRevertedError).shortMessage).toBe(
      "Reverted with MarketWeightsExceedTotal(sum: 10001)",
    );
  });

  test("decodes the standard Error(string)", () => {
    const revert =
      "0x08c379a0" +
      encodeErrorResult({
        abi: [{ type: "error", name: "Error", inputs: [{ type: "string" }] }],
        errorName: "Error",
        args: ["nope"],
      }).slice(10);
    expect(decodeContractError(revert, abi)?.errorName).toBe("Error");
  });

  test("leaves errors without revert data alone", () => {
    const error = new Error("network down");
    expect(toContractError(error, abi)).toBe(error);
    expect(decodeContractError("0xdeadbeef", abi)).toBeUndefined();
  });
});
