import { describe, expect, it } from "vitest";
import { canConnect, getTemplate } from "~/graph";

const team = getTemplate("manager-researcher-analyst")!.document;

describe("canConnect", () => {
  it("derives the edge kind from the target's node type", () => {
    const fresh = { ...team, edges: [] };
    expect(canConnect(fresh, { source: "manager", target: "researcher" })).toEqual({
      ok: true,
      kind: "manages",
    });
    expect(canConnect(fresh, { source: "analyst", target: "sandbox" })).toEqual({
      ok: true,
      kind: "runs-in",
    });
    expect(canConnect(fresh, { source: "researcher", target: "search" })).toEqual({
      ok: true,
      kind: "uses-tool",
    });
    expect(canConnect(fresh, { source: "researcher", target: "worker_model" })).toEqual({
      ok: true,
      kind: "uses-model",
    });
  });

  it("refuses connections that do not start at an agent", () => {
    expect(canConnect(team, { source: "search", target: "manager" })).toMatchObject({
      ok: false,
      code: "source-not-agent",
    });
  });

  it("checks typed handles", () => {
    const fresh = { ...team, edges: [] };
    expect(
      canConnect(fresh, {
        source: "manager",
        target: "manager_model",
        sourceHandle: "model",
        targetHandle: "in",
      }).ok,
    ).toBe(true);
    expect(
      canConnect(fresh, { source: "manager", target: "manager_model", sourceHandle: "tools" }),
    ).toMatchObject({
      ok: false,
      code: "wrong-handle",
    });
    expect(canConnect(fresh, { source: "manager", target: "researcher", targetHandle: "in" })).toMatchObject({
      ok: false,
      code: "wrong-handle",
    });
  });

  it("refuses a second model, a second manager, a duplicate edge and a self-loop", () => {
    expect(canConnect(team, { source: "manager", target: "worker_model" })).toMatchObject({
      code: "model-taken",
    });
    const extra = {
      ...team,
      nodes: [...team.nodes, { ...team.nodes.find((n) => n.id === "manager")!, id: "boss2" }],
    };
    expect(canConnect(extra, { source: "boss2", target: "researcher" })).toMatchObject({
      code: "manager-taken",
    });
    expect(canConnect(team, { source: "researcher", target: "search" })).toMatchObject({
      code: "duplicate-edge",
    });
    expect(canConnect(team, { source: "manager", target: "manager" })).toMatchObject({ code: "self-loop" });
  });

  it("refuses a manages cycle, direct or indirect", () => {
    expect(canConnect(team, { source: "researcher", target: "manager" })).toMatchObject({
      code: "manages-cycle",
    });
    const chain = {
      ...team,
      edges: [
        ...team.edges.filter((e) => e.target !== "analyst"),
        { id: "ra", type: "manages" as const, source: "researcher", target: "analyst" },
      ],
    };
    expect(canConnect(chain, { source: "analyst", target: "manager" })).toMatchObject({
      code: "manages-cycle",
    });
  });

  it("only gives sandboxes to CodeAgents", () => {
    expect(canConnect(team, { source: "researcher", target: "sandbox" })).toMatchObject({
      code: "sandbox-needs-code-agent",
    });
    expect(canConnect(team, { source: "manager", target: "sandbox" }).ok).toBe(true);
  });

  it("ignores the edge being checked when asked", () => {
    const edge = team.edges.find((e) => e.type === "uses-model" && e.source === "manager")!;
    expect(canConnect(team, edge, { ignoreEdgeId: edge.id })).toEqual({ ok: true, kind: "uses-model" });
  });
});
