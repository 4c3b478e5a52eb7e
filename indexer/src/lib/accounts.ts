import type { Context } from "ponder:registry";
import { account } from "ponder:schema";
import type { Address } from "viem";

type AccountRow = typeof account.$inferSelect;
type AccountDelta = Partial<
  Pick<
    AccountRow,
    | "earnedData"
    | "earnedModel"
    | "earnedKeeper"
    | "earnedProtocol"
    | "credited"
    | "claimed"
    | "contributionCount"
    | "acceptedCount"
  >
>;

/** Adds `delta` to an account's counters, creating the row on first sight. */
export async function addToAccount(db: Context["db"], address: Address, delta: AccountDelta): Promise<void> {
  const earned =
    (delta.earnedData ?? 0n) +
    (delta.earnedModel ?? 0n) +
    (delta.earnedKeeper ?? 0n) +
    (delta.earnedProtocol ?? 0n);
  await db
    .insert(account)
    .values({ address, ...delta, earnedTotal: earned })
    .onConflictDoUpdate((row) => ({
      earnedData: row.earnedData + (delta.earnedData ?? 0n),
      earnedModel: row.earnedModel + (delta.earnedModel ?? 0n),
      earnedKeeper: row.earnedKeeper + (delta.earnedKeeper ?? 0n),
      earnedProtocol: row.earnedProtocol + (delta.earnedProtocol ?? 0n),
      earnedTotal: row.earnedTotal + earned,
      credited: row.credited + (delta.credited ?? 0n),
      claimed: row.claimed + (delta.claimed ?? 0n),
      contributionCount: row.contributionCount + (delta.contributionCount ?? 0),
      acceptedCount: row.acceptedCount + (delta.acceptedCount ?? 0),
    }));
}

/** Sets fields of an account that are not counters (votes, delegate). */
export async function setAccount(
  db: Context["db"],
  address: Address,
  fields: Partial<Pick<AccountRow, "votes" | "delegate">>,
): Promise<void> {
  await db
    .insert(account)
    .values({ address, ...fields })
    .onConflictDoUpdate(() => fields);
}
