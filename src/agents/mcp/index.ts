export * from "./mcp-connection";
export * from "./mcp-server-tools";
export * from "./mcp-tool";
