import { execFile } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "@payable-ai/sdk/testing";

const run = promisify(execFile);

/**
 * The directory of the server binaries (`initdb`, `pg_ctl`, `psql`): where the `initdb` on PATH
 * really lives, or Debian's `/usr/lib/postgresql/<version>/bin`.
 */
export function postgresBinaries(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const initdb = join(dir, "initdb");
    if (dir && existsSync(initdb)) {
      const real = dirname(realpathSync(initdb));
      if (existsSync(join(real, "pg_ctl")) && existsSync(join(real, "psql"))) return real;
    }
  }
  const debian = "/usr/lib/postgresql";
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(debian, version, "bin");
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "psql"))) return dir;
  }
  return undefined;
}

export type Postgres = {
  url: string;
  /** Runs one SQL statement with `psql` and returns its unaligned output. */
  query(sql: string): Promise<string>;
  stop(): Promise<void>;
};

/**
 * A throwaway Postgres cluster: `initdb` in a temporary folder, `pg_ctl start` on a free loopback
 * port, trust authentication, no fsync. Postgres refuses to run as root, so under root the cluster
 * belongs to the `postgres` account Debian's package creates.
 */
export async function startPostgres(binaries: string): Promise<Postgres> {
  const directory = await mkdtemp(join(tmpdir(), "payable-postgres-"));
  const dataDir = join(directory, "data");
  const owner = process.getuid?.() === 0 ? await accountIds("postgres") : undefined;
  if (owner) await chown(directory, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const port = await freePort();
  const user = owner ? "postgres" : userInfo().username;
  await run(
    join(binaries, "initdb"),
    ["-D", dataDir, "-U", user, "--auth=trust", "--no-sync", "-E", "UTF8"],
    {
      ...as,
      env: { ...process.env, LC_ALL: "C" },
    },
  );
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await run(
    join(binaries, "pg_ctl"),
    ["-D", dataDir, "-o", options, "-l", join(directory, "log"), "-w", "start"],
    as,
  );
  return {
    url: `postgresql://${user}@127.0.0.1:${port}/postgres`,
    async query(sql) {
      const args = ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", "postgres", "-Atc", sql];
      return (await run(join(binaries, "psql"), args)).stdout.trim();
    },
    async stop() {
      await run(join(binaries, "pg_ctl"), ["-D", dataDir, "-m", "fast", "-w", "stop"], as).catch(() => {});
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function accountIds(name: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all(
      ["-u", "-g"].map(async (flag) => Number((await run("id", [flag, name])).stdout)),
    );
    return { uid: uid as number, gid: gid as number };
  } catch {
    throw new Error(`Postgres refuses to run as root and there is no "${name}" account to run it as`);
  }
}
