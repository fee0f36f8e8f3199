import "server-only";
import { z } from "zod";
import { RUN_INPUT_LIMITS } from "~/server/runs/run-input";
import {
  chatCompletionChunkSchema,
  chatCompletionRequestSchema,
  chatCompletionSchema,
  IGNORED_OPENAI_PARAMS,
  modelListSchema,
  modelSchema,
  openAiErrorSchema,
} from "./openai-compat";

/**
 * The OpenAPI 3.1 operations of the OpenAI-compatible routes and the MCP server, built from the zod
 * schemas their handlers validate and answer with (`openai-compat.ts`), for the API's document
 * (`openAiPaths`: path items by path, self-contained, relying only on the document's `bearerAuth`
 * security scheme).
 */

/** A zod schema as an inline OpenAPI 3.1 schema (JSON Schema 2020-12 without `$schema`). */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

const openAiError = schemaOf(openAiErrorSchema, "output");

/** Error answers in OpenAI's shape (`{ error: { message, type, param, code } }`). */
function openAiErrors(descriptions: Record<number, string>): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(descriptions)) {
    responses[status] = {
      description,
      ...(status === "429" || status === "503"
        ? {
            headers: {
              "Retry-After": {
                description: "Seconds to wait before calling again.",
                schema: { type: "integer" },
              },
            },
          }
        : {}),
      content: { "application/json": { schema: openAiError } },
    };
  }
  return responses;
}

const runIdHeader = {
  "x-troupe-run-id": {
    description: "The run the call started (GET /api/v1/runs/{id} reads it).",
    schema: { type: "string" },
  },
};

const chatCompletionsOperation = {
  post: {
    operationId: "createChatCompletion",
    tags: ["OpenAI-compatible"],
    summary: "Run an endpoint as an OpenAI chat completion",
    description: [
      "Any OpenAI client can call a published endpoint: `model` is the endpoint's slug in the key's team.",
      "The last message must be the user's: its text is the task, its `image_url` parts (http(s) URLs or base64 data URIs) the run's images, its `input_audio` parts the run's audio.",
      "Earlier user and assistant messages are the conversation the agent remembers before the task; system and developer messages are prepended to the task (the agent keeps its own instructions).",
      `Accepted and ignored (the endpoint's agent chooses its models and settings): ${IGNORED_OPENAI_PARAMS.map((name) => `\`${name}\``).join(", ")}. Refused: tools, functions, tool messages, \`n\` above 1.`,
      "With `stream: true` the answer comes as `chat.completion.chunk` Server-Sent Events (`data: {…}`, ending with `data: [DONE]`; `: keep-alive` comments while the agent works); a run that ends without an answer ends the stream with an event in OpenAI's error shape.",
    ].join("\n\n"),
    requestBody: {
      required: true,
      content: { "application/json": { schema: schemaOf(chatCompletionRequestSchema, "input") } },
    },
    responses: {
      "200": {
        description:
          "The run's final answer (JSON text when it is not a string) and token usage; streamed as chunks with `stream: true`.",
        headers: runIdHeader,
        content: {
          "application/json": { schema: schemaOf(chatCompletionSchema, "output") },
          "text/event-stream": {
            schema: {
              type: "string",
              description: "`data: ` + a chunk as JSON, one per event; then `data: [DONE]`.",
            },
            "x-item-schema": schemaOf(chatCompletionChunkSchema, "output"),
          },
        },
      },
      ...openAiErrors({
        400: "Invalid body: `param` names the field (a message part, an unknown parameter).",
        401: "Missing, unknown or revoked API key.",
        403: "The key's scope does not cover this endpoint (`param`: model).",
        404: "No published endpoint with this slug for the key's team (`param`: model).",
        413: `The body is over ${RUN_INPUT_LIMITS.bodyBytes / 1024 / 1024} MB.`,
        415: "The body is not JSON.",
        422: "The published workflow cannot run as it is.",
        429: "The key's calls per minute, its monthly cost cap or the team's run limits are reached.",
        500: "The run failed or was cancelled (the message names the run; `x-should-retry: false`), or a server error with a reference.",
        503: "The server is busy starting other runs: nothing was started, retry after Retry-After seconds.",
        504: "The run is still running after the wait (about 9 minutes): the message names the run to follow.",
      }),
    },
  },
};

const modelsOperation = {
  get: {
    operationId: "listModels",
    tags: ["OpenAI-compatible"],
    summary: "List the endpoints the key may call, as OpenAI models",
    responses: {
      "200": {
        description: "The published endpoints of the key's team within its scope.",
        content: { "application/json": { schema: schemaOf(modelListSchema, "output") } },
      },
      ...openAiErrors({
        401: "Missing, unknown or revoked API key.",
        429: "The key's calls per minute are reached.",
      }),
    },
  },
};

