/**
 * Cold reads for the adapter-load benchmark: evicts files from the page cache with
 * posix_fadvise(POSIX_FADV_DONTNEED) after an fsync (Node has no binding for it, so one python3
 * process does all files), then counts their resident pages with util-linux `fincore` to show the
 * eviction worked. Dropping the whole cache (/proc/sys/vm/drop_caches) is not used: the machine is
 * shared and it would slow everyone else's processes.
 */
import { execFileSync } from "node:child_process";

const EVICT = `
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
`;

export interface EvictionReport {
  method: string;
  files: number;
  /** Resident bytes of the files after eviction, by fincore; null if fincore is missing. */
  residentBytesAfter: number | null;
}

export function evictFromPageCache(paths: string[]): EvictionReport {
  execFileSync("python3", ["-c", EVICT, ...paths]);
  let residentBytesAfter: number | null = null;
  try {
    const out = execFileSync("fincore", ["--bytes", "--noheadings", "--output", "RES", ...paths], {
      encoding: "utf8",
    });
    residentBytesAfter = out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .reduce((n, l) => n + Number(l.trim()), 0);
  } catch {
    residentBytesAfter = null;
  }
  return { method: "fsync + posix_fadvise(POSIX_FADV_DONTNEED)", files: paths.length, residentBytesAfter };
}
