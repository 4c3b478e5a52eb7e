import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdapterCache } from "../src/adapters/adapterCache.js";
import { BLOBS_DIR } from "../src/adapters/adapterDir.js";
import { createAdapterLoader, sha256Hex } from "../src/adapters/adapterLoader.js";
import { HttpBlobSource, LocalBlobSource } from "../src/adapters/blobSource.js";
import type { LoraAdapter } from "../src/adapters/lora.js";
import { loraScale, packPeftAdapter, parsePeftConfig, readAdapterPackage } from "../src/adapters/peft.js";
import { StaticAdapterRegistry } from "../src/adapters/registry.js";
import {
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from "../src/adapters/safetensors.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { AdapterFormatError, AdapterIntegrityError, AdapterNotFoundError } from "../src/errors.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { adaptersFixture, maxAbsDiff } from "./helpers.js";

const config = TINY_CONFIG;

describe("safetensors", () => {
  it("round-trips f32, f16 and bf16 with the precision of each dtype", () => {
    const data = Float32Array.from([0, 1, -2.5, 3.25, 65504, 1e-3, -1e-7, 1234.5678]);
    const bytes = writeSafetensors(
      {
        a: { dtype: "F32", shape: [2, 4], data },
        h: { dtype: "F16", shape: [8], data },
        b: { dtype: "BF16", shape: [4, 2], data },
      },
      { note: "x" },
    );
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ note: "x" });
    expect(file.tensors.get("a")?.data).toEqual(data);
    expect(file.tensors.get("a")?.shape).toEqual([2, 4]);
    const half = file.tensors.get("h")?.data as Float32Array;
    const bf16 = file.tensors.get("b")?.data as Float32Array;
    data.forEach((value, i) => {
      expect(Math.abs((half[i] as number) - value)).toBeLessThanOrEqual(
        Math.max(Math.abs(value) * 2 ** -11, 2 ** -24),
      );
      expect(Math.abs((bf16[i] as number) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -8);
    });
  });

  it("decodes IEEE half and bfloat16 bit patterns exactly", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // ties to even
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToBfloat16(1)).toBe(0x3f80);
    expect(floatToBfloat16(-2)).toBe(0xc000);
    // bf16 0x4049 is 3.140625; its bytes little-endian are 0x49 0x40.
    const bytes = new Uint8Array(8 + 64 + 2);
    const header = JSON.stringify({ t: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }).padEnd(64, " ");
    new DataView(bytes.buffer).setBigUint64(0, 64n, true);
    bytes.set(new TextEncoder().encode(header), 8);
    bytes.set([0x49, 0x40], 72);
    expect(readSafetensors(bytes).tensors.get("t")?.data[0]).toBe(3.140625);
  });

  it("refuses malformed files with a reason", () => {
    expect(() => readSafetensors(new Uint8Array(4))).toThrow(SafetensorsError);
    const valid = writeSafetensors({ t: { dtype: "F32", shape: [2], data: Float32Array.of(1, 2) } });
    const truncated = valid.slice(0, valid.length - 1);
    expect(() => readSafetensors(truncated)).toThrow(/data_offsets/);
    const hugeHeader = valid.slice();
    new DataView(hugeHeader.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(hugeHeader)).toThrow(/header length/);
    const badDtype = writeSafetensors({ t: { dtype: "F32", shape: [1], data: Float32Array.of(1) } });
    const text = new TextDecoder().decode(badDtype).replace('"F32"', '"I32"');
    expect(() => readSafetensors(new TextEncoder().encode(text))).toThrow(/unsupported dtype I32/);
  });
});

