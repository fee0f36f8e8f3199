import "server-only";
import { z } from "zod";
import { text } from "~/graph";
import { waitForRunEnd } from "~/server/realtime/run-feed";
import {
  type ConversationMessage,
  RUN_INPUT_LIMITS,
  type RunInput,
  runInputSchema,
} from "~/server/runs/run-input";
import type { ApiCall } from "./api-call";
import { readJsonBody } from "./api-call";
import { ApiError, apiErrorResponse } from "./api-error";
import { type ApiCaller, authenticateApiKey, keyMayCall } from "./api-keys";
import { checkMonthlyCostCap, takeKeyCall } from "./api-limits";
import { endpointForCaller, type RunResult, runResult, startEndpointRun } from "./endpoint-runs";

/**
 * The OpenAI-compatible surface: `POST /api/v1/chat/completions` runs the endpoint named by `model`
 * (its slug in the key's team) and answers in OpenAI's chat completion shape, plain or streamed as
 * `chat.completion.chunk` Server-Sent Events; `GET /api/v1/models` lists the endpoints the key may call
 * (`GET /api/v1/models/{model}` reads one).
 *
 * How a chat becomes a run:
 * - the last message must be the user's: its text parts are the task, its `image_url` parts the run's
 *   images and its `input_audio` parts the run's audio (the same limits as the REST API);
 * - earlier user and assistant messages are the conversation the agent remembers before the task;
 * - system and developer messages are not the agent's instructions (it keeps its own): their text is
 *   prepended to the task, separated by a blank line, as context from the caller;
 * - OpenAI's sampling and output parameters (`IGNORED_OPENAI_PARAMS`) are accepted and ignored: the
 *   endpoint's agent decides its models and settings; `tools`, `functions` and tool messages are
 *   refused (the agent calls its own tools), and so is `n` above 1.
 */

/** OpenAI parameters accepted and ignored (the published agent chooses its models and their settings). */
export const IGNORED_OPENAI_PARAMS = [
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "stop",
  "seed",
  "user",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "response_format",
  "metadata",
  "store",
  "parallel_tool_calls",
  "tool_choice",
  "reasoning_effort",
  "modalities",
  "audio",
  "prediction",
  "service_tier",
  "verbosity",
  "web_search_options",
  "safety_identifier",
  "prompt_cache_key",
  "prompt_cache_retention",
] as const;

/** How long a call waits for its run: a plain answer (below the `openai` client's 10-minute timeout), a stream. */
export const chatCompletionWaits = { responseMs: 540_000, streamMs: 3_600_000, keepAliveMs: 15_000 };

/** Bounds of the conversation before the task (the task itself has runInputSchema's bounds). */
export const CHAT_LIMITS = { messages: 1_000, messageChars: 100_000 } as const;

const textPartSchema = z.object({ type: z.literal("text"), text: text() });
const imagePartSchema = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: text().describe("An http(s) URL or a base64 data URI (data:image/…;base64,…)."),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const audioPartSchema = z.object({
  type: z.literal("input_audio"),
  input_audio: z.object({
    data: text().describe("Base64-encoded audio."),
    format: z.string().regex(/^[a-z0-9]{1,10}$/, "An audio format such as wav or mp3."),
  }),
});
const refusalPartSchema = z.object({ type: z.literal("refusal"), refusal: z.string() });

const messageText = text().max(
  CHAT_LIMITS.messageChars,
  `A message is at most ${CHAT_LIMITS.messageChars.toLocaleString("en-US")} characters.`,
);
const instructionContent = z.union([messageText, z.array(textPartSchema)]);

const messageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: instructionContent, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content: instructionContent, name: z.string().optional() }),
  z.object({
    role: z.literal("user"),
    content: z.union([
      messageText,
      z.array(z.discriminatedUnion("type", [textPartSchema, imagePartSchema, audioPartSchema])),
    ]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal("assistant"),
    content: z
      .union([messageText, z.array(z.discriminatedUnion("type", [textPartSchema, refusalPartSchema]))])
      .nullable()
      .optional(),
    name: z.string().optional(),
    refusal: z.string().nullable().optional(),
    tool_calls: z
      .array(z.unknown())
      .max(0, "Tool calls are not supported: the endpoint's agent calls its own tools.")
      .optional(),
  }),
  z.object({ role: z.literal("tool") }).refine(() => false, {
    message: "Tool messages are not supported: the endpoint's agent calls its own tools.",
    path: ["role"],
  }),
  z.object({ role: z.literal("function") }).refine(() => false, {
    message: "Function messages are not supported: the endpoint's agent calls its own tools.",
    path: ["role"],
  }),
]);

const ignoredParams = Object.fromEntries(
  IGNORED_OPENAI_PARAMS.map((name) => [name, z.unknown().optional().describe("Accepted and ignored.")]),
) as Record<(typeof IGNORED_OPENAI_PARAMS)[number], z.ZodOptional<z.ZodUnknown>>;

/** The body of `POST /api/v1/chat/completions`: OpenAI's, strict about the fields it does not know. */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1, "Name the endpoint (its slug) as the model.").describe("The endpoint's slug."),
    messages: z
      .array(messageSchema)
      .min(1, "Send at least one message.")
      .max(CHAT_LIMITS.messages, `At most ${CHAT_LIMITS.messages} messages.`)
      .describe("The chat: the last message is the user's task, earlier ones the agent's memory."),
    stream: z.boolean().nullable().optional().describe("Stream `chat.completion.chunk` Server-Sent Events."),
    stream_options: z
      .object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
      .nullable()
      .optional()
      .describe("`include_usage`: a last chunk with the run's token usage."),
    n: z.literal(1, "Only one choice (n = 1) is supported.").nullable().optional(),
    tools: z
      .array(z.unknown())
      .max(0, "Tools are not supported: the endpoint's agent calls its own tools.")
      .optional(),
    functions: z
      .array(z.unknown())
      .max(0, "Functions are not supported: the endpoint's agent calls its own tools.")
      .optional(),
    ...ignoredParams,
  })
  .strict();
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

/** The answer of a call without `stream`. */
export const chatCompletionSchema = z.object({
  id: z.string().describe("`chatcmpl-` and the run id."),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal("assistant"),
        content: z.string().describe("The final answer (JSON text when it is not a string)."),
        refusal: z.null(),
      }),
      finish_reason: z.enum(["stop", "length"]).describe("`length`: the agent reached its step limit."),
      logprobs: z.null(),
    }),
  ),
  usage: usageSchema,
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** One Server-Sent Event of a streamed call (`data: {…}`; the stream ends with `data: [DONE]`). */
export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      finish_reason: z.enum(["stop", "length"]).nullable(),
      logprobs: z.null(),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/** An endpoint as an OpenAI model (`GET /api/v1/models/{model}`). */
export const modelSchema = z.object({
  id: z.string().describe("The endpoint's slug: the `model` of a chat completion."),
  object: z.literal("model"),
  created: z.number().int().describe("When its current version started serving (Unix seconds)."),
  owned_by: z.string().describe("The team's slug."),
});

/** `GET /api/v1/models`: the published endpoints the key may call. */
export const modelListSchema = z.object({ object: z.literal("list"), data: z.array(modelSchema) });

/** OpenAI's error body. */
export const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string(),
  }),
});

/** What a chat asks of a run: its input (task, images, audio) and the conversation before it. */
export interface ChatRun {
  input: RunInput;
  conversation: ConversationMessage[];
}

type Message = ChatCompletionRequest["messages"][number];

