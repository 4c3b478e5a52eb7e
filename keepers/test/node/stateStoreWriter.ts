// Saves forever, one request per save, until killed: run by stateStore.crash.test.ts.
// Save i adds request i, moves the cursor to 5 + i and sets request ⌊i/2⌋'s attempts to i,
// then prints i once the save resolved.
import type { Address, Hex } from "viem";
import { KeeperStateStore } from "../../src/node/stateStore.js";

const [directory, limit] = process.argv.slice(2) as [string, string];
const store = await KeeperStateStore.open(
  directory,
  {
    chainId: 31337,
    market: "0x00000000000000000000000000000000000000aa",
    keeper: "0x00000000000000000000000000000000000000bb",
    startBlock: 5n,
  },
  { journalLimitBytes: Number(limit), onWarning: (message) => process.stderr.write(`${message}\n`) },
);
for (let i = store.all().length + 1; ; i++) {
  store.add({
    requestId: String(i),
    modelId: "1",
    requester: "0x00000000000000000000000000000000000000cc" as Address,
    inputHash: `0x${"11".repeat(32)}` as Hex,
    inputURI: "blob:x",
    fee: "2000",
    deadline: "99999",
    blockNumber: "7",
    blockHash: `0x${"22".repeat(32)}` as Hex,
    requestedAt: "1000",
  });
  const half = BigInt(i >> 1);
  if (half > 0n)
    store.update(half, (r) => {
      r.attempts = i;
    });
  store.setNextBlock(5n + BigInt(i));
  await store.save();
  process.stdout.write(`${i}\n`);
}
