import { z } from "zod";
import { workflowLimits } from "~/graph/workflow-document";

/**
 * The messages between the canvas and its layout worker (`layout.worker.ts`). Both sides parse every
 * message they receive with these schemas: a malformed one is answered (or dropped) with the reason,
 * never half-read.
 */

const nodeId = z.string().min(1).max(100);
const size = z.number().finite().positive().max(100_000);
const coordinate = z.number().finite();

/** The canvas asks for a layout of these nodes (with their sizes) along these edges. */
export const layoutRequestSchema = z.object({
  type: z.literal("layout"),
  requestId: z.string().min(1).max(100),
  nodes: z.array(z.object({ id: nodeId, width: size, height: size })).max(workflowLimits.maxNodes),
  edges: z
    .array(z.object({ id: z.string().min(1).max(200), source: nodeId, target: nodeId }))
    .max(workflowLimits.maxEdges),
  /** The most nodes given to one ELK run (see `computeLayout`). */
  partLimit: z.number().int().min(10).max(workflowLimits.maxNodes).optional(),
});
export type LayoutRequest = z.infer<typeof layoutRequestSchema>;

/** What the worker answers: progress any number of times, then one result or one failure. */
export const layoutResponseSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("progress"),
    requestId: z.string(),
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  z.object({
    type: z.literal("result"),
    requestId: z.string(),
    positions: z.record(nodeId, z.object({ x: coordinate, y: coordinate })),
  }),
  z.object({
    type: z.literal("failed"),
    requestId: z.string(),
    message: z.string(),
  }),
]);
export type LayoutResponse = z.infer<typeof layoutResponseSchema>;

/** A request's problem in words: the first zod issue with where it is. */
export function describeRequestProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The layout request is not valid";
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  return `The layout request is not valid${where}: ${issue.message}`;
}
