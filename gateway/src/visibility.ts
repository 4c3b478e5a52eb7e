import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobId } from "./blobstore/blobStore.js";

/**
 * Which blobs are datanet content. A blob uploaded as datanet content stays
 * private for good (the mark is never removed, whatever is uploaded later); every
 * other blob is public. Datanet content is served only through
 * `/datanets/:datanetId/contributions/:contributionId` to accounts with access.
 */
export interface BlobVisibility {
  markDatanetContent(id: BlobId): Promise<void>;
  isDatanetContent(id: BlobId): Promise<boolean>;
}

/** Marks as empty files `root/<id>`. */
export class LocalBlobVisibility implements BlobVisibility {
  constructor(readonly root: string) {}

  async markDatanetContent(id: BlobId): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeFile(join(this.root, id), "");
  }

  async isDatanetContent(id: BlobId): Promise<boolean> {
    try {
      await stat(join(this.root, id));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }
}
