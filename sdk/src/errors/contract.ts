import type { AbiError } from "abitype";
import { type Abi, decodeErrorResult, type Hex, isHex, stringify, BaseError as ViemBaseError } from "viem";
import { BaseError } from "./base.js";

/** A custom Solidity error decoded from revert data. */
export type DecodedContractError = {
  errorName: string;
  args: readonly unknown[];
  /** The error's ABI entry, for argument names. */
  abiItem: AbiError | undefined;
  /** `MarketWeightsExceedTotal(sum: 10001)` */
  message: string;
};

export type ContractRevertedErrorType = ContractRevertedError;

/**
 * A transaction or call reverted with a custom error of the protocol (or a standard
 * `Error(string)` / `Panic(uint256)`); `errorName` and `args` name the cause.
 */
export class ContractRevertedError extends BaseError {
  override name = "ContractRevertedError";
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly data: Hex | undefined;

  constructor({
    decoded,
    data,
    cause,
  }: { decoded: DecodedContractError; data?: Hex | undefined; cause?: unknown }) {
    super(`Reverted with ${decoded.message}`, {
      cause,
      metaMessages: data ? [`Revert data: ${data}`] : undefined,
    });
    this.errorName = decoded.errorName;
    this.args = decoded.args;
    this.data = data;
  }
}

/** Finds revert data anywhere in a (viem) error chain. */
export function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return data;
    if (data && typeof data === "object") {
      const nested = (data as { data?: unknown }).data;
      if (typeof nested === "string" && isHex(nested) && nested.length >= 10) return nested;
    }
    const raw = (current as { raw?: unknown }).raw;
    if (typeof raw === "string" && isHex(raw) && raw.length >= 10) return raw;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Decodes revert data (or any error that carries it) against an ABI into the error's name and
 * arguments. Returns `undefined` when the data matches no error in the ABI.
 *
 * @example
 * try { await contribute(client, params) } catch (e) {
 *   const decoded = decodeContractError(e, datanetRegistryAbi)
 *   console.log(decoded?.message) // DatanetDuplicateContent(datanetId: 1, contentHash: 0x…)
 * }
 */
export function decodeContractError(errorOrData: unknown, abi: Abi): DecodedContractError | undefined {
  const fromViem = findDecodedViemRevert(errorOrData);
  if (fromViem) return describe(fromViem.errorName, fromViem.args ?? [], fromViem.abiItem);
  const data =
    typeof errorOrData === "string" && isHex(errorOrData) ? errorOrData : findRevertData(errorOrData);
  if (!data) return undefined;
  try {
    const decoded = decodeErrorResult({ abi, data });
    return describe(decoded.errorName, decoded.args ?? [], decoded.abiItem as AbiError | undefined);
  } catch {
    return undefined;
  }
}

/**
 * Rethrows `error` as a `ContractRevertedError` when it carries decodable revert data, so
 * callers see `DatanetDuplicateContent(...)` instead of a bare selector. Other errors pass through.
 */
export function toContractError(error: unknown, abi: Abi): unknown {
  if (error instanceof ContractRevertedError) return error;
  const decoded = decodeContractError(error, abi);
  if (!decoded) return error;
  return new ContractRevertedError({ decoded, data: findRevertData(error), cause: error });
}

function findDecodedViemRevert(
  error: unknown,
): { errorName: string; args: readonly unknown[] | undefined; abiItem: AbiError | undefined } | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const revert = error.walk((e) => (e as { name?: string }).name === "ContractFunctionRevertedError") as
    | { data?: { errorName: string; args?: readonly unknown[]; abiItem?: AbiError } }
    | undefined;
  const data = revert?.data;
  if (!data?.errorName) return undefined;
  return { errorName: data.errorName, args: data.args, abiItem: data.abiItem };
}

function describe(
  errorName: string,
  args: readonly unknown[],
  abiItem: AbiError | undefined,
): DecodedContractError {
  const parts = args.map((value, i) => {
    const input = abiItem?.inputs[i];
    const name = input?.name ? `${input.name}: ` : "";
    return `${name}${formatValue(value)}`;
  });
  return { errorName, args, abiItem, message: `${errorName}(${parts.join(", ")})` };
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  return stringify(value);
}
