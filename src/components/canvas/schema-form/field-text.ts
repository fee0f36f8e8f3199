/** Labels, option names and help texts of the workflow document's fields, as the inspector shows them. */

const labels: Record<string, string> = {
  agentType: "Agent type",
  maxSteps: "Max steps",
  planningInterval: "Planning interval (steps)",
  addBaseTools: "Add base tools",
  additionalAuthorizedImports: "Authorized imports (one per line)",
  outputSchema: "Output schema (JSON Schema)",
  apiKeySecret: "API key secret",
  baseUrl: "Base URL",
  hfProvider: "Inference provider",
  endpointUrl: "Endpoint URL",
  maxTokens: "Max tokens",
  secretHeaders: "Secret headers (Header=SECRET_NAME)",
  params: "Where inputs go (JSON)",
  auth: "Auth from a secret (JSON)",
  headers: "Headers (Header=value)",
  timeoutSeconds: "Timeout (seconds)",
  memoryMb: "Memory (MB)",
  cpus: "CPUs",
  args: "Arguments (one per line)",
  envSecrets: "Environment (VARIABLE=SECRET_NAME)",
  outputType: "Output type",
  itemId: "Library item",
  url: "URL",
  model: "Model id",
};

/** Display names of enum values that are not words. */
export const optionLabels: Record<string, string> = {
  code: "CodeAgent (writes Python)",
  toolCalling: "ToolCallingAgent (JSON tool calls)",
  pyodide: "Pyodide (WebAssembly, no network)",
  docker: "Docker container",
  local: "Local process (unsafe)",
};

/** A line of help under a field, for the fields that need one. */
export const fieldHelp: Record<string, string> = {
  description: "One or two sentences; the agent or manager that calls this reads it.",
  instructions: "Added to the agent's system prompt.",
  apiKeySecret:
    "The name of a secret; its value never leaves the server. Empty: this server's provider key, which is only sent to its own endpoint.",
  baseUrl: "Empty: this server's endpoint. A model at another host must name an API key secret of its own.",
  endpointUrl: "Empty: Hugging Face's router. Another host must name an API key secret of its own.",
  url: "{name} placeholders are filled from the tool's inputs.",
  params:
    'Input name → {"in": "path" | "query" | "header" | "body" | "bodyField", "name": its name in the request}. Inputs not listed fill a URL placeholder, else the query (GET, DELETE) or the JSON body.',
  auth: '{"type": "bearer" | "basic", "secret": "NAME"} or {"type": "apiKey", "in": "header" | "query", "name": "X-API-Key", "secret": "NAME"}. The secret is only sent to this URL\'s host.',
};

/** A readable label for a field key. */
export function fieldLabel(key: string): string {
  return labels[key] ?? key.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase());
}
