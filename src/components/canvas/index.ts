export * from "./canvas-store-context";
export * from "./canvas-types";
export * from "./library-context";
export * from "./mcp-context";
export { OpenApiImportDialog, type OpenApiSource } from "./openapi-import-dialog";
export * from "./store";
export * from "./workflow-canvas";
