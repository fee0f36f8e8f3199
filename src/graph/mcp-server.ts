import type { McpToolSpec, McpToolSpecInput } from "./agent-spec";
import type { McpNodeData, WorkflowDocument } from "./workflow-document";

/**
 * Rules for MCP server nodes shared by validation (canvas and server), run start and the server's
 * role check. A stdio server is a program the worker starts, so it is a code-execution surface: its
 * command must be on the operator's allow-list, and only team admins add or change one.
 */

/** Why `command` may not be started here (undefined: it may); `allowed` is MCP_STDIO_COMMANDS. */
export function stdioCommandProblem(command: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) {
    return "Stdio MCP servers are off on this server (its operator lists no command in MCP_STDIO_COMMANDS); use an HTTP server";
  }
  if (!allowed.includes(command)) {
    return `The command "${command}" is not on this server's list of MCP commands (MCP_STDIO_COMMANDS: ${allowed.join(", ")})`;
  }
  return undefined;
}

/** The stdio MCP servers of an agent spec tree, with the agent using each. */
export function stdioServersOf(spec: {
  name: string;
  tools: readonly { kind: string }[];
  managedAgents: readonly unknown[];
}): { agent: string; server: McpToolSpec }[] {
  const own = spec.tools
    .filter((tool): tool is McpToolSpec => tool.kind === "mcp" && (tool as McpToolSpec).transport === "stdio")
    .map((server) => ({ agent: spec.name, server }));
  return [...own, ...(spec.managedAgents as (typeof spec)[]).flatMap(stdioServersOf)];
}

/** What a stdio node runs: the fields only an admin may set, in a stable form for comparison. */
function stdioConfig(data: McpNodeData): string {
  return JSON.stringify([data.command, data.args, Object.entries(data.envSecrets ?? {}).sort()]);
}

/**
 * The stdio MCP nodes of `next` that are new or run something else than in `previous` (command,
 * arguments, environment; by node id): what a save by someone who may not configure stdio servers
 * must not contain. Moving, renaming, choosing tools or deleting such a node is not a change here.
 */
export function changedStdioServers(
  previous: WorkflowDocument | undefined,
  next: WorkflowDocument,
): { nodeId: string; name: string }[] {
  const before = new Map<string, string>();
  for (const node of previous?.nodes ?? []) {
    if (node.type === "mcp" && node.data.transport === "stdio") before.set(node.id, stdioConfig(node.data));
  }
  return next.nodes.flatMap((node) =>
    node.type === "mcp" && node.data.transport === "stdio" && before.get(node.id) !== stdioConfig(node.data)
      ? [{ nodeId: node.id, name: node.data.name }]
      : [],
  );
}

/** Drop `undefined` fields so the spec JSON stays minimal and stable. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** An MCP node's data as the engine's tool spec: only the fields of its transport. */
export function mcpServerSpec(d: McpNodeData): McpToolSpecInput {
  const common = {
    kind: "mcp" as const,
    name: d.name,
    transport: d.transport,
    tools: d.tools,
    timeoutSeconds: d.timeoutSeconds,
  };
  if (d.transport === "stdio") {
    return withoutUndefined({
      ...common,
      command: d.command,
      args: d.args.length > 0 ? d.args : undefined,
      envSecrets: d.envSecrets && Object.keys(d.envSecrets).length > 0 ? d.envSecrets : undefined,
    });
  }
  return withoutUndefined({
    ...common,
    url: d.url,
    secretHeaders: d.secretHeaders && Object.keys(d.secretHeaders).length > 0 ? d.secretHeaders : undefined,
  });
}
