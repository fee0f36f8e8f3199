/**
 * What the API reference page shows, read from the OpenAPI document: its operations in order, each
 * parameter and schema field with a short type, and a curl command per operation.
 */

type Json = Record<string, unknown>;

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

export interface ResponseRow {
  status: string;
  description: string;
  mediaTypes: { type: string; schema: string }[];
  headers: string[];
}

export interface OperationView {
  id: string;
  method: string;
  path: string;
  summary: string;
  description?: string;
  authenticated: boolean;
  parameters: (FieldRow & { in: string })[];
  body?: { schema: string; fields: FieldRow[]; example?: unknown };
  responses: ResponseRow[];
  curl: string;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The component name a `$ref` points to. */
function refName(ref: string): string {
  return ref.split("/").at(-1) ?? ref;
}

/** A short, readable type of a JSON Schema: `string`, `RunEvent[]`, `"queued" | "running"`, … */
export function typeLabel(schema: unknown): string {
  if (!isJson(schema)) return "any";
  if (typeof schema.$ref === "string") return refName(schema.$ref);
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map(typeLabel).join(" | ");
  if (schema.type === "array") return `${typeLabel(schema.items)}[]`;
  if (schema.type === "object" || isJson(schema.properties)) {
    if (isJson(schema.properties)) return `{ ${Object.keys(schema.properties).join(", ")} }`;
    if (isJson(schema.additionalProperties)) return `{ [name]: ${typeLabel(schema.additionalProperties)} }`;
    return "object";
  }
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (typeof schema.type === "string") return schema.type;
  return "any";
}

/** The fields of an object schema (following one `$ref`), for a table. */
export function fieldsOf(schema: unknown, components: Record<string, Json>): FieldRow[] {
  let target = schema;
  if (isJson(target) && typeof target.$ref === "string") target = components[refName(target.$ref)];
  if (!isJson(target) || !isJson(target.properties)) return [];
  const required = new Set(Array.isArray(target.required) ? (target.required as string[]) : []);
  return Object.entries(target.properties).map(([name, property]) => ({
    name,
    type: typeLabel(property),
    required: required.has(name),
    description:
      isJson(property) && typeof property.description === "string" ? property.description : undefined,
  }));
}

/** The variants of a union schema (e.g. RunEvent), named by their `type` constant. */
export function variantsOf(schema: unknown): { name: string; fields: FieldRow[] }[] {
  if (!isJson(schema)) return [];
  const union = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (!Array.isArray(union)) return [];
  return union.filter(isJson).map((variant, index) => {
    const properties = isJson(variant.properties) ? variant.properties : {};
    const tag = isJson(properties.type) && "const" in properties.type ? String(properties.type.const) : null;
    return { name: tag ?? `variant ${index + 1}`, fields: fieldsOf(variant, {}) };
  });
}

function curlCommand(
  baseUrl: string,
  method: string,
  path: string,
  authenticated: boolean,
  example: unknown,
): string {
  const url = `${baseUrl}${path.replace(/\{(\w+)\}/g, (_, name: string) => `<${name}>`)}`;
  const lines = [`curl${method === "get" ? "" : ` -X ${method.toUpperCase()}`} "${url}"`];
  if (authenticated) lines.push(`  -H "Authorization: Bearer $TROUPE_API_KEY"`);
  if (example !== undefined) {
    lines.push(`  -H "Content-Type: application/json"`);
    lines.push(`  -d '${JSON.stringify(example).replace(/'/g, "'\\''")}'`);
  }
  return lines.join(" \\\n");
}

/** Every operation of the document, in path order, ready to render. */
export function operationsOf(document: Json, baseUrl: string): OperationView[] {
  const paths = isJson(document.paths) ? document.paths : {};
  const components = (
    isJson(document.components) && isJson(document.components.schemas) ? document.components.schemas : {}
  ) as Record<string, Json>;
  const globallySecured = Array.isArray(document.security) && document.security.length > 0;
  const views: OperationView[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isJson(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isJson(operation)) continue;
      const authenticated = Array.isArray(operation.security)
        ? operation.security.length > 0
        : globallySecured;
      const parameters = (Array.isArray(operation.parameters) ? operation.parameters : [])
        .filter(isJson)
        .map((parameter) => ({
          name: String(parameter.name),
          in: String(parameter.in),
          type: typeLabel(parameter.schema),
          required: parameter.required === true,
          description: typeof parameter.description === "string" ? parameter.description : undefined,
        }));
      const jsonBody =
        isJson(operation.requestBody) && isJson(operation.requestBody.content)
          ? operation.requestBody.content["application/json"]
          : undefined;
      const body = isJson(jsonBody)
        ? {
            schema: typeLabel(jsonBody.schema),
            fields: fieldsOf(jsonBody.schema, components),
            example: jsonBody.example,
          }
        : undefined;
      const responses = Object.entries(isJson(operation.responses) ? operation.responses : {})
        .filter((entry): entry is [string, Json] => isJson(entry[1]))
        .map(([status, response]) => ({
          status,
          description: typeof response.description === "string" ? response.description : "",
          mediaTypes: Object.entries(isJson(response.content) ? response.content : {}).map(
            ([type, media]) => ({
              type,
              schema: isJson(media) ? typeLabel(media.schema) : "any",
            }),
          ),
          headers: Object.keys(isJson(response.headers) ? response.headers : {}),
        }));
      views.push({
        id: typeof operation.operationId === "string" ? operation.operationId : `${method}-${path}`,
        method,
        path,
        summary: typeof operation.summary === "string" ? operation.summary : path,
        description: typeof operation.description === "string" ? operation.description : undefined,
        authenticated,
        parameters,
        body,
        responses,
        curl: curlCommand(baseUrl, method, path, authenticated, body?.example),
      });
    }
  }
  return views;
}
