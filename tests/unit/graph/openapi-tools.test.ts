import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compile,
  createEmptyWorkflow,
  edgeOfKind,
  httpToolSpecSchema,
  type OpenApiOperation,
  operationToolData,
  resolveServerUrl,
  schemaValueType,
  secretNameFor,
  toIdentifier,
  validate,
  type WorkflowDocument,
} from "~/graph";
import { inspectOpenApiText } from "~/server/openapi/inspect";

/** The OpenAPI → HTTP tool mapping (src/graph/openapi-tools.ts), on the petstore fixtures. */

const fixture = (name: string) => readFileSync(`tests/fixtures/openapi/${name}`, "utf8");
const v30 = await inspectOpenApiText(fixture("petstore-3.0.yaml"));
const v31 = await inspectOpenApiText(fixture("petstore-3.1.json"));
const op = (summary: typeof v30, key: string): OpenApiOperation => {
  const found = summary.operations.find((operation) => operation.key === key);
  if (!found) throw new Error(`no operation ${key}`);
  return found;
};
const server = "https://petstore.example.com/v1";

describe("listing operations", () => {
  it("lists every operation with its parameters, body, response and security, $refs resolved", () => {
    expect(v30.title).toBe("Petstore");
    expect(v30.openapi).toBe("3.0.3");
    expect(v30.operations.map((o) => [o.key, o.operationId])).toEqual([
      ["GET /pets", "listPets"],
      ["POST /pets", "createPet"],
      ["GET /pets/{petId}", "getPetById"],
      ["DELETE /pets/{petId}", "deletePet"],
    ]);
    const get = op(v30, "GET /pets/{petId}");
    // Path-level parameters are merged into each operation's own.
    expect(get.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["petId", "path", true],
      ["X-Request-ID", "header", false],
    ]);
    expect(get.security).toEqual([["api_key"]]);
    const create = op(v30, "POST /pets");
    expect(create.requestBody?.required).toBe(true);
    expect(create.requestBody?.schema.properties).toHaveProperty("name");
    expect(create.responseSchema).toHaveProperty("allOf");
    expect(op(v30, "DELETE /pets/{petId}").jsonResponse).toBe(false);
    expect(v30.securitySchemes.api_key).toEqual({
      type: "apiKey",
      in: "header",
      name: "X-API-Key",
      description: "",
    });
  });

  it("reads the 3.1 variant the same way (type lists for null, operation-level security)", () => {
    expect(v31.operations.map((o) => o.key)).toEqual(v30.operations.map((o) => o.key));
    expect(op(v31, "GET /pets").security).toEqual([["query_key"]]);
    expect(op(v31, "POST /pets").security).toEqual([["bearerAuth"]]);
    const tag = op(v31, "POST /pets").requestBody?.schema.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(schemaValueType(tag.tag!)).toEqual({ type: "string", nullable: true });
  });
});

