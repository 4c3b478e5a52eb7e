import { randomBytes } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import {
  BlobCorruptedError,
  type BlobId,
  type BlobStore,
  BlobStoreError,
  blobIdOf,
  InvalidBlobIdError,
  isBlobId,
  type PutResult,
} from "./blobStore.js";

export type S3BlobStoreOptions = {
  bucket: string;
  /** Key prefix without leading or trailing slashes (they are trimmed); blobs live at `<prefix>/<id[0:2]>/<id>`. */
  prefix?: string;
  /** An S3-compatible endpoint (MinIO, Ceph radosgw, R2, ...); default: AWS for `region`. */
  endpoint?: string;
  /** Default: `AWS_REGION` / the shared config, else `us-east-1`. */
  region?: string;
  /** Address the bucket in the path (`endpoint/bucket/key`) rather than the host name; most self-hosted servers need it. */
  forcePathStyle?: boolean;
  /** Default: the SDK's standard chain (environment, shared files, SSO, instance metadata). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Use this client instead of building one (the other connection options are then ignored). */
  client?: S3Client;
};

/** An S3 request that failed; the message names the bucket and the endpoint. */
export class S3BlobStoreError extends BlobStoreError {
  override name = "S3BlobStoreError";
  constructor(
    message: string,
    readonly bucket: string,
    readonly endpoint: string,
    /** The S3 error code (`NoSuchBucket`, `AccessDenied`, ...) or the network error's name. */
    readonly s3Code: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

const CREDENTIAL_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "CredentialsProviderError",
]);

/**
 * Blobs as objects `<prefix>/<id[0:2]>/<id>` in one bucket of an S3-compatible
 * store. A put first asks HeadObject (most puts of popular content are repeats,
 * and a HEAD is cheaper than sending the bytes) and then sends a conditional
 * PutObject with `If-None-Match: *`: a 412 (or 409, a concurrent conditional
 * write) means another writer got there first, so `created` is false. On a server
 * that ignores the condition, two processes racing on the same new content may
 * both report `created`; the bytes are identical, so nothing is lost. Concurrent
 * puts in one process share one request. Reads re-hash the content.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  readonly #client: S3Client;
  readonly #writing = new Map<BlobId, Promise<PutResult>>();

  constructor(options: S3BlobStoreOptions) {
    if (options.bucket === "") throw new BlobStoreError("an S3 blob store needs a bucket name");
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.endpoint = options.endpoint ?? `AWS S3${options.region === undefined ? "" : ` (${options.region})`}`;
    this.#client =
      options.client ??
      new S3Client({
        endpoint: options.endpoint,
        region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        forcePathStyle: options.forcePathStyle,
        credentials: options.credentials,
        // Content is verified by its sha256; extra CRC trailers break several S3-compatible servers.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        maxAttempts: 3,
      });
  }

  /** `s3://bucket/prefix` as the CLI writes it. */
  get url(): string {
    return `s3://${this.bucket}${this.prefix === "" ? "" : `/${this.prefix}`}`;
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

  async #write(id: BlobId, content: Uint8Array): Promise<PutResult> {
    const size = content.byteLength;
    if (await this.has(id)) return { id, size, created: false };
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(id),
          Body: content,
          ContentLength: size,
          ContentType: "application/octet-stream",
          IfNoneMatch: "*",
        }),
      );
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 412 || status === 409) return { id, size, created: false };
      throw this.#wrap(error, `put ${id}`);
    }
    return { id, size, created: true };
  }

  async get(id: BlobId): Promise<Uint8Array | undefined> {
    const key = this.key(id);
    let content: Uint8Array;
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (res.Body === undefined) throw new BlobStoreError(`GetObject of ${key} returned no body`);
      content = await res.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error) && !isMissingBucket(error)) return undefined;
      throw this.#wrap(error, `get ${id}`);
    }
    const actual = blobIdOf(content);
    if (actual !== id) throw new BlobCorruptedError(id, actual);
    return content;
  }

  async stat(id: BlobId): Promise<{ size: number } | undefined> {
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(id) }));
      return { size: res.ContentLength ?? 0 };
    } catch (error) {
      // HEAD has no body, so a missing bucket is a bare 404 too: tell them apart on the probe in checkWritable.
      if (isNotFound(error) && !isMissingBucket(error)) return undefined;
      throw this.#wrap(error, `stat ${id}`);
    }
  }

  async has(id: BlobId): Promise<boolean> {
    return (await this.stat(id)) !== undefined;
  }

  /** Puts and deletes a probe object under `<prefix>/tmp/`: throws when the bucket cannot take a blob now. */
  async checkWritable(): Promise<void> {
    const key = this.#join(`tmp/probe.${randomBytes(8).toString("hex")}`);
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: new Uint8Array(0), ContentLength: 0 }),
      );
    } catch (error) {
      throw this.#wrap(error, "write a probe object");
    }
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.#wrap(error, "delete its probe object");
    }
  }

  /** The object key of `id`. */
  key(id: BlobId): string {
    if (!isBlobId(id)) throw new InvalidBlobIdError(id);
    return this.#join(`${id.slice(0, 2)}/${id}`);
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.#client.destroy();
  }

  #join(rest: string): string {
    return this.prefix === "" ? rest : `${this.prefix}/${rest}`;
  }

  #wrap(error: unknown, action: string): BlobStoreError {
    if (error instanceof BlobStoreError) return error;
    const where = `bucket "${this.bucket}" at ${this.endpoint}`;
    const code = codeOf(error);
    const status = httpStatusOf(error);
    const reason = isMissingBucket(error)
      ? `${where} does not exist`
      : CREDENTIAL_CODES.has(code) || status === 403
        ? `${where} refused the credentials (${code})`
        : `${where}: ${code}${status === undefined ? "" : ` (HTTP ${status})`}: ${(error as Error).message}`;
    return new S3BlobStoreError(`cannot ${action}: ${reason}`, this.bucket, this.endpoint, code, error);
  }
}

function codeOf(error: unknown): string {
  if (error instanceof S3ServiceException) return error.name;
  const e = error as { code?: unknown; name?: unknown };
  if (typeof e?.code === "string") return e.code;
  return typeof e?.name === "string" ? e.name : "Error";
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isMissingBucket(error: unknown): boolean {
  return codeOf(error) === "NoSuchBucket";
}

function isNotFound(error: unknown): boolean {
  const code = codeOf(error);
  return code === "NoSuchKey" || code === "NotFound" || httpStatusOf(error) === 404;
}
