export * from "./agent-spec";
export * from "./workflow-document";