describe("PEFT adapters", () => {
  it("reads PEFT names and orientation: a = lora_Aᵀ, b = lora_Bᵀ, scale alpha/r or alpha/sqrt(r)", () => {
    const files = syntheticPeftAdapter(config, { rank: 4, seed: 9, alpha: 8 });
    const adapter = readAdapterPackage("x", files.package, config);
    expect(adapter.scale).toBe(2);
    expect(adapter.modules).toHaveLength(config.numLayers * 4);
    const raw = readSafetensors(files.safetensors);
    const loraA = raw.tensors.get("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight");
    const loraB = raw.tensors.get("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight");
    const module = adapter.modules.find((m) => m.layer === 1 && m.target === "k_proj");
    expect(loraA?.shape).toEqual([4, 64]);
    expect(loraB?.shape).toEqual([32, 4]);
    // a[i, r] = lora_A[r, i]; b[r, o] = lora_B[o, r]
    expect(module?.a[5 * 4 + 3]).toBe(loraA?.data[3 * 64 + 5]);
    expect(module?.b[2 * 32 + 7]).toBe(loraB?.data[7 * 4 + 2]);
    const rs = readAdapterPackage(
      "y",
      syntheticPeftAdapter(config, { rank: 4, seed: 9, alpha: 8, useRslora: true }).package,
      config,
    );
    expect(rs.scale).toBe(4);
    expect(loraScale(parsePeftConfig({ r: 16, lora_alpha: 32, target_modules: ["q_proj"] }))).toBe(2);
  });

  it("reads the same weights from f32, f16 and bf16 files within each dtype's precision", () => {
    const f32 = readAdapterPackage("a", syntheticPeftAdapter(config, { rank: 4, seed: 3 }).package, config);
    for (const [dtype, tolerance] of [
      ["F16", 2 ** -10],
      ["BF16", 2 ** -7],
    ] as const) {
      const other = readAdapterPackage(
        "b",
        syntheticPeftAdapter(config, { rank: 4, seed: 3, dtype }).package,
        config,
      );
      f32.modules.forEach((m, i) => {
        const scaleA = Math.max(...Array.from(m.a, Math.abs));
        expect(maxAbsDiff(m.a, other.modules[i]?.a as Float32Array)).toBeLessThanOrEqual(scaleA * tolerance);
      });
    }
  });

  it("packs the two PEFT files into one blob whose hash covers the config", () => {
    const files = syntheticPeftAdapter(config, { rank: 2, seed: 1 });
    const packed = packPeftAdapter(files.configJson, files.safetensors);
    expect(sha256Hex(packed)).toBe(sha256Hex(files.package));
    const altered = packPeftAdapter(
      files.configJson.replace('"lora_alpha": 4', '"lora_alpha": 40'),
      files.safetensors,
    );
    expect(sha256Hex(altered)).not.toBe(sha256Hex(packed));
    expect(readAdapterPackage("z", altered, config).scale).toBe(20);
  });

  it("refuses adapters that do not fit the model or use unsupported options", () => {
    const wrongModel = { ...config, hiddenSize: 128, numHeads: 4 };
    const files = syntheticPeftAdapter(config, { rank: 2, seed: 1 });
    expect(() => readAdapterPackage("w", files.package, wrongModel)).toThrow(/do not fit/);
    expect(() => readAdapterPackage("w", files.safetensors, config)).toThrow(/no adapter_config/);
    expect(() => readAdapterPackage("w", new Uint8Array(20), config)).toThrow(AdapterFormatError);
    const dora = files.configJson.replace('"bias": "none"', '"bias": "none", "use_dora": true');
    expect(() => packPeftAdapter(dora, files.safetensors)).toThrow(/DoRA/);
    expect(() => parsePeftConfig({ r: 0, lora_alpha: 1, target_modules: ["q_proj"] })).toThrow(/r/);
    const narrowed = files.configJson.replace('"k_proj",', "");
    expect(() => readAdapterPackage("w", packPeftAdapter(narrowed, files.safetensors), config)).toThrow(
      /not listed in target_modules/,
    );
    const renamed = writeSafetensors({
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": {
        dtype: "F32",
        shape: [2, 64],
        data: new Float32Array(128),
      },
    });
    expect(() => readAdapterPackage("w", packPeftAdapter(files.configJson, renamed), config)).toThrow(
      /needs both lora_A and lora_B/,
    );
  });
});

