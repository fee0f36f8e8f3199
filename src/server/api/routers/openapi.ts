import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { OutboundPolicy } from "~/agents/net/guarded-fetch";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import {
  inspectOpenApiText,
  inspectOpenApiUrl,
  maxOpenApiDocumentBytes,
  OpenApiDocumentError,
} from "~/server/openapi/inspect";
import { outboundPolicy } from "~/server/runs/providers";

let policy: OutboundPolicy | undefined;
/** The operator's policy (OUTBOUND_ALLOW), one object for the process: one guard and connection pool. */
const documentPolicy = () => {
  policy ??= outboundPolicy();
  return policy;
};

/** Where a document comes from: a URL the server fetches, or the text of an uploaded file. */
const documentSourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("url"), url: z.string().trim().min(1, "Enter the document's URL").max(2000) }),
  z.object({
    kind: z.literal("file"),
    text: z
      .string()
      .min(1, "The file is empty")
      .max(maxOpenApiDocumentBytes, `The file is larger than ${maxOpenApiDocumentBytes / 1024 / 1024} MB`),
  }),
]);

/**
 * OpenAPI documents as tools. `inspect` reads a document (fetched through the guarded fetch, or
 * uploaded) and answers its operations, servers and security schemes; the canvas turns the
 * operations the user picks into HTTP tool nodes (src/graph/openapi-tools.ts). It changes nothing,
 * but it makes the server fetch a URL for the caller, so it needs the right to edit workflows.
 * A mutation: a document's text is too large for a query's URL.
 */
export const openapiRouter = createTRPCRouter({
  inspect: teamProcedure("edit")
    .input(z.object({ source: documentSourceSchema }))
    .mutation(async ({ input }) => {
      try {
        return input.source.kind === "url"
          ? await inspectOpenApiUrl(input.source.url, documentPolicy())
          : await inspectOpenApiText(input.source.text);
      } catch (error) {
        if (error instanceof OpenApiDocumentError) {
          throw new TRPCError({ code: "BAD_REQUEST", message: error.message });
        }
        throw error;
      }
    }),
});
