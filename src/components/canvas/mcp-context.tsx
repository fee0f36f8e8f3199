"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { DiscoveredMcpTool, McpNodeData } from "~/graph";

/**
 * What the canvas may do with MCP servers, provided by the page hosting it (which talks to the
 * server): ask a server for its tools, and whether the caller may configure stdio servers.
 */
export interface CanvasMcp {
  /** List the tools the server a node describes offers; rejects with a message. */
  discoverTools?: (server: McpNodeData) => Promise<DiscoveredMcpTool[]>;
  /** Admins may add or change stdio servers (they start a program on the server). */
  canConfigureCommands: boolean;
}

const CanvasMcpContext = createContext<CanvasMcp>({ canConfigureCommands: false });

/** Makes MCP discovery available to the inspector. Without it, "Refresh tools" is off. */
export function CanvasMcpProvider({ mcp, children }: { mcp: CanvasMcp; children: ReactNode }) {
  return <CanvasMcpContext.Provider value={mcp}>{children}</CanvasMcpContext.Provider>;
}

/** The canvas's MCP services (none outside a provider). */
export function useCanvasMcp(): CanvasMcp {
  return useContext(CanvasMcpContext);
}
