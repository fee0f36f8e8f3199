import { describe, expect, it } from "vitest";
import {
  type LayoutResponse,
  layoutRequestSchema,
  layoutResponseSchema,
} from "~/components/canvas/layout-protocol";
import { handleLayoutMessage } from "~/components/canvas/layout-worker-handler";

const request = {
  type: "layout",
  requestId: "layout-1",
  nodes: [
    { id: "boss", width: 224, height: 102 },
    { id: "model", width: 224, height: 78 },
    { id: "tool", width: 224, height: 78 },
  ],
  edges: [
    { id: "e1", source: "boss", target: "model" },
    { id: "e2", source: "boss", target: "tool" },
  ],
};

async function answers(data: unknown): Promise<LayoutResponse[]> {
  const posted: LayoutResponse[] = [];
  await handleLayoutMessage(data, (response) => posted.push(response));
  // Everything the worker posts is what the canvas accepts.
  for (const response of posted) expect(layoutResponseSchema.parse(response)).toEqual(response);
  return posted;
}

describe("layout worker protocol", () => {
  it("answers a layout request with progress, then the positions of every node", async () => {
    const posted = await answers(request);
    expect(posted.map((r) => r.type)).toEqual(["progress", "progress", "result"]);
    expect(posted.every((r) => r.requestId === "layout-1")).toBe(true);
    const result = posted.at(-1)!;
    if (result.type !== "result") throw new Error("no result");
    expect(Object.keys(result.positions).sort()).toEqual(["boss", "model", "tool"]);
    expect(result.positions.boss!.y).toBeLessThan(result.positions.model!.y);
  });

  it("refuses a malformed request in words, naming where, with its request id", async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...request, nodes: [{ id: "boss", width: -1, height: 10 }] }, /at nodes\.0\.width/],
      [{ ...request, nodes: undefined }, /at nodes/],
      [{ ...request, type: "draw" }, /at type/],
      [{ ...request, edges: [{ id: "e", source: "", target: "tool" }] }, /at edges\.0\.source/],
      [{ ...request, partLimit: 1 }, /at partLimit/],
    ];
    for (const [data, where] of cases) {
      const posted = await answers(data);
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({ type: "failed", requestId: "layout-1" });
      expect(posted[0]!.type === "failed" && posted[0]!.message).toMatch(where);
      expect(posted[0]!.type === "failed" && posted[0]!.message).toMatch(/^The layout request is not valid/);
    }
    const anonymous = await answers("lay this out");
    expect(anonymous).toEqual([
      { type: "failed", requestId: "", message: expect.stringMatching(/not valid/) },
    ]);
  });

  it("caps a request at the workflow's own node limit", () => {
    const tooMany = {
      ...request,
      nodes: Array.from({ length: 5001 }, (_, i) => ({ id: `n${i}`, width: 10, height: 10 })),
    };
    expect(layoutRequestSchema.safeParse(tooMany).success).toBe(false);
  });

  it("the canvas refuses answers that are not the protocol's", () => {
    expect(
      layoutResponseSchema.safeParse({ type: "result", requestId: "x", positions: { a: { x: "1" } } })
        .success,
    ).toBe(false);
    expect(
      layoutResponseSchema.safeParse({ type: "progress", requestId: "x", done: -1, total: 2 }).success,
    ).toBe(false);
    expect(layoutResponseSchema.safeParse({ type: "done", requestId: "x" }).success).toBe(false);
  });
});
