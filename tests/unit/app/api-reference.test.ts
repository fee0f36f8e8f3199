import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { operationsOf, typeLabel } from "~/app/docs/api/reference";
import { openApiDocument } from "~/server/publish/openapi";

/** The API reference page renders every operation of the OpenAPI document, its errors and a curl command. */
describe("the API reference", () => {
  const document = openApiDocument({ serverUrl: "https://troupe.example" });

  it("lists every operation with parameters, body, answers and a curl command", () => {
    const operations = operationsOf(document, "https://troupe.example");
    expect(operations.map((o) => o.id)).toEqual([
      "createRun",
      "getRun",
      "cancelRun",
      "listRunEvents",
      "getOpenApiDocument",
      "createChatCompletion",
      "listModels",
      "retrieveModel",
      "mcpOpenStream",
      "mcpMessage",
      "mcpEndSession",
    ]);
    const createRun = operations[0]!;
    expect(createRun.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["path:team", "path:slug"]);
    expect(createRun.body?.schema).toBe("CreateRunRequest");
    expect(createRun.body?.fields.find((f) => f.name === "task")).toMatchObject({
      type: "string",
      required: true,
    });
    expect(createRun.responses.map((r) => r.status)).toEqual([
      "200",
      "202",
      "400",
      "401",
      "403",
      "404",
      "413",
      "415",
      "422",
      "429",
      "500",
      "503",
    ]);
    expect(createRun.responses.find((r) => r.status === "429")?.headers).toEqual(["Retry-After"]);
    expect(createRun.responses.find((r) => r.status === "503")?.headers).toEqual(["Retry-After"]);
    expect(createRun.curl).toBe(
      [
        'curl -X POST "https://troupe.example/api/v1/endpoints/<team>/<slug>/runs"',
        '  -H "Authorization: Bearer $TROUPE_API_KEY"',
        '  -H "Content-Type: application/json"',
        `  -d '{"task":"What is the capital of France?"}'`,
      ].join(" \\\n"),
    );
    const openapi = operations.find((o) => o.id === "getOpenApiDocument")!;
    expect(openapi.authenticated).toBe(false);
    expect(openapi.curl).toBe('curl "https://troupe.example/api/v1/openapi.json"');
    expect(operations.find((o) => o.id === "cancelRun")?.curl).toContain("curl -X DELETE");
  });

  it("writes types the way a reader expects", () => {
    expect(typeLabel({ type: "array", items: { $ref: "#/components/schemas/RunEvent" } })).toBe("RunEvent[]");
    expect(typeLabel({ enum: ["a", "b"] })).toBe('"a" | "b"');
    expect(typeLabel({ anyOf: [{ type: "string" }, { type: "null" }] })).toBe("string | null");
    expect(typeLabel({ type: "object", properties: { a: {}, b: {} } })).toBe("{ a, b }");
  });

  it("renders the page from the document", async () => {
    const { default: Page } = await import("~/app/docs/api/page");
    const html = renderToStaticMarkup(createElement(Page));
    for (const text of [
      "API reference",
      "Run an endpoint",
      "Read a run&#x27;s events",
      "Retry-After",
      "RunEventsPage",
      "run_finished",
      "Bearer",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain("/api/v1/endpoints/{team}/{slug}/runs");
  });
});
