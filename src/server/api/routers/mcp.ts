import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { AgentConfigError } from "~/agents/errors";
import { mcpNodeDataSchema, mcpServerSpec, mcpToolSpecSchema, stdioCommandProblem } from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { can } from "~/server/auth/permissions";
import { discoverTeamMcpTools } from "~/server/mcp/discover-tools";
import { mcpStdioCommands } from "~/server/runs/mcp-policy";

/** MCP servers of the canvas: what tools a server offers ("Refresh tools" in the inspector). */
export const mcpRouter = createTRPCRouter({
  /**
   * Connect to the server an MCP node describes, list its tools and disconnect: over HTTP through the
   * guarded fetch (OUTBOUND_ALLOW) with the team's secrets; a stdio server only for admins and only
   * a command on MCP_STDIO_COMMANDS. The node's timeout (15 s when empty) bounds it.
   */
  discoverTools: teamProcedure("edit")
    .input(z.object({ server: mcpNodeDataSchema }))
    .mutation(async ({ ctx, input }) => {
      const { server } = input;
      if (server.transport === "stdio") {
        if (!can(ctx.membership.role, "configureCommands")) {
          throw new TRPCError({
            code: "FORBIDDEN",
            message: "Only team admins may start an MCP server's program on the server.",
          });
        }
        const refused = server.command ? stdioCommandProblem(server.command, mcpStdioCommands()) : undefined;
        if (refused) throw new TRPCError({ code: "BAD_REQUEST", message: `${refused}.` });
      }
      const parsed = mcpToolSpecSchema.safeParse({ ...mcpServerSpec(server), tools: undefined });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `MCP server ${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}.`,
        });
      }
      try {
        return { tools: await discoverTeamMcpTools(ctx.db, ctx.team.id, parsed.data) };
      } catch (error) {
        if (error instanceof AgentConfigError)
          throw new TRPCError({ code: "BAD_REQUEST", message: error.message });
        throw error;
      }
    }),
});
