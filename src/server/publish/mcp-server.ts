import "server-only";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { RunEvent } from "~/agents/events";
import { followRun, waitForRunEnd } from "~/server/realtime/run-feed";
import { RUN_INPUT_LIMITS, runInputSchema } from "~/server/runs/run-input";
import { type ApiCall, readJsonBody } from "./api-call";
import { ApiError } from "./api-error";
import { type ApiCaller, authenticateApiKey, keyMayCall } from "./api-keys";
import { checkMonthlyCostCap, takeKeyCall } from "./api-limits";
import { endpointForCaller, runResult, startEndpointRun } from "./endpoint-runs";
import { answerText, runEndMessage } from "./openai-compat";

/**
 * The MCP server at `/api/v1/mcp`: every published endpoint an API key may call is a tool (name = the
 * endpoint's slug, description = its description, input = the REST API's run input schema). Streamable
 * HTTP, stateless: each POST gets its own server and transport, so any web process answers any request
 * and nothing is kept between them (GET and DELETE, which open or end a session, answer 405).
 *
 * A `tools/call` is checked before the transport sees it: the key's rate limit and monthly cost cap
 * (HTTP 429 with Retry-After, as on the other surfaces; `initialize` and `tools/list` are free), then
 * the endpoint and the arguments, then the run is started (source api, with the key), so the call is
 * recorded with its endpoint and run like a REST call. The tool answers when the run has ended: the
 * final answer as text (and `structuredContent` when the agent declares an output schema and answers
 * an object), `isError` when the run did not succeed or its arguments were refused. A client that sends
 * a `progressToken` gets a progress notification for each step event (step started, tool call, code
 * action, plan, error, final answer) while the run works.
 */

/** How long a tool call waits for its run before answering that it still runs (tests shorten it). */
export const mcpWaits = { toolCallMs: 540_000 };

/** The version this server reports in `initialize`. */
const SERVER_INFO = { name: "troupe", version: "0.1.0" };

/** The JSON schema of every tool's arguments: the REST API's run input. */
export const toolInputSchema = (() => {
  const { $schema: _schema, ...schema } = z.toJSONSchema(runInputSchema, { io: "input" });
  return schema as Tool["inputSchema"];
})();

/** What `tools/call` requests of one HTTP request resolved to before the transport handles them. */
type PreparedCall =
  | { kind: "started"; runId: string; slug: string }
  | { kind: "unknown"; message: string }
  | { kind: "refused"; message: string };

interface JsonRpcToolCall {
  id: string | number;
  params: { name?: unknown; arguments?: unknown };
}

function toolCallsIn(body: unknown): JsonRpcToolCall[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.filter(
    (message): message is JsonRpcToolCall =>
      typeof message === "object" &&
      message !== null &&
      (message as { method?: unknown }).method === "tools/call" &&
      ["string", "number"].includes(typeof (message as { id?: unknown }).id) &&
      typeof (message as { params?: unknown }).params === "object" &&
      (message as { params?: unknown }).params !== null,
  );
}

/** Resolve one tool call to a started run, or to the reason it cannot run. */
async function prepareToolCall(
  call: ApiCall,
  caller: ApiCaller,
  request: JsonRpcToolCall,
): Promise<PreparedCall> {
  const name = request.params.name;
  if (typeof name !== "string" || !name) return { kind: "unknown", message: "Name the tool to call." };
  let endpoint: Awaited<ReturnType<typeof endpointForCaller>>;
  try {
    endpoint = await endpointForCaller(call.db, caller, { slug: name });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      return { kind: "unknown", message: `Unknown tool "${name}": ${error.message}` };
    }
    throw error;
  }
  call.accounting.endpointId = endpoint.id;
  const parsed = runInputSchema.safeParse(request.params.arguments ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : undefined;
    const field = unknownKeys ? unknownKeys.join(", ") : issue.path.map(String).join(".");
    const message = unknownKeys ? `Unknown argument${unknownKeys.length > 1 ? "s" : ""}` : issue.message;
    return { kind: "refused", message: `Invalid arguments${field ? ` (${field})` : ""}: ${message}` };
  }
  try {
    const { runId } = await startEndpointRun(call.db, {
      endpoint,
      input: parsed.data,
      source: "api",
      caller,
    });
    call.accounting.runId = runId;
    return { kind: "started", runId, slug: endpoint.slug };
  } catch (error) {
    if (error instanceof ApiError && error.status !== 500) return { kind: "refused", message: error.message };
    throw error;
  }
}

/** The tools a key may call: the published endpoints of its team within its scope. */
async function toolsFor(call: ApiCall, caller: ApiCaller): Promise<Tool[]> {
  const endpoints = await call.db.endpoint.findMany({
    where: {
      teamId: caller.team.id,
      workflowVersionId: { not: null },
      ...(caller.key.allEndpoints ? {} : { id: { in: caller.key.endpointIds } }),
    },
    select: { id: true, teamId: true, slug: true, description: true },
    orderBy: { slug: "asc" },
  });
  return endpoints
    .filter((endpoint) => keyMayCall(caller.key, endpoint))
    .map((endpoint) => ({
      name: endpoint.slug,
      title: endpoint.slug,
      description:
        endpoint.description ||
        `Runs the agent published as "${endpoint.slug}" by the team ${caller.team.slug} and answers its final answer.`,
      inputSchema: toolInputSchema,
    }));
}

