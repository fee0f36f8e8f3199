import { createExecutor, PyodidePool } from "~/agents/executors";
const pool = new PyodidePool({ size: 1, memoryMb: 256 });
await pool.warm();
const lookup = { name: "lookup", inputNames: ["key"], call: async (a: Record<string, unknown>) => ({ key: a.key, value: 42 }) };
const ex = await createExecutor({ kind: "pyodide" }, { memoryMb: 256, pyodidePool: pool, pyodidePoolMemoryMb: 256 });
await ex.setTools([lookup]);
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * xs.length)];
async function time(code: string, n: number) { const s: number[] = []; for (let i = 0; i < n; i++) { const t = performance.now(); await ex.run(code); s.push(performance.now() - t); } return s; }
await time("1+1", 50);
const one = await time("1+1", 400);
const tools = await time("for i in range(200):\n    lookup(i)", 10);
const nops = await time("def nop(k):\n    return k\nfor i in range(200):\n    nop(i)", 10);
const step = await time("r = lookup('weather')\nprint('observation:', r['value'])", 300);
console.log(JSON.stringify({ onePlusOneP50: q(one, 0.5), onePlusOneMin: q(one, 0), toolRtt: (q(tools, 0.5) - q(nops, 0.5)) / 200, stepP50: q(step, 0.5), stepMin: q(step, 0) }));
await ex.close(); await pool.close(); process.exit(0);
