import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ExecutorOptions, HostTool, PythonExecutor } from "~/agents/executors/python-executor";

/** Builds a fresh executor of the transport under test with the given options. */
export type ExecutorFactory = (options: ExecutorOptions) => Promise<PythonExecutor>;

/** Memory cap every transport is given in the contract suite (MiB). */
export const CONTRACT_MEMORY_MB = 256;

const echoTool: HostTool = {
  name: "echo",
  async call(args) {
    return { received: args };
  },
};
const addTool: HostTool = {
  name: "add",
  inputNames: ["a", "b"],
  async call(args) {
    return Number(args.a) + Number(args.b);
  },
};
const failingTool: HostTool = {
  name: "explode",
  async call() {
    throw new Error("the tool exploded");
  },
};

/**
 * The one conformance suite of the Python runner protocol (docs/architecture.md, Contracts): every executor transport
 * (Pyodide, Docker, local process) must pass it unchanged.
 */
export function defineExecutorContract(name: string, factory: ExecutorFactory): void {
  describe(`${name} executor contract`, () => {
    const open: PythonExecutor[] = [];
    const make = async (options: ExecutorOptions = {}) => {
      const executor = await factory({ memoryMb: CONTRACT_MEMORY_MB, timeoutMs: 20_000, ...options });
      open.push(executor);
      return executor;
    };
    /** One executor for the refusal cases: a refused snippet must leave the sandbox usable. */
    let shared: PythonExecutor | undefined;
    afterEach(async () => {
      await Promise.all(open.splice(0).map((executor) => executor.close()));
    });
    afterAll(async () => {
      await shared?.close();
    });

    it("keeps state (variables, functions, imports) between steps", async () => {
      const ex = await make();
      expect((await ex.run("import math\nx = 20\ndef double(v):\n    return v * 2")).error).toBeNull();
      const out = await ex.run("double(x) + math.floor(1.5)");
      expect(out.error).toBeNull();
      expect(out.output).toBe(41);
    });

    it("returns the last expression's value and captures print", async () => {
      const ex = await make();
      const out = await ex.run("print('hello', 1)\nprint('second')\n{'a': [1, 2.5, None, True], 'b': 'é'}");
      expect(out.error).toBeNull();
      expect(out.logs).toBe("hello 1\nsecond\n");
      expect(out.output).toEqual({ a: [1, 2.5, null, true], b: "é" });
      expect(out.isFinalAnswer).toBe(false);
      expect(out.durationMs).toBeGreaterThan(0);
    });

    it("round-trips tool arguments and JSON results", async () => {
      const ex = await make();
      await ex.setTools([echoTool, addTool]);
      const out = await ex.run(
        "r = echo(text='naïve ☃', n=3, f=0.5, flag=False, nothing=None, items=[1, {'k': 'v'}])\n" +
          "total = add(2, b=40)\n[r, total, type(r).__name__]",
      );
      expect(out.error).toBeNull();
      expect(out.output).toEqual([
        { received: { text: "naïve ☃", n: 3, f: 0.5, flag: false, nothing: null, items: [1, { k: "v" }] } },
        42,
        "dict",
      ]);
    });

    it("passes the abort signal to tools and answers many calls in one step", async () => {
      const ex = await make();
      const seen: boolean[] = [];
      await ex.setTools([
        {
          name: "probe",
          async call(args, signal) {
            seen.push(signal instanceof AbortSignal);
            return Number(args.i) * 2;
          },
        },
      ]);
      const out = await ex.run("sum(probe(i=i) for i in range(50))");
      expect(out.output).toBe(2450);
      expect(seen).toHaveLength(50);
      expect(seen.every(Boolean)).toBe(true);
    });

    it("surfaces a tool error as a Python exception the code can catch", async () => {
      const ex = await make();
      await ex.setTools([failingTool]);
      const caught = await ex.run("try:\n    explode()\nexcept ToolError as e:\n    msg = str(e)\nmsg");
      expect(caught.error).toBeNull();
      expect(caught.output).toBe("the tool exploded");
      const uncaught = await ex.run("explode()");
      expect(uncaught.error?.type).toBe("ToolError");
      expect(uncaught.error?.message).toContain("the tool exploded");
    });

    it("rejects non-JSON tool arguments and unknown tools", async () => {
      const ex = await make();
      await ex.setTools([echoTool]);
      const bad = await ex.run("echo(x={1, 2})");
      expect(bad.error?.type).toBe("ExecutionError");
      expect(bad.error?.pythonType).toBe("TypeError");
      await ex.setTools([]);
      const gone = await ex.run("echo(x=1)");
      expect(gone.error?.pythonType).toBe("NameError");
    });

    it("ends the step at final_answer", async () => {
      const ex = await make();
      const out = await ex.run("print('before')\nfinal_answer({'answer': 42})\nprint('after')");
      expect(out.isFinalAnswer).toBe(true);
      expect(out.output).toEqual({ answer: 42 });
      expect(out.logs).toBe("before\n");
      expect(out.error).toBeNull();
      const caught = await ex.run("try:\n    final_answer(1)\nexcept Exception:\n    pass\n'not reached'");
      expect(caught.isFinalAnswer).toBe(true);
      expect(caught.output).toBe(1);
    });

    it("caps printed output and marks the truncation", async () => {
      const ex = await make({ maxOutputChars: 1000 });
      const out = await ex.run("for i in range(5000):\n    print('line', i)\n'done'");
      expect(out.error).toBeNull();
      expect(out.output).toBe("done");
      expect(out.logs.length).toBeLessThan(1100);
      expect(out.logs.startsWith("line 0\nline 1\n")).toBe(true);
      expect(out.logs).toMatch(/\[output truncated: \d+ more characters\]$/);
    });

    it("survives an output flood within the default cap", async () => {
      const ex = await make();
      const out = await ex.run("for _ in range(20000):\n    print('x' * 1000)\n1");
      expect(out.error).toBeNull();
      expect(out.logs.length).toBeLessThanOrEqual(50_100);
      expect(out.logs).toContain("[output truncated:");
    });

    it("stops an infinite loop within timeout + 1 s and the next run works", async () => {
      const ex = await make({ timeoutMs: 1500 });
      await ex.setVariables({ preset: 7 });
      const started = performance.now();
      const out = await ex.run("while True:\n    sum(range(10**6))");
      const took = performance.now() - started;
      expect(out.error?.type).toBe("Timeout");
      expect(took).toBeLessThan(2500);
      const next = await ex.run("1 + preset", { timeoutMs: 60_000 });
      expect(next.error).toBeNull();
      expect(next.output).toBe(8);
    });

    it("reports a memory bomb as MemoryLimit and keeps working", async () => {
      const ex = await make();
      const big = await ex.run("blob = bytearray(1024 * 1024 * 1024)");
      expect(big.error?.type).toBe("MemoryLimit");
      const growing = await ex.run("chunks = []\nwhile True:\n    chunks.append(' ' * 10_000_000)", {
        timeoutMs: 30_000,
      });
      expect(growing.error?.type).toBe("MemoryLimit");
      const next = await ex.run("chunks = None\n2 + 2", { timeoutMs: 60_000 });
      expect(next.output).toBe(4);
    });

    it("turns a recursion bomb into a RecursionError", async () => {
      const ex = await make();
      const out = await ex.run("def f(n):\n    return f(n + 1)\nf(0)");
      expect(out.error?.type).toBe("ExecutionError");
      expect(out.error?.pythonType).toBe("RecursionError");
      expect((await ex.run("3 * 3")).output).toBe(9);
    });

    it("reports syntax errors", async () => {
      const ex = await make();
      const out = await ex.run("def broken(:\n    pass");
      expect(out.error?.type).toBe("SyntaxError");
      expect(out.error?.message).toContain("line 1");
    });

    it("shows a syntax error's line with a caret under it, as smolagents' executor does", async () => {
      const ex = await make();
      const out = await ex.run("total = 1\nvalue = (total +\nprint(value)");
      expect(out.error?.type).toBe("SyntaxError");
      expect(out.error?.message).toBe(
        [
          "Code parsing failed on line 2 due to: SyntaxError",
          "value = (total +",
          "        ^",
          "Error: '(' was never closed (<code>, line 2)",
        ].join("\n"),
      );
      const indent = await ex.run("if True:\n    a = 1\n        b = 2");
      expect(indent.error?.message).toMatch(
        /^Code parsing failed on line 3 due to: IndentationError\n {8}b = 2\n {7}\^\nError: unexpected indent/,
      );
    });

    it("reports the value of a final assignment as its output, as smolagents does", async () => {
      const ex = await make();
      const value = async (code: string) => {
        const out = await ex.run(code);
        expect(out.error).toBeNull();
        return out.output;
      };
      expect(await value("x = 5")).toBe(5);
      expect(await value("a, b = 1, 'two'")).toEqual([1, "two"]);
      expect(await value("first = second = 'same'")).toBe("same");
      expect(await value("x += 1")).toBe(6);
      expect(await value("label: str = 'annotated'")).toBe("annotated");
      expect(await value("declared: int")).toBeNull();
      // An augmented item or attribute: the updated value, its parts evaluated once.
      expect(
        await value("keys = iter(['a', 'b'])\ncounts = {'a': 1, 'b': 1}\ncounts[next(keys)] += 41"),
      ).toBe(42);
      expect(await value("counts")).toEqual({ a: 42, b: 1 });
      expect(await value("items = [1, 2, 3, 4]\nitems[1:3] += [9]")).toEqual([2, 3, 9]);
      expect(await value("items")).toEqual([1, 2, 3, 9, 4]);
      expect(await value("class Box:\n    pass\nbox = Box()\nbox.size = 1\nbox.size *= 7")).toBe(7);
      // The hidden name that carries the value is gone and out of reach afterwards.
      expect((await ex.run("_troupe_last")).error?.type).toBe("ExecutionError");
      expect(await value("x")).toBe(6);
    });

    it.each([
      ["import os", "ImportError"],
      ["import subprocess", "ImportError"],
      ["import socket", "ImportError"],
      ["import ctypes", "ImportError"],
      ["import importlib", "ImportError"],
      ["import sys", "ImportError"],
      ["import builtins", "ImportError"],
      ["from os import path", "ImportError"],
      ["import os.path", "ImportError"],
      ["__import__('os')", "ExecutionError"],
      ["__builtins__['__import__']('os')", "ExecutionError"],
      ["import random\nrandom._os", "ExecutionError"],
      ["from random import _os", "ImportError"],
      ["import collections\ncollections._sys", "ExecutionError"],
      ["().__class__.__bases__[0].__subclasses__()", "ExecutionError"],
      ["getattr((), '__class__').__base__", "ExecutionError"],
      ["getattr(print, '__self__')", "ExecutionError"],
      ["(lambda: 0).__globals__", "ExecutionError"],
      ["def g():\n    yield 1\ng().gi_frame.f_globals", "ExecutionError"],
      ["eval('1+1')", "ExecutionError"],
      ["exec('x = 1')", "ExecutionError"],
      ["open('/etc/passwd').read()", "ExecutionError"],
      ["compile('1', 'f', 'eval')", "ExecutionError"],
    ])("refuses %j", async (code, type) => {
      shared ??= await factory({ memoryMb: CONTRACT_MEMORY_MB, timeoutMs: 20_000 });
      const out = await shared.run(code);
      expect(out.error?.type).toBe(type);
      expect(out.isFinalAnswer).toBe(false);
    });

    it("allows imports named in authorizedImports", async () => {
      const ex = await make({ authorizedImports: ["base64"] });
      const out = await ex.run("import base64\nbase64.b64encode(b'hi').decode()");
      expect(out.error).toBeNull();
      expect(out.output).toBe("aGk=");
      const other = await make();
      expect((await other.run("import base64")).error?.type).toBe("ImportError");
    });

    it("runs canvas-written Python tools beside the agent's code", async () => {
      const ex = await make();
      await ex.setTools([addTool]);
      await ex.definePythonTools([
        {
          name: "word_count",
          source:
            'from typing import Optional\n\ndef word_count(text: str, minimum: Optional[int] = None) -> int:\n    """Count words.\n\n    Args:\n        text: the text\n        minimum: ignore words shorter than this\n    """\n    words = [w for w in text.split() if len(w) >= (minimum or 0)]\n    return add(len(words), 0)\n',
        },
      ]);
      const out = await ex.run("word_count('a bb ccc dddd', minimum=2)");
      expect(out.error).toBeNull();
      expect(out.output).toBe(3);
      await expect(ex.definePythonTools([{ name: "bad", source: "def bad(:\n  pass" }])).rejects.toThrow(
        /bad/,
      );
      await expect(
        ex.definePythonTools([{ name: "evil", source: "import os\ndef evil(): pass" }]),
      ).rejects.toThrow(/not allowed/);
    });

    it("sets JSON variables", async () => {
      const ex = await make();
      await ex.setVariables({ task_input: { city: "Paris", n: 3 } });
      const out = await ex.run("task_input['city'] * task_input['n']");
      expect(out.output).toBe("ParisParisParis");
    });

    it("cancels through an AbortSignal", async () => {
      const ex = await make();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      // Each pass is long C-level work, so the operation budget is nowhere near before the cancel.
      const out = await ex.run("while True:\n    sum(range(10**6))", { signal: controller.signal });
      expect(out.error?.type).toBe("Cancelled");
      expect((await ex.run("5", { timeoutMs: 60_000 })).output).toBe(5);
    });

    it("isolates two runs from each other", async () => {
      const [a, b] = await Promise.all([make(), make()]);
      await a.run("secret = 'from a'");
      const out = await b.run("secret");
      expect(out.error?.pythonType).toBe("NameError");
    });

    it("returns a repr for values JSON cannot carry", async () => {
      const ex = await make();
      const out = await ex.run("class P:\n    def __repr__(self):\n        return 'P()'\n[P(), {1, 2}][0]");
      expect(out.error).toBeNull();
      expect(out.output).toBe("P()");
    });
  });
}
