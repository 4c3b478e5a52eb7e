import type { Address, Hex } from "viem";

/** Whose state a test store holds: its chain, market, keeper and the block it starts from. */
export const stateIdentity = {
  chainId: 31337,
  market: "0x00000000000000000000000000000000000000aa" as Address,
  keeper: "0x00000000000000000000000000000000000000bb" as Address,
  startBlock: 5n,
};

/** The fields a keeper stores for request `id` when it first sees its event. */
export function requestFields(id: number) {
  return {
    requestId: String(id),
    modelId: "1",
    requester: "0x00000000000000000000000000000000000000cc" as Address,
    inputHash: `0x${"11".repeat(32)}` as Hex,
    inputURI: "blob:x",
    fee: "2000",
    deadline: "99999",
    blockNumber: "7",
    blockHash: `0x${"22".repeat(32)}` as Hex,
    requestedAt: "1000",
  };
}