describe("adapter loading and cache", () => {
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  beforeAll(async () => {
    fixture = await adaptersFixture(
      config,
      Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, options: { rank: i % 2 === 0 ? 4 : 8, seed: i } })),
    );
  });
  afterAll(() => fixture.remove());

  it("verifies the sha256 of every blob against the registry before parsing it", async () => {
    const load = createAdapterLoader({ registry: fixture.registry, source: fixture.source, model: config });
    expect((await load("a1")).rank).toBe(8);
    await expect(load("missing")).rejects.toBeInstanceOf(AdapterNotFoundError);
    // Registry says one hash, the store holds other bytes under it.
    const path = join(fixture.directory, BLOBS_DIR, fixture.hashes.a2 as string);
    const original = await readFile(path);
    const tampered = Buffer.from(original);
    tampered[100] = (tampered[100] as number) ^ 1;
    await writeFile(path, tampered);
    const failures: string[] = [];
    const guarded = createAdapterLoader({
      registry: fixture.registry,
      source: fixture.source,
      model: config,
      onIntegrityFailure: (id) => failures.push(id),
    });
    await expect(guarded("a2")).rejects.toBeInstanceOf(AdapterIntegrityError);
    expect(failures).toEqual(["a2"]);
    await writeFile(path, original);
    expect((await guarded("a2")).id).toBe("a2");
    const pointingElsewhere = new StaticAdapterRegistry([{ id: "a2", sha256: fixture.hashes.a3 as string }]);
    const swapped = createAdapterLoader({
      registry: pointingElsewhere,
      source: fixture.source,
      model: config,
    });
    expect((await swapped("a2")).id).toBe("a2");
    expect(() => new StaticAdapterRegistry([{ id: "x", sha256: "abc" }])).toThrow(/64 hex/);
    expect(() => new StaticAdapterRegistry([{ id: "base", sha256: fixture.hashes.a1 as string }])).toThrow(
      /reserved/,
    );
  });

  it("fetches blobs over HTTP and from the keepers' fan-out directory layout, verifying either", async () => {
    const blobs = join(fixture.directory, BLOBS_DIR);
    const served = new Map<string, Buffer>();
    const server = createServer(async (req, res) => {
      const id = req.url?.split("/").pop() ?? "";
      const body = served.get(id) ?? (await readFile(join(blobs, id)).catch(() => null));
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const source = new HttpBlobSource(`http://127.0.0.1:${port}/blobs/`);
      const load = createAdapterLoader({ registry: fixture.registry, source, model: config });
      expect((await load("a4")).rank).toBe(4);
      await expect(source.get("0".repeat(64))).rejects.toThrow(/is not in http:/);
      await expect(source.get("../etc/passwd")).rejects.toThrow(/not a sha256/);
      served.set(fixture.hashes.a5 as string, Buffer.from("not the adapter"));
      await expect(load("a5")).rejects.toBeInstanceOf(AdapterIntegrityError);
      const small = new HttpBlobSource(`http://127.0.0.1:${port}/blobs`, { maxBytes: 100 });
      await expect(small.get(fixture.hashes.a4 as string)).rejects.toThrow(/above the limit/);
    } finally {
      server.close();
    }

    const fanOut = await mkdtemp(join(tmpdir(), "inference-node-fanout-"));
    try {
      const id = fixture.hashes.a3 as string;
      await mkdir(join(fanOut, id.slice(0, 2)));
      await writeFile(join(fanOut, id.slice(0, 2), id), await readFile(join(blobs, id)));
      const load = createAdapterLoader({
        registry: fixture.registry,
        source: new LocalBlobSource(fanOut),
        model: config,
      });
      expect((await load("a3")).id).toBe("a3");
      await expect(load("a1")).rejects.toThrow(/is not in local:/);
    } finally {
      await rm(fanOut, { recursive: true, force: true });
    }
  });

  it("keeps resident bytes under the budget, evicting least recently used first", async () => {
    const load = createAdapterLoader({ registry: fixture.registry, source: fixture.source, model: config });
    const sizes = new Map<string, number>();
    for (let i = 0; i < 6; i++) sizes.set(`a${i}`, (await load(`a${i}`)).bytes);
    const budget = (sizes.get("a0") as number) + (sizes.get("a1") as number) + (sizes.get("a2") as number);
    let loads = 0;
    const evicted: string[] = [];
    const cache = new AdapterCache({
      budgetBytes: budget,
      load: (id) => {
        loads += 1;
        return load(id);
      },
      onEvict: (a: LoraAdapter) => evicted.push(a.id),
    });
    const [x, y] = await Promise.all([cache.get("a0"), cache.get("a0")]);
    expect(x).toBe(y);
    expect(loads).toBe(1);
    await cache.get("a1");
    await cache.get("a2");
    await cache.get("a0"); // a0 becomes most recently used
    await cache.get("a3");
    expect(evicted[0]).toBe("a1");
    for (let i = 0; i < 6; i++) await cache.get(`a${(i * 5) % 6}`);
    expect(cache.peakBytes).toBeLessThanOrEqual(budget);
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.residentIds().length).toBeLessThan(6);
    await expect(new AdapterCache({ budgetBytes: 10, load }).get("a0")).rejects.toThrow(
      /more than the cache budget/,
    );
  });
});
