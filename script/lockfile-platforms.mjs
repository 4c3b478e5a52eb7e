#!/usr/bin/env node
// Our npm registry serves only some platform builds of packages such as
// @foundry-rs/forge, @biomejs/biome and rollup. `npm install` then leaves the
// other platforms' optional packages out of package-lock.json, and `npm ci`
// refuses the lock as out of sync. This adds the missing entries, with the
// os/cpu/libc that their names state, so `npm ci` skips them on other
// platforms exactly as it would with a complete lock. Idempotent.
import fs from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
const packages = lock.packages;

const OPERATING_SYSTEMS = new Set([
  "aix",
  "android",
  "darwin",
  "freebsd",
  "linux",
  "netbsd",
  "openbsd",
  "openharmony",
  "sunos",
  "win32",
]);
const CPUS = {
  amd64: "x64",
  arm: "arm",
  arm64: "arm64",
  ia32: "ia32",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  x64: "x64",
};

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OPERATING_SYSTEMS.has(part));
  const cpu = parts.map((part) => CPUS[part]).find(Boolean);
  if (!os || !cpu) return undefined;
  const libc = parts.some((part) => part.startsWith("musl"))
    ? "musl"
    : parts.includes("gnu") || parts.includes("gnueabihf")
      ? "glibc"
      : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
}

const added = [];
for (const [location, entry] of Object.entries({ ...packages })) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = location === "" ? `node_modules/${name}` : `${location}/node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) {
      console.warn(
        `lockfile-platforms: left ${name}@${spec} alone (no exact version or platform in its name)`,
      );
      continue;
    }
    packages[`node_modules/${name}`] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added.push(`${name}@${spec}`);
  }
}

if (added.length > 0) {
  const byPath = ([a], [b]) => (a === b ? 0 : a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1);
  lock.packages = Object.fromEntries(Object.entries(packages).sort(byPath));
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`lockfile-platforms: ${added.length} platform entr${added.length === 1 ? "y" : "ies"} added`);