describe("an operation as an HTTP tool", () => {
  it("maps path, query and header parameters to inputs placed where the operation takes them", () => {
    const tool = operationToolData(op(v30, "GET /pets/{petId}"), {
      serverUrl: server,
      securitySchemes: v30.securitySchemes,
      secrets: { api_key: "PETSTORE_API_KEY" },
    });
    expect(tool).toMatchObject({
      kind: "http",
      name: "getPetById",
      description: "Find a pet by id",
      method: "GET",
      url: "https://petstore.example.com/v1/pets/{petId}",
      outputType: "object",
      auth: { type: "apiKey", in: "header", name: "X-API-Key", secret: "PETSTORE_API_KEY" },
    });
    expect(tool.inputs).toEqual({
      petId: { type: "integer", description: "The pet's id" },
      X_Request_ID: { type: "string", description: "Echoed back, for tracing", nullable: true },
    });
    expect(tool.params).toEqual({
      petId: { in: "path" },
      X_Request_ID: { in: "header", name: "X-Request-ID" },
    });
  });

  it("spreads an object JSON body into one input per field, optional unless the schema requires it", () => {
    const tool = operationToolData(op(v30, "POST /pets"), { serverUrl: `${server}/` });
    expect(tool.url).toBe("https://petstore.example.com/v1/pets");
    expect(tool.inputs).toEqual({
      name: { type: "string", description: "The pet's name" },
      tag: { type: "string", description: 'A tag such as "dog"', nullable: true },
      status: {
        type: "string",
        description: "Sale status",
        nullable: true,
        enum: ["available", "pending", "sold"],
      },
    });
    expect(tool.params).toEqual({
      name: { in: "bodyField" },
      tag: { in: "bodyField" },
      status: { in: "bodyField" },
    });
    // No secret named for the scheme yet: the node asks for one.
    expect(tool.auth).toBeUndefined();
    expect(tool.description).toBe("Add a pet to the store");
  });

  it("takes a body that is not an object of fields as one `body` input, with its schema for the model", () => {
    const operation: OpenApiOperation = {
      ...op(v30, "POST /pets"),
      operationId: "createPets",
      requestBody: {
        required: true,
        description: "Pets to add",
        schema: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
      },
    };
    const tool = operationToolData(operation, { serverUrl: server });
    expect(tool.inputs).toEqual({
      body: {
        type: "array",
        description: "Pets to add",
        schema: { items: { type: "object", properties: { name: { type: "string" } } } },
      },
    });
    expect(tool.params).toEqual({ body: { in: "body" } });
  });

  it("maps bearer, basic, query API keys and OAuth 2 to the tool's auth scheme", () => {
    const schemes = {
      ...v31.securitySchemes,
      basicAuth: { type: "http", scheme: "basic", description: "" },
      oauth: { type: "oauth2", description: "" },
      cookie: { type: "apiKey", in: "cookie", name: "sid", description: "" },
    };
    const auth = (security: string[][]) =>
      operationToolData(
        { ...op(v31, "GET /pets"), security },
        {
          serverUrl: server,
          securitySchemes: schemes,
          secrets: { bearerAuth: "B", query_key: "Q", basicAuth: "U", oauth: "O" },
        },
      ).auth;
    expect(auth([["query_key"]])).toEqual({ type: "apiKey", in: "query", name: "api_key", secret: "Q" });
    expect(auth([["bearerAuth"]])).toEqual({ type: "bearer", secret: "B" });
    expect(auth([["basicAuth"]])).toEqual({ type: "basic", secret: "U" });
    expect(auth([["oauth"]])).toEqual({ type: "bearer", secret: "O" });
    // A cookie key cannot be sent: the next alternative is used, or none.
    expect(auth([["cookie"], ["bearerAuth"]])).toEqual({ type: "bearer", secret: "B" });
    expect(auth([["cookie"]])).toBeUndefined();
    expect(auth([])).toBeUndefined();
  });

  it("names tools after the operationId as unique identifiers, else after method and path", () => {
    const first = operationToolData(op(v30, "GET /pets"), { serverUrl: server, takenNames: ["listPets"] });
    expect(first.name).toBe("listPets_2");
    const anonymous = { ...op(v30, "GET /pets/{petId}"), operationId: undefined };
    expect(operationToolData(anonymous, { serverUrl: server }).name).toBe("get_pets_petId");
    expect(toIdentifier("2fa-check")).toBe("_2fa_check");
    expect(toIdentifier("class")).toBe("class_");
    expect(toIdentifier("a".repeat(80))).toHaveLength(64);
    expect(toIdentifier("---")).toBe("value");
  });

  it("renames inputs whose wire names clash or are not identifiers, keeping the wire name", () => {
    const operation: OpenApiOperation = {
      ...op(v30, "POST /pets"),
      parameters: [
        { name: "pet-id", in: "path", required: true, description: "", schema: { type: "integer" } },
        { name: "name", in: "query", required: false, description: "", schema: { type: "string" } },
      ],
      path: "/pets/{pet-id}",
    };
    const tool = operationToolData(operation, { serverUrl: server });
    expect(tool.url).toBe("https://petstore.example.com/v1/pets/{pet_id}");
    expect(tool.params).toMatchObject({
      pet_id: { in: "path", name: "pet-id" },
      name: { in: "query" },
      name_2: { in: "bodyField", name: "name" },
    });
  });

  it("maps JSON Schema types to tool value types", () => {
    expect(schemaValueType({ type: "integer" })).toEqual({ type: "integer", nullable: false });
    expect(schemaValueType({ type: ["number", "null"] })).toEqual({ type: "number", nullable: true });
    expect(schemaValueType({ type: "string", nullable: true })).toEqual({ type: "string", nullable: true });
    expect(schemaValueType({ oneOf: [{ type: "string" }, { type: "null" }] })).toEqual({
      type: "string",
      nullable: true,
    });
    expect(schemaValueType({ anyOf: [{ type: "string" }, { type: "integer" }] })).toEqual({
      type: "any",
      nullable: false,
    });
    expect(schemaValueType({ properties: { a: {} } })).toEqual({ type: "object", nullable: false });
    expect(schemaValueType({})).toEqual({ type: "any", nullable: false });
  });

  it("resolves relative server URLs against the document's URL and suggests secret names", () => {
    expect(resolveServerUrl("/v1", "http://127.0.0.1:3402/openapi.yaml")).toBe("http://127.0.0.1:3402/v1");
    expect(resolveServerUrl(undefined, "https://api.example.com/docs/openapi.json")).toBe(
      "https://api.example.com",
    );
    expect(resolveServerUrl("/v1")).toBeUndefined();
    expect(resolveServerUrl("ftp://example.com")).toBeUndefined();
    expect(secretNameFor("Petstore", "api_key")).toBe("PETSTORE_API_KEY");
    expect(secretNameFor("My API v2", "bearerAuth")).toBe("MY_API_V2_BEARER_AUTH");
  });
});

