import { describe, expect, it } from "vitest";
import { capWasmMemory } from "~/agents/executors/wasm-memory-cap.mjs";

/** A minimal module: one memory (initial 1 page, max `max` pages or none), exported as "mem". */
function moduleWithMemory(max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, 0x01] : [0x01, 0x01, max];
  const memorySection = [0x05, 1 + limits.length, 0x01, ...limits];
  const exportSection = [0x07, 0x07, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...memorySection, ...exportSection]);
}

async function memoryOf(bytes: Uint8Array): Promise<WebAssembly.Memory> {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
  return instance.exports.mem as WebAssembly.Memory;
}

describe("capWasmMemory", () => {
  it("lowers a declared maximum so growing past it fails", async () => {
    const memory = await memoryOf(capWasmMemory(moduleWithMemory(100), 4));
    expect(memory.grow(3)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it("adds a maximum to a memory that had none", async () => {
    const memory = await memoryOf(capWasmMemory(moduleWithMemory(), 2));
    expect(memory.grow(1)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it("keeps a smaller declared maximum and never goes below the initial size", async () => {
    const memory = await memoryOf(capWasmMemory(moduleWithMemory(3), 50));
    expect(memory.grow(2)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
    const tiny = await memoryOf(capWasmMemory(moduleWithMemory(100), 0));
    expect(tiny.buffer.byteLength).toBe(65536);
  });

  it("leaves modules without a memory section unchanged", () => {
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(capWasmMemory(bytes, 4)).toEqual(bytes);
  });
});