/** The text of a message's content: the string, or its text parts joined by newlines. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as Array<{ type: string; text?: string }>)
    .filter((part) => part.type === "text")
    .map((part) => part.text ?? "")
    .join("\n");
}

interface Media {
  images: string[];
  imageParams: string[];
  audio: string[];
  audioParams: string[];
}

function mediaOf(message: Message, index: number): Media {
  const media: Media = { images: [], imageParams: [], audio: [], audioParams: [] };
  if (message.role !== "user" || typeof message.content === "string") return media;
  message.content.forEach((part, p) => {
    if (part.type === "image_url") {
      media.images.push(part.image_url.url);
      media.imageParams.push(`messages.${index}.content.${p}.image_url.url`);
    } else if (part.type === "input_audio") {
      media.audio.push(`data:audio/${part.input_audio.format};base64,${part.input_audio.data}`);
      media.audioParams.push(`messages.${index}.content.${p}.input_audio`);
    }
  });
  return media;
}

/** The field of the chat a run input issue is about. */
function chatParam(path: PropertyKey[], media: Media, taskParam: string): string {
  const [field, index] = path;
  if (field === "images")
    return typeof index === "number" ? (media.imageParams[index] ?? taskParam) : taskParam;
  if (field === "audio")
    return typeof index === "number" ? (media.audioParams[index] ?? taskParam) : taskParam;
  return taskParam;
}

/**
 * Turn a chat into a run's input and conversation (see the module comment); 400 naming the message
 * field when the chat does not make a valid run input.
 */
export function chatToRun(messages: Message[]): ChatRun {
  const lastIndex = messages.length - 1;
  const last = messages[lastIndex]!;
  if (last.role !== "user") {
    throw new ApiError(
      400,
      "invalid_request",
      "The last message must be the user's: it is the agent's task.",
      {
        param: `messages.${lastIndex}.role`,
      },
    );
  }
  const context = messages
    .filter((message) => message.role === "system" || message.role === "developer")
    .map((message) => textOf(message.content).trim())
    .filter(Boolean)
    .join("\n\n");
  const conversation: ConversationMessage[] = [];
  messages.slice(0, lastIndex).forEach((message, index) => {
    if (message.role !== "user" && message.role !== "assistant") return;
    const content = textOf(message.content);
    const media = mediaOf(message, index);
    if (media.images.length) {
      const parsed = runInputSchema.shape.images.safeParse(media.images);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ApiError(400, "invalid_request", issue.message, {
          param: chatParam(["images", ...issue.path], media, `messages.${index}.content`),
        });
      }
    }
    if (!content.trim() && !media.images.length) return;
    conversation.push({
      role: message.role,
      content,
      ...(media.images.length ? { images: media.images } : {}),
    });
  });
  const media = mediaOf(last, lastIndex);
  const taskText = textOf(last.content).trim();
  const task = context && taskText ? `${context}\n\n${taskText}` : taskText;
  const parsed = runInputSchema.safeParse({
    task,
    ...(media.images.length ? { images: media.images } : {}),
    ...(media.audio.length ? { audio: media.audio } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const taskParam = `messages.${lastIndex}.content`;
    const withContext =
      issue.path[0] === "task" && context && issue.code === "too_big"
        ? " (the system messages are prepended to the task and count too)"
        : "";
    throw new ApiError(400, "invalid_request", `${issue.message}${withContext}`, {
      param: chatParam(issue.path, media, taskParam),
    });
  }
  return { input: parsed.data, conversation };
}

/** The final answer as message content: text as it is, anything else as JSON. */
export function answerText(output: unknown): string {
  if (output === null || output === undefined) return "";
  return typeof output === "string" ? output : JSON.stringify(output);
}

/** Pieces of an answer to stream as deltas: runs of words of at most about `size` characters. */
export function answerPieces(text: string, size = 48): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const word of text.match(/\s*\S+\s*/g) ?? (text ? [text] : [])) {
    if (current && current.length + word.length > size) {
      pieces.push(current);
      current = "";
    }
    current += word;
  }
  if (current) pieces.push(current);
  return pieces;
}

function usageOf(result: RunResult): z.infer<typeof usageSchema> {
  return {
    prompt_tokens: result.usage.input_tokens,
    completion_tokens: result.usage.output_tokens,
    total_tokens: result.usage.total_tokens,
  };
}

/** Why a run ended without an answer, in words naming the run. */
export function runEndMessage(result: RunResult): string {
  const ended: Partial<Record<RunResult["status"], string>> = {
    failed: "failed",
    cancelled: "was cancelled",
    timed_out: "timed out",
  };
  const reason = result.error ? `: ${result.error}` : ".";
  return `The run ${result.id} ${ended[result.status] ?? `ended as ${result.status}`}${reason}`;
}

