import { describe, expect, it } from "vitest";
import { CURRENT_WORKFLOW_VERSION, compile, getTemplate, migrate, migrations } from "~/graph";
import { loadFixture } from "./load-fixture";

describe("migrate", () => {
  it("has one migration per version step, ending at the current version", () => {
    expect(migrations.map((m) => m.from)).toEqual([...Array(CURRENT_WORKFLOW_VERSION).keys()]);
  });

  it("brings a v0 document forward: version, viewport, edge kinds, agent types", () => {
    const result = migrate(loadFixture("legacy-v0"));
    if (!result.ok) throw new Error(result.message);
    expect(result).toMatchObject({ fromVersion: 0, migrated: true });
    const doc = result.document;
    expect(doc.version).toBe(1);
    expect(doc.viewport).toEqual({ x: 0, y: 0, zoom: 1 });
    expect(doc.edges.map((e) => e.type)).toEqual(["manages", "uses-model", "uses-model", "uses-tool"]);
    const agents = doc.nodes.filter((n) => n.type === "agent").map((n) => n.data);
    expect(agents.map((a) => [a.name, a.agentType, a.maxSteps])).toEqual([
      ["boss", "code", 20],
      ["helper", "toolCalling", 20],
    ]);
    expect(agents[0]).not.toHaveProperty("type");
    const compiled = compile(doc);
    expect(compiled.ok && compiled.spec.managedAgents[0]!.tools).toEqual([
      { kind: "builtin", name: "web_search" },
    ]);
  });

  it("leaves a current document as it is", () => {
    const doc = getTemplate("tool-calling-http")!.document;
    expect(migrate(doc)).toEqual({ ok: true, document: doc, fromVersion: 1, migrated: false });
  });

  it("returns typed failures and never throws", () => {
    expect(migrate(null)).toMatchObject({ ok: false, reason: "not-an-object" });
    expect(migrate([1, 2])).toMatchObject({ ok: false, reason: "not-an-object" });
    expect(migrate({ version: "1" })).toMatchObject({ ok: false, reason: "unknown-version" });
    expect(migrate({ version: 99, nodes: [] })).toMatchObject({
      ok: false,
      reason: "future-version",
      fromVersion: 99,
    });
    expect(migrate({ nodes: "nope" })).toMatchObject({ ok: false, reason: "invalid", fromVersion: 0 });
    const hostile = {
      version: 0,
      get nodes(): never {
        throw new Error("boom");
      },
    };
    expect(migrate(hostile)).toMatchObject({ ok: false, reason: "migration-failed" });
  });
});
