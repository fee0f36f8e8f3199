/** The agent engine's public surface (no Next, Prisma, Socket.IO or React beneath this folder). */
export * from "./agent-run";
export * from "./build-agent";
export * from "./code-agent";
export * from "./errors";
export * from "./events";
export * from "./mcp";
export * from "./memory";
export * from "./memory-snapshot";
export * from "./models";
export * from "./multi-step-agent";
export * from "./net";
export * from "./run-context";
export * from "./secrets";
export * from "./telemetry";
export * from "./tool-calling-agent";
export * from "./tools";
export * from "./transcript";
