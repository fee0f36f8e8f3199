import "server-only";
import type { McpHostOptions } from "~/agents/mcp";
import { env } from "~/env";

/**
 * Stdio MCP servers start programs on the server, so the operator lists the programs
 * (MCP_STDIO_COMMANDS; none by default) and a team's admins choose among them. Checked by validation
 * (canvas, save, run start: `mcpStdioCommands`), by tool discovery, and by the engine in the worker.
 */

/** The programs stdio MCP servers may start (empty: stdio is off). */
export function mcpStdioCommands(): readonly string[] {
  return env.MCP_STDIO_COMMANDS;
}

/** What the engine gets for stdio servers: the allow-list and the PATH they run with. */
export function mcpHostOptions(): McpHostOptions {
  return { stdioCommands: env.MCP_STDIO_COMMANDS, stdioPath: env.PATH };
}