const modelOperation = {
  get: {
    operationId: "retrieveModel",
    tags: ["OpenAI-compatible"],
    summary: "Read one endpoint the key may call, as an OpenAI model",
    parameters: [
      {
        name: "model",
        in: "path",
        required: true,
        description: "The endpoint's slug.",
        schema: { type: "string" },
      },
    ],
    responses: {
      "200": {
        description: "The endpoint as a model.",
        content: { "application/json": { schema: schemaOf(modelSchema, "output") } },
      },
      ...openAiErrors({
        401: "Missing, unknown or revoked API key.",
        403: "The key's scope does not cover this endpoint.",
        404: "No published endpoint with this slug for the key's team.",
        429: "The key's calls per minute are reached.",
      }),
    },
  },
};

const jsonRpcMessage = {
  description: "A JSON-RPC 2.0 message of the Model Context Protocol (or a batch of them).",
  oneOf: [
    { type: "object", required: ["jsonrpc"], properties: { jsonrpc: { const: "2.0" } } },
    { type: "array", items: { type: "object" } },
  ],
};

const troupeError = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, param: { type: "string" } },
    },
  },
};

const mcpNoSession = {
  description:
    "This MCP server is stateless: there is no session stream to open or end. Answered after the key is checked.",
  responses: {
    "401": {
      description: "Missing, unknown or revoked API key.",
      content: { "application/json": { schema: troupeError } },
    },
    "405": {
      description: "Method not allowed (`Allow: POST`).",
      content: { "application/json": { schema: { type: "object" } } },
    },
  },
};

const mcpOperation = {
  post: {
    operationId: "mcpMessage",
    tags: ["MCP"],
    summary: "Model Context Protocol over Streamable HTTP",
    description: [
      "Every published endpoint the key may call is a tool: its name is the endpoint's slug, its description the endpoint's, its input the run input (`task`, `images`, `audio`, `additional_args`).",
      "Stateless: send `initialize`, then `tools/list` and `tools/call` with `Accept: application/json, text/event-stream`.",
      "A tool call starts a normal run (source API, with the key's name) and answers the final answer as text (and `structuredContent` when the agent declares an output schema); `isError` when the run fails or the arguments are refused. With a `progressToken`, each step event of the run is a progress notification.",
      "Tool calls count against the key's rate limit and monthly cost cap (429 with Retry-After); `initialize` and `tools/list` do not.",
    ].join("\n\n"),
    requestBody: { required: true, content: { "application/json": { schema: jsonRpcMessage } } },
    responses: {
      "200": {
        description:
          "The JSON-RPC answer, as a Server-Sent Events stream (with progress notifications before it).",
        content: { "text/event-stream": { schema: { type: "string" } } },
      },
      "202": { description: "Accepted (the body held only notifications or responses)." },
      "400": {
        description: "Not JSON, or not a JSON-RPC message.",
        content: { "application/json": { schema: { type: "object" } } },
      },
      "401": {
        description: "Missing, unknown or revoked API key.",
        content: { "application/json": { schema: troupeError } },
      },
      "406": { description: "The Accept header must list application/json and text/event-stream." },
      "413": {
        description: `The body is over ${RUN_INPUT_LIMITS.bodyBytes / 1024 / 1024} MB.`,
        content: { "application/json": { schema: troupeError } },
      },
      "415": {
        description: "The body is not JSON.",
        content: { "application/json": { schema: troupeError } },
      },
      "429": {
        description: "A tool call past the key's calls per minute or monthly cost cap.",
        headers: {
          "Retry-After": {
            description: "Seconds to wait before calling again.",
            schema: { type: "integer" },
          },
        },
        content: { "application/json": { schema: troupeError } },
      },
    },
  },
  get: { operationId: "mcpOpenStream", tags: ["MCP"], summary: "Not available (stateless)", ...mcpNoSession },
  delete: {
    operationId: "mcpEndSession",
    tags: ["MCP"],
    summary: "Not available (stateless)",
    ...mcpNoSession,
  },
};

/** The OpenAI-compatible and MCP operations, by path, for the API's OpenAPI document. */
export const openAiPaths: Record<string, Record<string, unknown>> = {
  "/api/v1/chat/completions": chatCompletionsOperation,
  "/api/v1/models": modelsOperation,
  "/api/v1/models/{model}": modelOperation,
  "/api/v1/mcp": mcpOperation,
};

/** The tags of `openAiPaths`, for the document's tag list. */
export const openAiTags = [
  {
    name: "OpenAI-compatible",
    description: "Call endpoints with any OpenAI client: the endpoint's slug is the model.",
  },
  { name: "MCP", description: "Every endpoint a key may call is an MCP tool (Streamable HTTP)." },
];
