/**
 * Limits the tRPC endpoint enforces (src/server/http/trpc-handler.ts) and the browser's client
 * respects, in one place: both sides import these numbers.
 */
export const trpcBounds = {
  /** Procedures in one batched request; the client splits larger batches. */
  maxBatchSize: 20,
  /** Bytes of one request body: the largest workflow graph (5 MB) with its envelope. */
  maxBodyBytes: 6 * 1024 * 1024,
} as const;
