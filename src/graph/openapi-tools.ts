import { z } from "zod";
import type { HttpAuth, HttpInputPlacement, ToolValueType } from "./agent-spec";
import { uniqueName } from "./node-defaults";
import type { ToolNodeData } from "./workflow-document";

/**
 * OpenAPI documents as HTTP tools, the pure half: the operations of a parsed, dereferenced OpenAPI
 * 3.0/3.1 document (`listOperations`), and one operation as an HTTP tool node's data
 * (`operationToolData`). The server parses and validates documents with `@readme/openapi-parser`
 * (src/server/openapi/); this module only reads the plain object it produces, so the canvas and
 * the tests share it. Browser-safe: no Node APIs.
 */

/** HTTP methods an HTTP tool can send (HEAD, OPTIONS and TRACE operations are left out). */
export const openApiMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type OpenApiMethod = (typeof openApiMethods)[number];

const jsonSchema = z.record(z.string(), z.unknown());

export const openApiParameterSchema = z.object({
  name: z.string(),
  in: z.enum(["path", "query", "header", "cookie"]),
  required: z.boolean(),
  description: z.string(),
  schema: jsonSchema,
});
export type OpenApiParameter = z.infer<typeof openApiParameterSchema>;

/** A security scheme of the document, as far as tools can use it. */
export const openApiSecuritySchemeSchema = z.object({
  type: z.string(),
  /** apiKey: where the key goes and its name; http: "bearer" or "basic". */
  in: z.string().optional(),
  name: z.string().optional(),
  scheme: z.string().optional(),
  description: z.string(),
});
export type OpenApiSecurityScheme = z.infer<typeof openApiSecuritySchemeSchema>;

export const openApiOperationSchema = z.object({
  /** `METHOD path`: unique in a document. */
  key: z.string(),
  method: z.enum(openApiMethods),
  path: z.string(),
  operationId: z.string().optional(),
  summary: z.string(),
  description: z.string(),
  parameters: z.array(openApiParameterSchema),
  /** The JSON request body, when the operation takes one. */
  requestBody: z.object({ required: z.boolean(), description: z.string(), schema: jsonSchema }).optional(),
  /** A request body in another media type (form, binary), which HTTP tools cannot send. */
  unsupportedBody: z.string().optional(),
  /** The schema of the JSON answer of the first 2xx response, if any. */
  responseSchema: jsonSchema.optional(),
  /** Whether the first 2xx response is JSON. */
  jsonResponse: z.boolean(),
  /** Security requirement alternatives (each: scheme names required together); empty: none. */
  security: z.array(z.array(z.string())),
  deprecated: z.boolean(),
});
export type OpenApiOperation = z.infer<typeof openApiOperationSchema>;

/** What `openapi.inspect` answers: the document's title, servers, security schemes and operations. */
export const openApiSummarySchema = z.object({
  title: z.string(),
  version: z.string(),
  openapi: z.string(),
  servers: z.array(z.object({ url: z.string(), description: z.string() })),
  securitySchemes: z.record(z.string(), openApiSecuritySchemeSchema),
  operations: z.array(openApiOperationSchema),
});
export type OpenApiSummary = z.infer<typeof openApiSummarySchema>;

/** At most this many operations are listed from one document. */
export const maxOpenApiOperations = 500;

type Json = Record<string, unknown>;

/** An auth scheme without its secret (what a document says; the user names the secret). */
export type HttpAuthScheme = HttpAuth extends infer A
  ? A extends HttpAuth
    ? Omit<A, "secret">
    : never
  : never;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * A copy of a JSON Schema small enough to send and store: at most `depth` levels, shared or
 * circular parts cut (a dereferenced document shares objects), descriptions trimmed.
 */
export function compactSchema(schema: unknown, depth = 6, seen: Set<unknown> = new Set()): Json {
  if (!isObject(schema) || depth <= 0 || seen.has(schema)) return {};
  seen.add(schema);
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "example" || key === "examples" || key === "xml" || key.startsWith("x-")) continue;
    if (key === "description" && typeof value === "string") copy[key] = value.slice(0, 500);
    else if (isObject(value)) copy[key] = compactSchema(value, depth - 1, seen);
    else if (Array.isArray(value))
      copy[key] = value
        .slice(0, 100)
        .map((item) => (isObject(item) ? compactSchema(item, depth - 1, seen) : item));
    else copy[key] = value;
  }
  seen.delete(schema);
  return copy;
}

