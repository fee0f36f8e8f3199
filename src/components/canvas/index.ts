export * from "./canvas-store-context";
export * from "./canvas-types";
export * from "./library-context";
export * from "./mcp-context";
export * from "./store";
export * from "./workflow-canvas";
