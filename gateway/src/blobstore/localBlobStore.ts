import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  BlobCorruptedError,
  type BlobId,
  type BlobStore,
  blobIdOf,
  InvalidBlobIdError,
  isBlobId,
  type PutResult,
} from "./blobStore.js";

/**
 * Blobs as files under `root/<id[0:2]>/<id>`. A put writes `root/tmp/<random>`,
 * fsyncs it and hard-links it into place, so a reader never sees a partial blob
 * and a crash leaves at most a stray temporary file. The link fails when the blob
 * exists, so of concurrent puts of the same content (in this process or another
 * sharing `root`) exactly one reports `created`. Reads re-hash the content.
 */
export class LocalBlobStore implements BlobStore {
  readonly #tmp: string;
  /** Puts in progress by id: a concurrent put of the same bytes waits for the first instead of writing them again. */
  readonly #writing = new Map<BlobId, Promise<PutResult>>();

  constructor(readonly root: string) {
    this.#tmp = join(root, "tmp");
  }

  async put(content: Uint8Array): Promise<PutResult> {
    const id = blobIdOf(content);
    const inFlight = this.#writing.get(id);
    if (inFlight !== undefined) {
      await inFlight.catch(() => undefined);
      return this.put(content);
    }
    const write = this.#write(id, content);
    this.#writing.set(id, write);
    try {
      return await write;
    } finally {
      this.#writing.delete(id);
    }
  }

  /** Writes and removes a probe file under `tmp/`: throws when the store cannot take a blob. */
  async checkWritable(): Promise<void> {
    await mkdir(this.#tmp, { recursive: true });
    const probe = join(this.#tmp, `probe.${randomBytes(8).toString("hex")}`);
    try {
      const file = await open(probe, "wx");
      await file.close();
    } finally {
      await rm(probe, { force: true });
    }
  }

  async #write(id: BlobId, content: Uint8Array): Promise<PutResult> {
    const path = this.#path(id);
    if (await this.has(id)) return { id, size: content.byteLength, created: false };
    await mkdir(this.#tmp, { recursive: true });
    await mkdir(join(this.root, id.slice(0, 2)), { recursive: true });
    const tmp = join(this.#tmp, `${id}.${randomBytes(8).toString("hex")}`);
    try {
      const file = await open(tmp, "wx");
      try {
        await file.writeFile(content);
        await file.sync();
      } finally {
        await file.close();
      }
      await link(tmp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        return { id, size: content.byteLength, created: false };
      }
      throw error;
    } finally {
      await rm(tmp, { force: true });
    }
    return { id, size: content.byteLength, created: true };
  }

  async get(id: BlobId): Promise<Uint8Array | undefined> {
    let content: Buffer;
    try {
      content = await readFile(this.#path(id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const actual = blobIdOf(content);
    if (actual !== id) throw new BlobCorruptedError(id, actual);
    return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  }

  async stat(id: BlobId): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.#path(id));
      return { size: s.size };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async has(id: BlobId): Promise<boolean> {
    return (await this.stat(id)) !== undefined;
  }

  #path(id: BlobId): string {
    if (!isBlobId(id)) throw new InvalidBlobIdError(id);
    return join(this.root, id.slice(0, 2), id);
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}
