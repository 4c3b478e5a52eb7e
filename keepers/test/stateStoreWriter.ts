// Saves forever, one request per save, until killed: run by stateStore.crash.test.ts.
// Save i adds request i, moves the cursor to 5 + i and sets request ⌊i/2⌋'s attempts to i,
// then prints i once the save resolved.
import { KeeperStateStore } from "../src/stateStore.js";
import { requestFields, stateIdentity } from "./support/stateFixture.js";

const [directory, limit] = process.argv.slice(2) as [string, string];
const store = await KeeperStateStore.open(directory, stateIdentity, {
  journalLimitBytes: Number(limit),
  onWarning: (message) => process.stderr.write(`${message}\n`),
});
for (let i = store.all().length + 1; ; i++) {
  store.add(requestFields(i));
  const half = BigInt(i >> 1);
  if (half > 0n)
    store.update(half, (r) => {
      r.attempts = i;
    });
  store.setNextBlock(5n + BigInt(i));
  await store.save();
  process.stdout.write(`${i}\n`);
}