/** The run ended without an answer: an error naming the run (not worth retrying). */
function runEndedError(result: RunResult): ApiError {
  return new ApiError(500, `run_${result.status}`, runEndMessage(result));
}

/** Headers of a response about a run: its id, and no automatic retry by OpenAI's clients (it would run again). */
function runHeaders(runId: string): Record<string, string> {
  return { "x-troupe-run-id": runId, "x-should-retry": "false" };
}

/** Who is calling and whether they may call now (rate limit, monthly cost cap); recorded from here on. */
async function admit(call: ApiCall, options: { costCap: boolean }): Promise<ApiCaller> {
  const caller = await authenticateApiKey(call.db, call.request.headers.get("authorization"));
  call.accounting.teamId = caller.team.id;
  call.accounting.apiKeyId = caller.key.id;
  await takeKeyCall(caller);
  if (options.costCap) await checkMonthlyCostCap(call.db, caller);
  return caller;
}

/** The endpoint a `model` names, for the caller; its refusals (404, 403) name the field `model`. */
function endpointForModel(call: ApiCall, caller: ApiCaller, slug: string) {
  return endpointForCaller(call.db, caller, { slug }).catch((error: unknown) => {
    if (error instanceof ApiError) {
      throw new ApiError(error.status, error.code, error.message, { ...error.options, param: "model" });
    }
    throw error;
  });
}

/** `POST /api/v1/chat/completions`. */
export async function chatCompletions(call: ApiCall): Promise<Response> {
  let caller: ApiCaller;
  try {
    caller = await admit(call, { costCap: true });
  } catch (error) {
    // OpenAI's clients retry a 429 at once when Retry-After is far off; a cost cap lasts until next month.
    if (error instanceof ApiError && error.code === "cost_cap_reached") {
      return apiErrorResponse(error, "openai", { "x-should-retry": "false" });
    }
    throw error;
  }
  const body = await readJsonBody(call.request, chatCompletionRequestSchema, RUN_INPUT_LIMITS.bodyBytes);
  const endpoint = await endpointForModel(call, caller, body.model);
  call.accounting.endpointId = endpoint.id;
  const chat = chatToRun(body.messages);
  const { runId } = await startEndpointRun(call.db, {
    endpoint,
    input: chat.input,
    conversation: chat.conversation,
    source: "api",
    caller,
  });
  call.accounting.runId = runId;
  const meta = { id: `chatcmpl-${runId}`, created: Math.floor(Date.now() / 1000), model: endpoint.slug };
  if (body.stream) {
    return streamCompletion(call, runId, meta, Boolean(body.stream_options?.include_usage));
  }
  const ended = await waitForRunEnd(call.db, runId, chatCompletionWaits.responseMs, call.request.signal);
  if (!ended) {
    return apiErrorResponse(
      new ApiError(
        504,
        "run_still_running",
        `The run ${runId} is still running after ${Math.round(chatCompletionWaits.responseMs / 1000)} s: follow it at /api/v1/runs/${runId}, or stream the chat (stream: true).`,
      ),
      "openai",
      runHeaders(runId),
    );
  }
  const result = await runResult(call.db, runId);
  if (result.status !== "succeeded") {
    return apiErrorResponse(runEndedError(result), "openai", runHeaders(runId));
  }
  const completion: ChatCompletion = {
    ...meta,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: answerText(result.output), refusal: null },
        finish_reason: result.hit_step_limit ? "length" : "stop",
        logprobs: null,
      },
    ],
    usage: usageOf(result),
  };
  return Response.json(completion, { headers: { "x-troupe-run-id": runId } });
}

/**
 * The streamed answer: a first chunk with the assistant role at once, comments as keep-alives while
 * the run works, then the final answer in pieces, a chunk with the finish reason, the usage chunk when
 * asked, and `[DONE]`. A run that ends without an answer sends OpenAI's error shape as the last event.
 */
