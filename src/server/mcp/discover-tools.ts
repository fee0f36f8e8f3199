import "server-only";
import { AgentConfigError } from "~/agents/errors";
import { discoverMcpTools, type McpToolSummary } from "~/agents/mcp";
import { OutboundGuard } from "~/agents/net/guarded-fetch";
import { type McpToolSpec, mcpLimits } from "~/graph/agent-spec";
import { toolKeyMessage } from "~/graph/key-binding";
import type { PrismaClient } from "~/server/db";
import { mcpHostOptions } from "~/server/runs/mcp-policy";
import { environmentSecret, outboundPolicy } from "~/server/runs/providers";
import { resolveTeamSecret } from "~/server/secrets/team-secrets";

/** Time the canvas waits for a server's tool list when its node sets none. */
export const discoverTimeoutMs = 15_000;

let guard: OutboundGuard | undefined;

/** One guard (and connection pool) for every discovery of this process, under OUTBOUND_ALLOW. */
function discoveryGuard(): OutboundGuard {
  guard ??= new OutboundGuard(outboundPolicy());
  return guard;
}

/**
 * The tools an MCP server offers, asked for a team as a run would ask: the team's secrets (then the
 * installation's, which tools never send), the guarded fetch, the operator's list of commands. The
 * caller has checked who may ask (stdio: admins). Throws AgentConfigError with a message naming the
 * server.
 */
export async function discoverTeamMcpTools(
  db: PrismaClient,
  teamId: string,
  spec: McpToolSpec,
): Promise<McpToolSummary[]> {
  const timeoutMs = spec.timeoutSeconds ? spec.timeoutSeconds * 1000 : discoverTimeoutMs;
  const tools = await discoverMcpTools(
    { ...spec, timeoutSeconds: timeoutMs / 1000 },
    {
      host: mcpHostOptions(),
      secret: async (name) => {
        const secret = (await resolveTeamSecret(db, teamId, name)) ?? environmentSecret(name);
        if (secret === undefined) {
          throw new AgentConfigError(`Secret '${name}' for MCP server '${spec.name}' is not set`);
        }
        if (secret.modelsOnly) throw new AgentConfigError(toolKeyMessage(name, `MCP server '${spec.name}'`));
        return { name, ...secret };
      },
      fetch: (options) => discoveryGuard().fetch(options),
      signal: AbortSignal.timeout(timeoutMs * 2 + 1000),
    },
  );
  return tools.slice(0, mcpLimits.maxTools).map((tool) => ({
    name: tool.name.slice(0, 200),
    description: tool.description.slice(0, 4000),
  }));
}
