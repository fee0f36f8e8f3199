import { edgeOfKind } from "./handles";
import {
  CURRENT_WORKFLOW_VERSION,
  type WorkflowDocument,
  type WorkflowEdge,
  type WorkflowNode,
} from "./workflow-document";

/** A starter workflow offered when creating one. */
export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  document: WorkflowDocument;
}

const doc = (nodes: WorkflowNode[], edges: WorkflowEdge[]): WorkflowDocument => ({
  version: CURRENT_WORKFLOW_VERSION,
  nodes,
  edges,
  viewport: { x: 0, y: 0, zoom: 1 },
});

const agentDefaults = { maxSteps: 20, addBaseTools: false, additionalAuthorizedImports: [] as string[] };
const openaiModel = { provider: "openai" as const, model: "gpt-4o-mini", apiKeySecret: "OPENAI_API_KEY" };

const codeAgentWithSearch: WorkflowTemplate = {
  id: "code-agent-web-search",
  name: "CodeAgent with web search",
  description: "One CodeAgent that searches the web and reads pages, running its code in Pyodide.",
  document: doc(
    [
      {
        id: "agent",
        type: "agent",
        position: { x: 375, y: 40 },
        data: {
          agentType: "code",
          name: "web_agent",
          description: "Answers questions by searching the web.",
          instructions:
            "Search the web, read the most relevant pages, and cite your sources in the final answer.",
          ...agentDefaults,
        },
      },
      { id: "model", type: "model", position: { x: 0, y: 260 }, data: openaiModel },
      {
        id: "search",
        type: "tool",
        position: { x: 250, y: 260 },
        data: { kind: "builtin", name: "web_search" },
      },
      {
        id: "visit",
        type: "tool",
        position: { x: 500, y: 260 },
        data: { kind: "builtin", name: "visit_webpage" },
      },
      { id: "sandbox", type: "sandbox", position: { x: 750, y: 260 }, data: { kind: "pyodide" } },
    ],
    [
      edgeOfKind("uses-model", "agent", "model"),
      edgeOfKind("uses-tool", "agent", "search"),
      edgeOfKind("uses-tool", "agent", "visit"),
      edgeOfKind("runs-in", "agent", "sandbox"),
    ],
  ),
};

const managerTeam: WorkflowTemplate = {
  id: "manager-researcher-analyst",
  name: "Manager with a researcher and an analyst",
  description: "A manager CodeAgent delegates web research to one agent and number crunching to another.",
  document: doc(
    [
      {
        id: "manager",
        type: "agent",
        position: { x: 260, y: 0 },
        data: {
          agentType: "code",
          name: "manager",
          description: "Plans the work and delegates it.",
          instructions: "Break the task down. Ask researcher for facts and analyst for calculations.",
          ...agentDefaults,
          planningInterval: 3,
        },
      },
      {
        id: "manager_model",
        type: "model",
        position: { x: 0, y: 240 },
        data: { ...openaiModel, model: "gpt-4o" },
      },
      {
        id: "researcher",
        type: "agent",
        position: { x: 260, y: 240 },
        data: {
          agentType: "toolCalling",
          name: "researcher",
          description: "Finds facts on the web and returns them with sources.",
          instructions: "",
          ...agentDefaults,
        },
      },
      {
        id: "analyst",
        type: "agent",
        position: { x: 520, y: 240 },
        data: {
          agentType: "code",
          name: "analyst",
          description: "Computes and compares numbers with Python.",
          instructions: "",
          ...agentDefaults,
          additionalAuthorizedImports: ["statistics", "math"],
        },
      },
      { id: "worker_model", type: "model", position: { x: 390, y: 480 }, data: openaiModel },
      {
        id: "search",
        type: "tool",
        position: { x: 130, y: 480 },
        data: { kind: "builtin", name: "web_search" },
      },
      { id: "sandbox", type: "sandbox", position: { x: 650, y: 480 }, data: { kind: "pyodide" } },
    ],
    [
      edgeOfKind("uses-model", "manager", "manager_model"),
      edgeOfKind("manages", "manager", "researcher"),
      edgeOfKind("manages", "manager", "analyst"),
      edgeOfKind("uses-model", "researcher", "worker_model"),
      edgeOfKind("uses-tool", "researcher", "search"),
      edgeOfKind("uses-model", "analyst", "worker_model"),
      edgeOfKind("runs-in", "analyst", "sandbox"),
    ],
  ),
};

const toolCallingHttp: WorkflowTemplate = {
  id: "tool-calling-http",
  name: "ToolCallingAgent with an HTTP tool",
  description: "A ToolCallingAgent that calls a JSON API through an HTTP tool.",
  document: doc(
    [
      {
        id: "agent",
        type: "agent",
        position: { x: 150, y: 40 },
        data: {
          agentType: "toolCalling",
          name: "weather_agent",
          description: "Reports the weather for a place.",
          instructions: "Use get_forecast with the latitude and longitude of the place the user names.",
          ...agentDefaults,
        },
      },
      { id: "model", type: "model", position: { x: 0, y: 260 }, data: openaiModel },
      {
        id: "http",
        type: "tool",
        position: { x: 300, y: 260 },
        data: {
          kind: "http",
          name: "get_forecast",
          description: "Current weather at a latitude/longitude (Open-Meteo).",
          method: "GET",
          url: "https://api.open-meteo.com/v1/forecast?latitude={latitude}&longitude={longitude}&current_weather=true",
          inputs: {
            latitude: { type: "number", description: "Latitude in degrees" },
            longitude: { type: "number", description: "Longitude in degrees" },
          },
          outputType: "object",
        },
      },
    ],
    [edgeOfKind("uses-model", "agent", "model"), edgeOfKind("uses-tool", "agent", "http")],
  ),
};

/** The starter templates, in the order the "New workflow" dialog shows them. */
export const workflowTemplates: readonly WorkflowTemplate[] = [
  codeAgentWithSearch,
  managerTeam,
  toolCallingHttp,
];

/** A template by id, as a fresh deep copy the caller may edit. */
export function getTemplate(id: string): WorkflowTemplate | undefined {
  const t = workflowTemplates.find((x) => x.id === id);
  return t ? { ...t, document: structuredClone(t.document) } : undefined;
}
