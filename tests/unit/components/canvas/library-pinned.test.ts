import { describe, expect, it } from "vitest";
import { missingLibraryRefs, withPinnedVersions } from "~/app/(app)/workflows/[workflowId]/library-versions";
import { type CanvasLibraryItem, libraryCatalog, libraryRefsOf } from "~/components/canvas/library-context";
import type { AgentSpec, LibraryToolSpec } from "~/graph";

/**
 * The list sends only each item's latest definition; the editor fetches the versions a graph pins
 * otherwise and folds them into what the canvas validates with.
 */
const shout = (version: number): LibraryToolSpec => ({
  kind: "python",
  name: "shout",
  description: "",
  source: `def shout(text: str) -> str:\n    return text.upper() + "${"!".repeat(version)}"\n`,
});

const listed: CanvasLibraryItem[] = [
  {
    id: "item-shout",
    name: "shout",
    description: "",
    latestVersion: 2,
    versions: [
      { version: 2, message: "", createdAt: new Date(0), createdBy: null, tool: shout(2) },
      { version: 1, message: "", createdAt: new Date(0), createdBy: null },
    ],
  },
];

const libraryNode = (itemId: string, version: number) => ({
  type: "tool",
  data: { kind: "library", itemId, version, name: "shout" },
});

describe("pinned library versions", () => {
  it("keys a graph's library refs stably and asks only for definitions the list lacks", () => {
    const key = libraryRefsOf([
      libraryNode("item-shout", 1),
      libraryNode("item-shout", 2),
      libraryNode("item-shout", 1),
      { type: "agent", data: {} },
      libraryNode("item-other", 3),
    ]);
    expect(key).toBe("item-other@3,item-shout@1,item-shout@2");
    expect(missingLibraryRefs(listed, key)).toEqual([
      { itemId: "item-other", version: 3 },
      { itemId: "item-shout", version: 1 },
    ]);
    expect(missingLibraryRefs(listed, "")).toEqual([]);
  });

  it("validates with fetched versions, including an item beyond the listed page", () => {
    const merged = withPinnedVersions(listed, [
      {
        item: { id: "item-shout", name: "shout", itemKind: "tool", description: "", latestVersion: 2 },
        version: 1,
        message: "first",
        createdAt: new Date(0),
        createdBy: "Erin",
        tool: shout(1),
        secretNames: [],
      },
      {
        item: { id: "item-other", name: "other", itemKind: "tool", description: "", latestVersion: 3 },
        version: 3,
        message: "",
        createdAt: new Date(0),
        createdBy: null,
        tool: { ...shout(3), name: "other" },
        secretNames: [],
      },
    ]);
    const refs = libraryCatalog(merged).libraryTools.map((t) => `${t.itemId}@${t.version}`);
    expect(refs.sort()).toEqual(["item-other@3", "item-shout@1", "item-shout@2"]);
    expect(libraryCatalog(listed).libraryTools.map((t) => t.version)).toEqual([2]);
    expect(listed[0]!.versions[1]!.tool).toBeUndefined();
  });
});

describe("pinned library agent versions", () => {
  const spec = (instructions: string): AgentSpec => ({
    name: "helper",
    description: "Helps.",
    type: "toolCalling",
    instructions,
    maxSteps: 5,
    model: { provider: "replay", model: "replay", transcript: ["final_answer('ok')"] },
    tools: [],
    addBaseTools: false,
    additionalAuthorizedImports: [],
    managedAgents: [],
  });
  const graph = { nodes: [], edges: [] };
  const agents: CanvasLibraryItem[] = [
    {
      id: "item-helper",
      name: "helper",
      description: "Helps.",
      latestVersion: 2,
      versions: [
        {
          version: 2,
          message: "",
          createdAt: new Date(0),
          createdBy: null,
          agent: { spec: spec("v2"), graph },
        },
        { version: 1, message: "", createdAt: new Date(0), createdBy: null },
      ],
    },
  ];

  it("asks for an older pinned agent version and validates with it once fetched", () => {
    const key = libraryRefsOf([
      { type: "agent", data: { name: "helper", library: { itemId: "item-helper", version: 1 } } },
      { type: "agent", data: { name: "own", library: null } },
    ]);
    expect(key).toBe("item-helper@1");
    expect(missingLibraryRefs(agents, key)).toEqual([{ itemId: "item-helper", version: 1 }]);
    expect(missingLibraryRefs(agents, "item-helper@2")).toEqual([]);

    const merged = withPinnedVersions(agents, [
      {
        item: {
          id: "item-helper",
          name: "helper",
          itemKind: "agent",
          description: "Helps.",
          latestVersion: 2,
        },
        version: 1,
        message: "first",
        createdAt: new Date(0),
        createdBy: "Erin",
        agent: { spec: spec("v1"), graph },
        secretNames: [],
      },
    ]);
    expect(missingLibraryRefs(merged, key)).toEqual([]);
    const catalog = libraryCatalog(merged);
    expect(catalog.libraryTools).toEqual([]);
    expect(catalog.libraryAgents?.map((a) => [a.version, a.agent.instructions])).toEqual([
      [2, "v2"],
      [1, "v1"],
    ]);
  });
});
