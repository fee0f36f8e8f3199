import type { BuiltinToolName } from "./agent-spec";
import type {
  AgentNodeData,
  AgentType,
  McpNodeData,
  ModelNodeData,
  SandboxNodeData,
  ToolNodeData,
  WorkflowNode,
} from "./workflow-document";

/**
 * Palette items: what a user can drag onto the canvas, each with the node it creates.
 * Shared by the canvas palette and the templates so a new node is the same everywhere.
 */
export type PaletteItem =
  | { id: "code-agent" | "tool-calling-agent"; type: "agent" }
  | { id: "openai-model" | "hf-model"; type: "model" }
  | { id: `builtin-${BuiltinToolName}`; type: "tool" }
  | { id: "python-tool" | "http-tool"; type: "tool" }
  | { id: `library-${string}`; type: "tool"; itemId: string; version: number; name: string }
  | LibraryAgentPaletteItem
  | { id: "mcp-server"; type: "mcp" }
  | { id: "pyodide-sandbox" | "docker-sandbox" | "local-sandbox"; type: "sandbox" };

/** A shared agent of the team library: a node that pins this version and mirrors its spec. */
export interface LibraryAgentPaletteItem {
  id: `library-${string}`;
  type: "agent";
  itemId: string;
  version: number;
  name: string;
  agentType: AgentType;
  description: string;
  maxSteps: number;
}

/** The agent node data of a library agent pinned to one version (fields mirror its spec, for display). */
export function libraryAgentNodeData(item: Omit<LibraryAgentPaletteItem, "id" | "type">): AgentNodeData {
  return {
    agentType: item.agentType,
    name: item.name,
    description: item.description,
    instructions: "",
    maxSteps: item.maxSteps,
    addBaseTools: false,
    additionalAuthorizedImports: [],
    library: { itemId: item.itemId, version: item.version },
  };
}

/** Pick `base`, or `base_2`, `base_3`, ... so names stay unique among `taken`. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

const pythonToolTemplate = (name: string) => `def ${name}(text: str) -> str:
    """Describe what the tool does; the agent reads this.

    Args:
        text: What the tool receives.
    """
    return text.upper()
`;

/** The data a fresh node of a palette item starts with. `takenNames` keeps names unique. */
export function defaultNodeData(item: PaletteItem, takenNames: Iterable<string> = []): WorkflowNode["data"] {
  switch (item.id) {
    case "code-agent":
    case "tool-calling-agent": {
      const data: AgentNodeData = {
        agentType: item.id === "code-agent" ? "code" : "toolCalling",
        name: uniqueName("agent", takenNames),
        description: "",
        instructions: "",
        maxSteps: 20,
        addBaseTools: false,
        additionalAuthorizedImports: [],
      };
      return data;
    }
    case "openai-model":
      return {
        provider: "openai",
        model: "gpt-4o-mini",
        apiKeySecret: "OPENAI_API_KEY",
      } satisfies ModelNodeData;
    case "hf-model":
      return {
        provider: "hf",
        model: "Qwen/Qwen2.5-Coder-32B-Instruct",
        hfProvider: "auto",
        apiKeySecret: "HF_TOKEN",
      } satisfies ModelNodeData;
    case "python-tool": {
      const name = uniqueName("my_tool", takenNames);
      return {
        kind: "python",
        name,
        description: "",
        source: pythonToolTemplate(name),
      } satisfies ToolNodeData;
    }
    case "http-tool":
      return {
        kind: "http",
        name: uniqueName("http_tool", takenNames),
        description: "",
        method: "GET",
        url: "https://",
        inputs: {},
        outputType: "string",
      } satisfies ToolNodeData;
    case "mcp-server":
      return {
        name: uniqueName("mcp", takenNames),
        transport: "http",
        url: "",
        command: "",
        args: [],
      } satisfies McpNodeData;
    case "pyodide-sandbox":
      return { kind: "pyodide" } satisfies SandboxNodeData;
    case "docker-sandbox":
      return { kind: "docker", timeoutSeconds: 60, memoryMb: 512, cpus: 1 } satisfies SandboxNodeData;
    case "local-sandbox":
      return { kind: "local" } satisfies SandboxNodeData;
    default:
      if (item.id.startsWith("builtin-")) {
        return {
          kind: "builtin",
          name: item.id.slice("builtin-".length) as BuiltinToolName,
        } satisfies ToolNodeData;
      }
      if ("itemId" in item && item.type === "agent") return libraryAgentNodeData(item);
      if ("itemId" in item) {
        return {
          kind: "library",
          itemId: item.itemId,
          version: item.version,
          name: item.name,
        } satisfies ToolNodeData;
      }
      throw new Error(`Unknown palette item ${item.id}`);
  }
}

/** A fresh node for a palette item at a position. */
export function createNode(
  item: PaletteItem,
  id: string,
  position: { x: number; y: number },
  takenNames: Iterable<string> = [],
): WorkflowNode {
  return { id, type: item.type, position, data: defaultNodeData(item, takenNames) } as WorkflowNode;
}
