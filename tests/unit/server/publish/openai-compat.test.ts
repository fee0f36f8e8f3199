import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { ApiError } from "~/server/publish/api-error";
import {
  answerPieces,
  answerText,
  chatCompletionRequestSchema,
  chatToRun,
  IGNORED_OPENAI_PARAMS,
} from "~/server/publish/openai-compat";
import { openAiPaths, openAiTags } from "~/server/publish/openapi-openai";

/** The pure parts of the OpenAI-compatible surface: a chat to a run, the answer to deltas, the OpenAPI operations. */

function parseChat(messages: unknown[]) {
  return chatToRun(chatCompletionRequestSchema.parse({ model: "m", messages }).messages);
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("chatToRun", () => {
  it("keeps the last user message as the task, earlier turns as the conversation, audio as data URIs", () => {
    const run = parseChat([
      { role: "developer", content: [{ type: "text", text: "Be brief." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Look:" },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
        ],
      },
      { role: "assistant", content: null },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Nice." },
          { type: "refusal", refusal: "no" },
        ],
      },
      { role: "system", content: "Answer in French." },
      {
        role: "user",
        content: [
          { type: "text", text: "Transcribe" },
          { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        ],
      },
    ]);
    expect(run.input).toEqual({
      task: "Be brief.\n\nAnswer in French.\n\nTranscribe",
      audio: ["data:audio/wav;base64,UklGRg=="],
    });
    expect(run.conversation).toEqual([
      { role: "user", content: "Look:", images: ["https://x.test/a.png"] },
      { role: "assistant", content: "Nice." },
    ]);
  });

  it("names the part of an earlier message whose image is refused", () => {
    const error = refusal(() =>
      parseChat([
        { role: "user", content: [{ type: "image_url", image_url: { url: "javascript:alert(1)" } }] },
        { role: "assistant", content: "Hm." },
        { role: "user", content: "And?" },
      ]),
    );
    expect(error.options.param).toBe("messages.0.content.0.image_url.url");
  });

  it("says a task that is too long counts the prepended system messages", () => {
    const error = refusal(() =>
      parseChat([
        { role: "system", content: "x".repeat(15_000) },
        { role: "user", content: "y".repeat(10_000) },
      ]),
    );
    expect(error.options.param).toBe("messages.1.content");
    expect(error.message).toMatch(/system messages are prepended/);
  });

  it("refuses tool messages, naming their role", () => {
    const parsed = chatCompletionRequestSchema.safeParse({
      model: "m",
      messages: [
        { role: "tool", content: "42", tool_call_id: "call_1" },
        { role: "user", content: "Hi" },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(["messages", 0, "role"]);
    expect(parsed.error!.issues[0]!.message).toMatch(/own tools/);
  });

  it("accepts OpenAI's sampling parameters and refuses misspelled ones", () => {
    const ignored = Object.fromEntries(IGNORED_OPENAI_PARAMS.map((name) => [name, null]));
    const base = { model: "m", messages: [{ role: "user", content: "Hi" }] };
    expect(chatCompletionRequestSchema.safeParse({ ...base, ...ignored }).success).toBe(true);
    const misspelled = chatCompletionRequestSchema.safeParse({ ...base, max_token: 10 });
    expect(misspelled.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["max_token"] });
  });
});

describe("the answer as content", () => {
  it("is text as it is and anything else as JSON", () => {
    expect(answerText("hi")).toBe("hi");
    expect(answerText({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(answerText(3)).toBe("3");
    expect(answerText(null)).toBe("");
  });

  it("streams in word-aligned pieces that join back to the answer exactly", () => {
    const text = "  One two three\nfour   five six seven eight nine ten eleven twelve thirteen. ";
    const pieces = answerPieces(text, 16);
    expect(pieces.join("")).toBe(text);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.every((piece) => piece.length <= 24)).toBe(true);
    expect(answerPieces("")).toEqual([]);
    expect(answerPieces("x".repeat(100), 10)).toEqual(["x".repeat(100)]);
  });
});

describe("openAiPaths", () => {
  it("make a valid OpenAPI 3.1 document", async () => {
    const document = {
      openapi: "3.1.0",
      info: { title: "Troupe API", version: "1.0.0" },
      security: [{ bearerAuth: [] }],
      tags: openAiTags,
      paths: openAiPaths,
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
    };
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it("document the request body from the schema that validates it", () => {
    const operation = openAiPaths["/api/v1/chat/completions"]!.post as {
      requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
    };
    const body = operation.requestBody.content["application/json"]!.schema as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(body.required).toEqual(["model", "messages"]);
    expect(body.additionalProperties).toBe(false);
    for (const name of IGNORED_OPENAI_PARAMS) expect(Object.keys(body.properties)).toContain(name);
  });
});
