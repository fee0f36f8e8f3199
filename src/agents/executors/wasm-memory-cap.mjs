// Shared by the Pyodide worker and the pool: cap a wasm module's own linear memory.

function readLeb(bytes, offset) {
  let result = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    const byte = bytes[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [result, pos];
  }
}

function writeLeb(value) {
  const out = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/**
 * Rewrite the maximum of a wasm module's own linear memory so Python gets MemoryError past `pages`
 * (Pyodide exports its memory, so the cap has to live in the binary). Modules without a memory
 * section (side modules importing memory) are returned unchanged.
 */
export function capWasmMemory(input, pages) {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readLeb(bytes, pos + 1);
    const end = start + size;
    if (id === 5) {
      let [count, p] = readLeb(bytes, start);
      const entries = [...writeLeb(count)];
      while (count-- > 0) {
        const flags = bytes[p++];
        if (flags & 0x04) return bytes; // memory64: leave alone
        const [initial, afterInitial] = readLeb(bytes, p);
        p = afterInitial;
        let maximum = pages;
        if (flags & 0x01) {
          const [max, afterMax] = readLeb(bytes, p);
          p = afterMax;
          maximum = Math.min(max, pages);
        }
        maximum = Math.max(maximum, initial);
        entries.push(flags | 0x01, ...writeLeb(initial), ...writeLeb(maximum));
      }
      const section = [5, ...writeLeb(entries.length), ...entries];
      const out = new Uint8Array(pos + section.length + (bytes.length - end));
      out.set(bytes.subarray(0, pos), 0);
      out.set(section, pos);
      out.set(bytes.subarray(end), pos + section.length);
      return out;
    }
    pos = end;
  }
  return bytes;
}