function jsonMedia(content: unknown): { type: string; schema: Json } | undefined {
  if (!isObject(content)) return undefined;
  const type = Object.keys(content).find((media) => /^application\/(.+\+)?json\b/i.test(media));
  if (!type) return undefined;
  const media = content[type];
  return { type, schema: compactSchema(isObject(media) ? media.schema : undefined) };
}

function parametersOf(list: unknown): OpenApiParameter[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw): OpenApiParameter[] => {
    if (!isObject(raw) || typeof raw.name !== "string") return [];
    const where = raw.in;
    if (where !== "path" && where !== "query" && where !== "header" && where !== "cookie") return [];
    const content = jsonMedia(raw.content);
    return [
      {
        name: raw.name,
        in: where,
        required: where === "path" || raw.required === true,
        description: str(raw.description),
        schema: content?.schema ?? compactSchema(raw.schema),
      },
    ];
  });
}

function requirementsOf(security: unknown): string[][] | undefined {
  if (!Array.isArray(security)) return undefined;
  return security.filter(isObject).map((requirement) => Object.keys(requirement));
}

/**
 * The operations of a dereferenced OpenAPI 3.x document, in document order (at most
 * `maxOpenApiOperations`), with its title, servers and security schemes.
 */
export function listOperations(document: unknown): OpenApiSummary {
  const doc = isObject(document) ? document : {};
  const info = isObject(doc.info) ? doc.info : {};
  const servers = (Array.isArray(doc.servers) ? doc.servers : []).filter(isObject).map((server) => ({
    url: serverUrl(server),
    description: str(server.description),
  }));
  const components = isObject(doc.components) ? doc.components : {};
  const schemes: Record<string, OpenApiSecurityScheme> = Object.create(null);
  for (const [name, raw] of Object.entries(
    isObject(components.securitySchemes) ? components.securitySchemes : {},
  )) {
    if (!isObject(raw)) continue;
    schemes[name] = {
      type: str(raw.type),
      ...(typeof raw.in === "string" ? { in: raw.in } : {}),
      ...(typeof raw.name === "string" ? { name: raw.name } : {}),
      ...(typeof raw.scheme === "string" ? { scheme: raw.scheme.toLowerCase() } : {}),
      description: str(raw.description),
    };
  }
  const globalSecurity = requirementsOf(doc.security) ?? [];
  const operations: OpenApiOperation[] = [];
  for (const [path, rawItem] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(rawItem)) continue;
    const shared = parametersOf(rawItem.parameters);
    for (const method of openApiMethods) {
      const op = rawItem[method.toLowerCase()];
      if (!isObject(op) || operations.length >= maxOpenApiOperations) continue;
      const own = parametersOf(op.parameters);
      const parameters = [
        ...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)),
        ...own,
      ];
      const body = isObject(op.requestBody) ? op.requestBody : undefined;
      const bodyMedia = body ? jsonMedia(body.content) : undefined;
      const otherMedia =
        body && !bodyMedia && isObject(body.content) ? Object.keys(body.content)[0] : undefined;
      const responses = isObject(op.responses) ? op.responses : {};
      const success = Object.keys(responses)
        .filter((code) => /^2(\d\d|XX)$/i.test(code))
        .sort()[0];
      const response = success && isObject(responses[success]) ? responses[success] : undefined;
      const responseMedia = response ? jsonMedia(response.content) : undefined;
      operations.push({
        key: `${method} ${path}`,
        method,
        path,
        ...(typeof op.operationId === "string" && op.operationId ? { operationId: op.operationId } : {}),
        summary: str(op.summary),
        description: str(op.description),
        parameters,
        ...(body && bodyMedia
          ? {
              requestBody: {
                required: body.required === true,
                description: str(body.description),
                schema: bodyMedia.schema,
              },
            }
          : {}),
        ...(otherMedia ? { unsupportedBody: otherMedia } : {}),
        ...(responseMedia && Object.keys(responseMedia.schema).length > 0
          ? { responseSchema: responseMedia.schema }
          : {}),
        jsonResponse: responseMedia !== undefined,
        security: requirementsOf(op.security) ?? globalSecurity,
        deprecated: op.deprecated === true,
      });
    }
  }
  return {
    title: str(info.title),
    version: str(info.version),
    openapi: str(doc.openapi),
    servers,
    securitySchemes: schemes,
    operations,
  };
}

/** A server object's URL with its variables set to their defaults. */
function serverUrl(server: Json): string {
  const variables = isObject(server.variables) ? server.variables : {};
  return str(server.url).replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === "string" ? variable.default : whole;
  });
}

