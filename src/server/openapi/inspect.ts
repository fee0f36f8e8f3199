import "server-only";
import { compileErrors, dereference, type ParserOptions, validate } from "@readme/openapi-parser";
import { parse as parseYaml } from "yaml";
import { type OutboundPolicy, outboundGuardFor } from "~/agents/net/guarded-fetch";
import { listOperations, type OpenApiSummary } from "~/graph/openapi-tools";

/**
 * Reading an OpenAPI 3.0/3.1 document for the canvas's "Import OpenAPI": from a URL (fetched
 * through the guarded fetch, so private addresses are refused unless OUTBOUND_ALLOW opens them)
 * or from a file's text (JSON or YAML). `@readme/openapi-parser` validates and dereferences it;
 * external `$ref`s are never followed (they would be fetches outside the guard), circular ones
 * are left in place. `listOperations` (src/graph/openapi-tools.ts) then lists its operations.
 */

/** Largest document read, from a URL or a file (characters / bytes). */
export const maxOpenApiDocumentBytes = 2 * 1024 * 1024;
const fetchTimeoutMs = 15_000;

/** A document that cannot be imported; the message is for the person importing it. */
export class OpenApiDocumentError extends Error {
  override readonly name = "OpenApiDocumentError";
}

const parserOptions: ParserOptions = {
  resolve: { external: false, file: false },
  dereference: { circular: "ignore" },
  timeoutMs: 10_000,
};

/** Parse JSON or YAML text into an object, with the line and column of a syntax error. */
export function parseDocumentText(text: string): Record<string, unknown> {
  const trimmed = text.trimStart();
  if (trimmed === "") throw new OpenApiDocumentError("The document is empty");
  let value: unknown;
  if (trimmed.startsWith("{")) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new OpenApiDocumentError(`The document is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    try {
      value = parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
    } catch (error) {
      const message = (error as Error).message.split("\n")[0];
      throw new OpenApiDocumentError(`The document is neither JSON nor valid YAML: ${message}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OpenApiDocumentError("The document is not an OpenAPI document: it is not an object");
  }
  return value as Record<string, unknown>;
}

/** Refuse what is not OpenAPI 3.0 or 3.1, naming what it is instead. */
function checkVersion(document: Record<string, unknown>): void {
  if (typeof document.swagger === "string") {
    throw new OpenApiDocumentError(
      `This is a Swagger ${document.swagger} document; only OpenAPI 3.0 and 3.1 are imported (convert it to OpenAPI 3 first)`,
    );
  }
  if (typeof document.openapi !== "string") {
    throw new OpenApiDocumentError(
      "The document is not an OpenAPI document: it has no 'openapi' version field",
    );
  }
  if (!/^3\.[01]\.\d+/.test(document.openapi)) {
    throw new OpenApiDocumentError(
      `OpenAPI ${document.openapi.slice(0, 20)} is not supported; only 3.0 and 3.1 documents are imported`,
    );
  }
}

/** Validate and dereference a parsed document, then list its operations. */
export async function inspectOpenApiObject(document: Record<string, unknown>): Promise<OpenApiSummary> {
  checkVersion(document);
  let result: Awaited<ReturnType<typeof validate>>;
  try {
    result = await validate(structuredClone(document) as never, parserOptions);
  } catch (error) {
    throw new OpenApiDocumentError(`The document could not be read: ${(error as Error).message}`);
  }
  if (!result.valid) {
    const message = compileErrors(result).slice(0, 3000);
    throw new OpenApiDocumentError(`The document is not valid OpenAPI. ${message}`);
  }
  let dereferenced: unknown;
  try {
    dereferenced = await dereference(structuredClone(document) as never, parserOptions);
  } catch (error) {
    throw new OpenApiDocumentError(`The document's $refs could not be resolved: ${(error as Error).message}`);
  }
  const summary = listOperations(dereferenced);
  if (summary.operations.length === 0) {
    throw new OpenApiDocumentError("The document has no GET, POST, PUT, PATCH or DELETE operations");
  }
  return summary;
}

/** Parse, validate and list a document from its text (an uploaded file). */
export async function inspectOpenApiText(text: string): Promise<OpenApiSummary> {
  if (text.length > maxOpenApiDocumentBytes) {
    throw new OpenApiDocumentError(`The document is larger than ${maxOpenApiDocumentBytes / 1024 / 1024} MB`);
  }
  return inspectOpenApiObject(parseDocumentText(text));
}

/** Fetch a document through the guarded fetch with `policy` (OUTBOUND_ALLOW), then inspect it. */
export async function inspectOpenApiUrl(url: string, policy: OutboundPolicy): Promise<OpenApiSummary> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OpenApiDocumentError("The document URL is not a URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new OpenApiDocumentError("The document URL must be http or https");
  }
  const fetch = outboundGuardFor(policy).fetch({
    maxResponseBytes: maxOpenApiDocumentBytes,
    timeoutMs: fetchTimeoutMs,
  });
  let text: string;
  try {
    const response = await fetch(parsed, {
      headers: { accept: "application/json, application/yaml, text/yaml, */*;q=0.5" },
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new OpenApiDocumentError(
        `Could not fetch the document: ${parsed.host} answered HTTP ${response.status}`,
      );
    }
    text = await response.text();
  } catch (error) {
    if (error instanceof OpenApiDocumentError) throw error;
    throw new OpenApiDocumentError(`Could not fetch the document: ${(error as Error).message}`);
  }
  return inspectOpenApiText(text);
}