function streamCompletion(
  call: ApiCall,
  runId: string,
  meta: { id: string; created: number; model: string },
  includeUsage: boolean,
): Response {
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, call.request.signal]);
  let closed = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const chunk = (
    choices: ChatCompletionChunk["choices"],
    usage?: ChatCompletionChunk["usage"],
  ): ChatCompletionChunk => ({
    ...meta,
    object: "chat.completion.chunk",
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const send = (data: unknown) => write(`data: ${JSON.stringify(data)}\n\n`);
      const finish = () => {
        clearInterval(keepAlive);
        if (closed) return;
        closed = true;
        controller.close();
      };
      send(
        chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }]),
      );
      keepAlive = setInterval(() => write(": keep-alive\n\n"), chatCompletionWaits.keepAliveMs);
      void (async () => {
        try {
          const ended = await waitForRunEnd(call.db, runId, chatCompletionWaits.streamMs, signal);
          if (signal.aborted) return;
          if (!ended) {
            throw new ApiError(
              504,
              "run_still_running",
              `The run ${runId} is still running after ${Math.round(chatCompletionWaits.streamMs / 1000)} s: follow it at /api/v1/runs/${runId}.`,
            );
          }
          const result = await runResult(call.db, runId);
          if (result.status !== "succeeded") throw runEndedError(result);
          for (const piece of answerPieces(answerText(result.output))) {
            send(chunk([{ index: 0, delta: { content: piece }, finish_reason: null, logprobs: null }]));
          }
          send(
            chunk([
              {
                index: 0,
                delta: {},
                finish_reason: result.hit_step_limit ? "length" : "stop",
                logprobs: null,
              },
            ]),
          );
          if (includeUsage) send(chunk([], usageOf(result)));
          write("data: [DONE]\n\n");
        } catch (error) {
          const known =
            error instanceof ApiError
              ? error
              : new ApiError(500, "internal_error", `The answer of run ${runId} could not be read.`);
          send(await apiErrorResponse(known, "openai").json());
        } finally {
          finish();
        }
      })();
    },
    cancel() {
      closed = true;
      clearInterval(keepAlive);
      stop.abort();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "x-troupe-run-id": runId,
    },
  });
}

type OpenAiModel = z.infer<typeof modelSchema>;

function modelOf(
  endpoint: { slug: string; servingSince: Date | null; createdAt: Date },
  caller: ApiCaller,
): OpenAiModel {
  return {
    id: endpoint.slug,
    object: "model",
    created: Math.floor((endpoint.servingSince ?? endpoint.createdAt).getTime() / 1000),
    owned_by: caller.team.slug,
  };
}

/** `GET /api/v1/models`: the published endpoints of the key's team that its scope covers. */
export async function listModels(call: ApiCall): Promise<Response> {
  const caller = await admit(call, { costCap: false });
  const endpoints = await call.db.endpoint.findMany({
    where: {
      teamId: caller.team.id,
      workflowVersionId: { not: null },
      ...(caller.key.allEndpoints ? {} : { id: { in: caller.key.endpointIds } }),
    },
    select: { id: true, teamId: true, slug: true, servingSince: true, createdAt: true },
    orderBy: { slug: "asc" },
  });
  const list: z.infer<typeof modelListSchema> = {
    object: "list",
    data: endpoints
      .filter((endpoint) => keyMayCall(caller.key, endpoint))
      .map((endpoint) => modelOf(endpoint, caller)),
  };
  return Response.json(list);
}

/** `GET /api/v1/models/{model}`: one endpoint the key may call (404 unknown or unpublished, 403 out of scope). */
export async function retrieveModel(call: ApiCall, slug: string): Promise<Response> {
  const caller = await admit(call, { costCap: false });
  const endpoint = await endpointForModel(call, caller, slug);
  call.accounting.endpointId = endpoint.id;
  const times = await call.db.endpoint.findUniqueOrThrow({
    where: { id: endpoint.id },
    select: { slug: true, servingSince: true, createdAt: true },
  });
  return Response.json(modelOf(times, caller));
}