describe("imported tools in a workflow", () => {
  it("validate and compile into HTTP tool specs the engine accepts", () => {
    const tools = ["GET /pets", "POST /pets", "GET /pets/{petId}"].map((key) =>
      operationToolData(op(v31, key), {
        serverUrl: server,
        securitySchemes: v31.securitySchemes,
        secrets: { bearerAuth: "PETSTORE_TOKEN", query_key: "PETSTORE_KEY" },
      }),
    );
    const doc: WorkflowDocument = {
      ...createEmptyWorkflow(),
      nodes: [
        {
          id: "agent",
          type: "agent",
          position: { x: 0, y: 0 },
          data: {
            agentType: "toolCalling",
            name: "clerk",
            description: "",
            instructions: "",
            maxSteps: 5,
            addBaseTools: false,
            additionalAuthorizedImports: [],
          },
        },
        {
          id: "model",
          type: "model",
          position: { x: 0, y: 200 },
          data: { provider: "replay", model: "replay", transcript: ["done"] },
        },
        ...tools.map((data, i) => ({
          id: `tool${i}`,
          type: "tool" as const,
          position: { x: 300, y: i * 150 },
          data,
        })),
      ],
      edges: [
        edgeOfKind("uses-model", "agent", "model"),
        ...tools.map((_, i) => edgeOfKind("uses-tool", "agent", `tool${i}`)),
      ],
    };
    const known = { knownSecrets: ["PETSTORE_TOKEN", "PETSTORE_KEY"] };
    const result = compile(doc, undefined, known);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    for (const tool of result.spec.tools) expect(httpToolSpecSchema.safeParse(tool).success).toBe(true);
    expect(result.spec.tools.map((tool) => tool.name)).toEqual(["listPets", "createPet", "getPetById"]);

    // A missing secret, a secret bound to another host and a templated host are each named.
    expect(validate(doc, { knownSecrets: [] }).map((i) => i.message)).toContain(
      "The secret PETSTORE_TOKEN is not set on this server: add it under Settings → Credentials",
    );
    const elsewhere = validate(doc, {
      knownSecrets: [],
      teamSecrets: [
        { name: "PETSTORE_TOKEN", allowedHost: "api.other.example" },
        { name: "PETSTORE_KEY", allowedHost: "petstore.example.com" },
      ],
    });
    expect(
      elsewhere.filter((i) => i.code === "secret-not-allowed").map((i) => [i.nodeId, i.message]),
    ).toEqual([
      [
        "tool1",
        "The secret PETSTORE_TOKEN may only be sent to api.other.example, not to petstore.example.com",
      ],
      [
        "tool2",
        "The secret PETSTORE_TOKEN may only be sent to api.other.example, not to petstore.example.com",
      ],
    ]);
    const templated = structuredClone(doc);
    const node = templated.nodes[3]!;
    if (node.type === "tool" && node.data.kind === "http") node.data.url = "https://{host}/v1/pets";
    expect(validate(templated, known).map((i) => i.message)).toContain(
      "A tool that sends a secret needs a fixed host: placeholders may only fill the URL's path and query",
    );
  });
});
