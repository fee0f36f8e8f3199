import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCanvasStore } from "~/components/canvas/store";
import { operationToolData } from "~/graph";
import { inspectOpenApiText } from "~/server/openapi/inspect";

/** The canvas side of "Import OpenAPI": tool nodes added in a grid, unique, attached to the selected agent. */

const summary = await inspectOpenApiText(readFileSync("tests/fixtures/openapi/petstore-3.0.yaml", "utf8"));
const tools = summary.operations.map((operation) =>
  operationToolData(operation, {
    serverUrl: "https://petstore.example.com/v1",
    securitySchemes: summary.securitySchemes,
    secrets: { api_key: "PETSTORE_API_KEY" },
  }),
);

describe("adding imported operations to the canvas", () => {
  it("lays the tools out apart, right of the graph, attached to the one selected agent, as one undo step", () => {
    let n = 0;
    const store = createCanvasStore(undefined, { newId: (type) => `${type}-${++n}` });
    const s = () => store.getState();
    const agent = s().addNode({ id: "tool-calling-agent", type: "agent" }, { x: 0, y: 0 });
    s().addNode({ id: "http-tool", type: "tool" }, { x: 0, y: 300 });
    // The agent alone is selected.
    s().selectOnly([agent]);
    const before = s().changeCount;
    const ids = s().addToolNodes([...tools, tools[0]!]);
    expect(s().changeCount).toBe(before + 1);
    expect(ids).toHaveLength(5);
    const added = s().nodes.filter((node) => ids.includes(node.id));
    const positions = added.map((node) => `${node.position.x},${node.position.y}`);
    expect(new Set(positions).size).toBe(5);
    for (const node of added) expect(node.position.x).toBeGreaterThan(200);
    expect(added.map((node) => node.type === "tool" && node.data.name)).toEqual([
      "listPets",
      "createPet",
      "getPetById",
      "deletePet",
      "listPets_2",
    ]);
    expect(added.every((node) => node.selected)).toBe(true);
    expect(s().edges.filter((edge) => edge.source === agent && ids.includes(edge.target))).toHaveLength(5);
    // Attached, with the secret named but not set on this server: the node says so.
    s().setKnownSecrets([]);
    expect(s().issuesByNode[ids[0]!]?.map((issue) => issue.message)).toEqual([
      "The secret PETSTORE_API_KEY is not set on this server: add it under Settings → Credentials",
    ]);
    s().setKnownSecrets(["PETSTORE_API_KEY"]);
    expect(s().issuesByNode[ids[0]!]).toBeUndefined();
    s().undo();
    expect(s().nodes.map((node) => node.id)).not.toContain(ids[0]);
  });

  it("adds unattached tools when no single agent is selected", () => {
    const store = createCanvasStore();
    const ids = store.getState().addToolNodes(tools.slice(0, 2));
    expect(store.getState().edges).toEqual([]);
    expect(store.getState().nodes.map((node) => node.id)).toEqual(ids);
    expect(store.getState().issues.filter((issue) => issue.code === "not-attached")).toHaveLength(2);
  });
});
