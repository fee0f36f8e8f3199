export * from "./canvas-store-context";
export * from "./canvas-types";
export * from "./store";
export * from "./workflow-canvas";
