import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Single-use nonces of signed access requests. `consume` is atomic within the
 * process: of two concurrent calls with the same key, exactly one gets true.
 * A nonce is remembered until its request expires; after that the expiry check
 * refuses the request anyway.
 */
export interface NonceStore {
  consume(key: string, expiresAt: number): Promise<boolean>;
}

/** Nonces in memory, appended to a file so a restarted gateway still refuses replays. */
export class FileNonceStore implements NonceStore {
  readonly #used = new Map<string, number>();
  #sinceCompaction = 0;

  private constructor(
    readonly path: string,
    readonly now: () => number,
  ) {}

  static async open(
    path: string,
    now: () => number = () => Math.floor(Date.now() / 1000),
  ): Promise<FileNonceStore> {
    const store = new FileNonceStore(path, now);
    await mkdir(dirname(path), { recursive: true });
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const t = now();
    for (const line of text.split("\n")) {
      const [key, expires] = line.split(" ");
      if (key && expires && Number(expires) >= t) store.#used.set(key, Number(expires));
    }
    await store.#compact();
    return store;
  }

  async consume(key: string, expiresAt: number): Promise<boolean> {
    if (/\s/.test(key)) throw new Error("nonce keys contain no whitespace");
    if (this.#used.has(key)) return false;
    this.#used.set(key, expiresAt);
    await appendFile(this.path, `${key} ${expiresAt}\n`);
    if (++this.#sinceCompaction >= 10_000) await this.#compact();
    return true;
  }

  /** Drops expired nonces from memory and rewrites the file with the live ones. */
  async #compact(): Promise<void> {
    const t = this.now();
    for (const [key, expires] of this.#used) if (expires < t) this.#used.delete(key);
    this.#sinceCompaction = 0;
    await writeFile(this.path, [...this.#used].map(([k, e]) => `${k} ${e}\n`).join(""));
  }
}
