import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
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
 * fsyncs it and renames it into place, so a reader never sees a partial blob and
 * a crash leaves at most a stray temporary file. Reads re-hash the content.
 */
export class LocalBlobStore implements BlobStore {
  readonly #tmp: string;

  constructor(readonly root: string) {
    this.#tmp = join(root, "tmp");
  }

  async put(content: Uint8Array): Promise<PutResult> {
    const id = blobIdOf(content);
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
      // Same content, same name: a concurrent put of the same blob renames identical bytes.
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
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