/**
 * The base URL of a document's server: relative server URLs ("/api/v3") resolve against the URL
 * the document was fetched from; a document without servers is served from "/" there.
 * Undefined when neither gives an absolute http(s) URL.
 */
export function resolveServerUrl(server: string | undefined, documentUrl?: string): string | undefined {
  const candidate = server ?? "/";
  try {
    const url = documentUrl ? new URL(candidate, documentUrl) : new URL(candidate);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.href.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

/** `text` as a Python identifier of at most 64 characters: other characters become `_`. */
export function toIdentifier(text: string, fallback = "value"): string {
  let name = text
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (name === "") name = fallback;
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (pythonKeywords.has(name)) name = `${name}_`;
  return name.slice(0, 64);
}

const pythonKeywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/** An UPPER_SNAKE_CASE secret name from words (`Petstore`, `api_key` → `PETSTORE_API_KEY`). */
export function secretNameFor(...words: string[]): string {
  const snake = words
    .map((word) =>
      word
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/[^A-Za-z0-9]+/g, "_")
        .toUpperCase(),
    )
    .join("_")
    .replace(/_+/g, "_")
    .replace(/^[_0-9]+|_+$/g, "");
  return (snake || "API_KEY").slice(0, 128);
}

/** A tool input's value type and nullability from a JSON Schema (OpenAPI 3.0 `nullable`, 3.1 type lists). */
export function schemaValueType(schema: Json): { type: ToolValueType; nullable: boolean } {
  const raw = schema.type;
  const types = Array.isArray(raw) ? raw.filter((t): t is string => typeof t === "string") : [str(raw)];
  const nullable = types.includes("null") || schema.nullable === true;
  const main = types.filter((t) => t && t !== "null");
  if (main.length === 1) {
    const type = main[0]!;
    if (["string", "integer", "number", "boolean", "object", "array"].includes(type))
      return { type: type as ToolValueType, nullable };
  }
  if (main.length === 0 && types.includes("null")) return { type: "null", nullable: true };
  if (main.length === 0) {
    const options = [schema.oneOf, schema.anyOf].find(Array.isArray) as unknown[] | undefined;
    if (options) {
      const mapped = options.filter(isObject).map(schemaValueType);
      const real = mapped.filter((option) => option.type !== "null");
      const first = real[0];
      const same = first && real.every((option) => option.type === first.type);
      return {
        type: same ? first.type : "any",
        nullable: nullable || mapped.length > real.length || real.some((o) => o.nullable),
      };
    }
    if (isObject(schema.properties)) return { type: "object", nullable };
    if (isObject(schema.items)) return { type: "array", nullable };
    if (Array.isArray(schema.allOf)) return { type: "object", nullable };
  }
  return { type: "any", nullable };
}

/** The JSON Schema beyond type, description and enum, for the model; omitted when empty or large. */
function extraSchema(schema: Json): Record<string, unknown> | undefined {
  const { type: _type, description: _description, enum: _enum, nullable: _nullable, ...rest } = schema;
  if (Object.keys(rest).length === 0) return undefined;
  return JSON.stringify(rest).length <= 8_000 ? rest : undefined;
}

function enumOf(schema: Json): (string | number)[] | undefined {
  if (!Array.isArray(schema.enum)) return undefined;
  const values = schema.enum.filter(
    (v): v is string | number => typeof v === "string" || typeof v === "number",
  );
  return values.length > 0 && values.length === schema.enum.length ? values : undefined;
}

type HttpToolData = Extract<ToolNodeData, { kind: "http" }>;
type ToolInputData = HttpToolData["inputs"][string];

function toolInput(schema: Json, description: string, required: boolean): ToolInputData {
  const { type, nullable } = schemaValueType(schema);
  const values = enumOf(schema);
  const extra = extraSchema(schema);
  const text = (description || str(schema.description)).trim();
  return {
    type,
    description: text.slice(0, 1000),
    ...(nullable || !required ? { nullable: true } : {}),
    ...(values ? { enum: values } : {}),
    ...(extra ? { schema: extra } : {}),
  };
}

/** The auth scheme of an operation: its first security alternative whose first scheme a tool can send. */
export function operationAuthScheme(
  operation: OpenApiOperation,
  schemes: Record<string, OpenApiSecurityScheme>,
): { schemeName: string; auth: HttpAuthScheme } | undefined {
  for (const requirement of operation.security) {
    for (const schemeName of requirement) {
      const scheme = schemes[schemeName];
      const auth = scheme && toolAuth(scheme);
      if (auth) return { schemeName, auth };
    }
  }
  return undefined;
}

/** How a tool sends a scheme's credential: bearer, basic, or an API key in a header or query. */
export function toolAuth(scheme: OpenApiSecurityScheme): HttpAuthScheme | undefined {
  if (scheme.type === "apiKey" && (scheme.in === "header" || scheme.in === "query") && scheme.name) {
    return { type: "apiKey", in: scheme.in, name: scheme.name };
  }
  if (scheme.type === "http" && scheme.scheme === "basic") return { type: "basic" };
  // An OAuth 2 or OpenID Connect access token is sent as a bearer token.
  if (scheme.type === "http" && scheme.scheme === "bearer") return { type: "bearer" };
  if (scheme.type === "oauth2" || scheme.type === "openIdConnect") return { type: "bearer" };
  return undefined;
}

/** A suggested tool name for an operation: its operationId, else method and path. */
export function operationToolName(operation: OpenApiOperation): string {
  return toIdentifier(
    operation.operationId ?? `${operation.method.toLowerCase()}_${operation.path}`,
    operation.method.toLowerCase(),
  );
}

export interface OperationToolOptions {
  /** The server's absolute base URL (see `resolveServerUrl`). */
  serverUrl: string;
  /** Names already used by tools and agents of the workflow (and of earlier operations). */
  takenNames?: Iterable<string>;
  securitySchemes?: Record<string, OpenApiSecurityScheme>;
  /** Security scheme name → the secret that holds its credential. */
  secrets?: Record<string, string>;
}

/**
 * One operation as an HTTP tool node's data: a unique identifier name from the operationId, the
 * summary and description, one input per path, query and header parameter and per top-level
 * field of an object JSON body (or one `body` input for any other JSON body), the URL template
 * from the server URL and path, and the auth scheme with the secret named for it.
 */
export function operationToolData(operation: OpenApiOperation, options: OperationToolOptions): HttpToolData {
  const name = uniqueName(operationToolName(operation), options.takenNames ?? []);
  const inputs: Record<string, ToolInputData> = {};
  const params: Record<string, HttpInputPlacement> = {};
  const add = (wireName: string, where: HttpInputPlacement["in"], input: ToolInputData): string => {
    const inputName = uniqueName(toIdentifier(wireName), Object.keys(inputs));
    inputs[inputName] = input;
    params[inputName] = inputName === wireName ? { in: where } : { in: where, name: wireName };
    return inputName;
  };
  let path = operation.path;
  for (const parameter of operation.parameters) {
    if (parameter.in === "cookie") continue;
    const inputName = add(
      parameter.name,
      parameter.in,
      toolInput(parameter.schema, parameter.description, parameter.required),
    );
    if (parameter.in === "path") path = path.split(`{${parameter.name}}`).join(`{${inputName}}`);
  }
  const body = operation.requestBody;
  if (body && operation.method !== "GET") {
    const properties = isObject(body.schema.properties) ? body.schema.properties : undefined;
    const required = new Set(Array.isArray(body.schema.required) ? body.schema.required : []);
    const objectBody = schemaValueType(body.schema).type === "object" && properties;
    if (objectBody && Object.keys(properties).length > 0 && Object.keys(properties).length <= 50) {
      for (const [field, schema] of Object.entries(properties)) {
        const fieldSchema = isObject(schema) ? schema : {};
        add(
          field,
          "bodyField",
          toolInput(fieldSchema, str(fieldSchema.description), body.required && required.has(field)),
        );
      }
    } else {
      add("body", "body", toolInput(body.schema, body.description || "The JSON request body", body.required));
    }
  }
  const scheme = options.securitySchemes && operationAuthScheme(operation, options.securitySchemes);
  const secret = scheme ? (options.secrets?.[scheme.schemeName] ?? "") : "";
  const description = [operation.summary, operation.description]
    .map((text) => text.trim())
    .filter((text, index, all) => text !== "" && all.indexOf(text) === index)
    .join("\n\n");
  const response = operation.responseSchema ? schemaValueType(operation.responseSchema).type : "any";
  return {
    kind: "http",
    name,
    description: (description || `${operation.method} ${operation.path}`).slice(0, 4000),
    method: operation.method,
    url: `${options.serverUrl.replace(/\/+$/, "")}${path}`,
    inputs,
    params,
    ...(scheme ? { auth: { ...scheme.auth, secret } as HttpToolData["auth"] } : {}),
    outputType: !operation.jsonResponse
      ? "string"
      : response === "object" || response === "array"
        ? response
        : "any",
  };
}
