export * from "./get-agent-model";
export * from "./get-agent-sandbox";
export * from "./get-agent-tools";
export * from "./get-managed-agents";
export * from "./get-node-map";
export * from "./get-outgoing";
export * from "./get-root-agents";
export * from "./get-tool-name";