/** A step event in words for a progress notification, or undefined for events that are not steps. */
export function describeStepEvent(event: RunEvent): string | undefined {
  const agent = event.agentPath.join("/") || "agent";
  switch (event.type) {
    case "step_started":
      return `${agent}: step ${event.stepNumber}`;
    case "tool_call":
      return `${agent}: calls ${event.toolCall.name}`;
    case "code_action":
      return `${agent}: runs code`;
    case "plan":
      return `${agent}: plans`;
    case "error":
      return `${agent}: ${event.error.message}`;
    case "final_answer":
      return `${agent}: final answer`;
    default:
      return undefined;
  }
}

/** Wait for a run, sending its step events as progress when the client asked; whether it ended. */
async function awaitRun(
  call: ApiCall,
  runId: string,
  signal: AbortSignal,
  progress?: (event: RunEvent, message: string) => Promise<void>,
): Promise<boolean> {
  const deadline = AbortSignal.timeout(mcpWaits.toolCallMs);
  const both = AbortSignal.any([signal, deadline]);
  if (!progress) return waitForRunEnd(call.db, runId, mcpWaits.toolCallMs, signal);
  for await (const event of followRun(call.db, runId, { signal: both })) {
    const message = describeStepEvent(event);
    if (message) await progress(event, message).catch(() => undefined);
  }
  if (both.aborted) return false;
  return true;
}

/** The tool's answer for an ended run. */
async function toolResult(call: ApiCall, runId: string): Promise<CallToolResult> {
  const result = await runResult(call.db, runId);
  const _meta = { "troupe/run-id": runId };
  if (result.status !== "succeeded") {
    return {
      isError: true,
      content: [{ type: "text", text: runEndMessage(result) }],
      _meta,
    };
  }
  const structured = result.structured_output;
  return {
    content: [{ type: "text", text: answerText(result.output) }],
    ...(typeof structured === "object" && structured !== null && !Array.isArray(structured)
      ? { structuredContent: structured as Record<string, unknown> }
      : {}),
    _meta,
  };
}

function mcpServer(call: ApiCall, caller: ApiCaller, prepared: Map<string | number, PreparedCall>): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: "Each tool runs one of the team's published agents and answers with its final answer.",
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await toolsFor(call, caller) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const ready = prepared.get(extra.requestId);
    if (!ready) throw new McpError(ErrorCode.InternalError, "This tool call was not prepared.");
    if (ready.kind === "unknown") throw new McpError(ErrorCode.InvalidParams, ready.message);
    if (ready.kind === "refused") return { isError: true, content: [{ type: "text", text: ready.message }] };
    const progressToken = request.params._meta?.progressToken;
    const signal = AbortSignal.any([extra.signal, call.request.signal]);
    const ended = await awaitRun(
      call,
      ready.runId,
      signal,
      progressToken === undefined
        ? undefined
        : (event, message) =>
            extra.sendNotification({
              method: "notifications/progress",
              params: {
                progressToken,
                progress: event.seq + 1,
                message,
                _meta: {
                  "troupe/event": {
                    type: event.type,
                    seq: event.seq,
                    agentPath: event.agentPath,
                    ...("stepNumber" in event ? { stepNumber: event.stepNumber } : {}),
                  },
                },
              },
            }),
    );
    if (!ended) {
      return {
        isError: true,
        content: [
          {
            type: "text",
            text: `The run ${ready.runId} is still running after ${Math.round(mcpWaits.toolCallMs / 1000)} s: follow it at /api/v1/runs/${ready.runId}.`,
          },
        ],
        _meta: { "troupe/run-id": ready.runId },
      };
    }
    return toolResult(call, ready.runId);
  });
  return server;
}

/** GET and DELETE: this server keeps no sessions, so there is no stream to open and none to end. */
export function mcpMethodNotAllowed(): Response {
  return Response.json(
    {
      jsonrpc: "2.0",
      error: {
        code: -32000,
        message: "Method not allowed: this MCP server is stateless; POST each message.",
      },
      id: null,
    },
    { status: 405, headers: { allow: "POST" } },
  );
}

/** `POST /api/v1/mcp`: one JSON-RPC message (or batch) over Streamable HTTP. */
export async function mcpPost(call: ApiCall): Promise<Response> {
  const caller = await authenticateApiKey(call.db, call.request.headers.get("authorization"));
  const body = await readJsonBody(call.request, z.unknown(), RUN_INPUT_LIMITS.bodyBytes);
  const toolCalls = toolCallsIn(body);
  const prepared = new Map<string | number, PreparedCall>();
  // One run per HTTP request: a batch of calls would start runs past the rate limit's intent.
  if (toolCalls.length > 1) {
    throw new ApiError(400, "invalid_request", "Send one tools/call per request (no batches of tool calls).");
  }
  const toolCall = toolCalls[0];
  if (toolCall) {
    call.accounting.teamId = caller.team.id;
    call.accounting.apiKeyId = caller.key.id;
    await takeKeyCall(caller);
    await checkMonthlyCostCap(call.db, caller);
    prepared.set(toolCall.id, await prepareToolCall(call, caller, toolCall));
  }
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  const server = mcpServer(call, caller, prepared);
  await server.connect(transport);
  return transport.handleRequest(call.request, { parsedBody: body });
}
