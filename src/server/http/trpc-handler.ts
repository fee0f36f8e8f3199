import "server-only";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Session } from "next-auth";
import { trpcBounds } from "~/lib/trpc-bounds";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { errorReference } from "~/server/error-reference";
import { type Logger, logger as processLogger } from "~/server/logger";
import { appOrigins, originRefusal } from "./origin";

/** Where the tRPC endpoint is mounted (src/app/api/trpc/[trpc]/route.ts). */
export const TRPC_ENDPOINT = "/api/trpc";

export interface TrpcHandlerOptions {
  /** The caller's validated session (the route passes Auth.js's `auth`). */
  getSession: () => Promise<Session | null>;
  logger?: Logger;
  /** Origins allowed to send mutations; the app's own by default (see `appOrigins`). */
  origins?: readonly string[];
  bounds?: { maxBatchSize: number; maxBodyBytes: number };
}

/** A refusal in tRPC's error envelope (superjson's `json` wrapper), so the client shows the message. */
function refuse(status: number, code: string, message: string): Response {
  return Response.json(
    { error: { json: { message, code: -32600, data: { code, httpStatus: status } } } },
    { status },
  );
}

/** The body, or null when it is over `max` bytes (read no further than that). */
async function readCapped(request: Request, max: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The tRPC endpoint behind its web boundary. Before any procedure runs: a batch of more than
 * `maxBatchSize` procedures is refused (400); a mutation (POST) must come from one of the app's
 * origins (403, against CSRF), be JSON (415) and at most `maxBodyBytes` (413). Internal errors are
 * logged with a reference and answered with a generic message carrying it (see `errorReference`).
 */
export function createTrpcHandler(options: TrpcHandlerOptions): (request: Request) => Promise<Response> {
  const log = options.logger ?? processLogger;
  const bounds = options.bounds ?? trpcBounds;
  const origins = options.origins ?? appOrigins();
  return async (incoming) => {
    const paths = new URL(incoming.url).pathname.slice(TRPC_ENDPOINT.length + 1).split(",");
    if (paths.length > bounds.maxBatchSize) {
      return refuse(
        400,
        "BAD_REQUEST",
        `Refused: ${paths.length} procedures in one request; at most ${bounds.maxBatchSize}.`,
      );
    }
    let request = incoming;
    if (incoming.method !== "GET" && incoming.method !== "HEAD") {
      const refusal = originRefusal(incoming.headers.get("origin"), origins);
      if (refusal) {
        log.warn({ origin: incoming.headers.get("origin"), paths }, "cross-origin tRPC request refused");
        return refuse(403, "FORBIDDEN", refusal);
      }
      const contentType = incoming.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
      if (contentType !== "application/json") {
        return refuse(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          `Refused: changes are sent as application/json, not ${contentType ?? "a body without a content type"}.`,
        );
      }
      const tooLarge = () =>
        refuse(
          413,
          "PAYLOAD_TOO_LARGE",
          `Refused: the request is over ${Math.round(bounds.maxBodyBytes / 1024 / 1024)} MB.`,
        );
      // Node's HTTP server delivers no more than a declared Content-Length, so such a body passes
      // as it is; a chunked one is read here, up to the cap.
      const declared = incoming.headers.get("content-length");
      if (declared !== null) {
        if (!(Number(declared) <= bounds.maxBodyBytes)) return tooLarge();
      } else {
        const body = await readCapped(incoming, bounds.maxBodyBytes);
        if (body === null) return tooLarge();
        request = new Request(incoming.url, {
          method: incoming.method,
          headers: incoming.headers,
          body: body as BodyInit,
          signal: incoming.signal,
        });
      }
    }
    return fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: request,
      router: appRouter,
      createContext: async () =>
        createTRPCContext({ headers: request.headers, session: await options.getSession() }),
      onError: ({ path, error }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          log.error(
            { requestId: errorReference(error), path, err: error.cause ?? error },
            "tRPC procedure failed",
          );
        }
      },
    });
  };
}
