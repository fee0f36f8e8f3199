import { computeLayout } from "./auto-layout";
import { describeRequestProblem, type LayoutResponse, layoutRequestSchema } from "./layout-protocol";

/**
 * What the layout worker does with one message: checks it against the protocol, lays the graph out,
 * and posts progress, then the result or why it failed. Kept apart from the worker's global scope so
 * it runs (and is tested) anywhere.
 */
export async function handleLayoutMessage(
  data: unknown,
  post: (response: LayoutResponse) => void,
): Promise<void> {
  const parsed = layoutRequestSchema.safeParse(data);
  if (!parsed.success) {
    const requestId =
      typeof data === "object" && data !== null && "requestId" in data && typeof data.requestId === "string"
        ? data.requestId
        : "";
    post({ type: "failed", requestId, message: describeRequestProblem(parsed.error) });
    return;
  }
  const { requestId, nodes, edges, partLimit } = parsed.data;
  try {
    const positions = await computeLayout(
      nodes.map((n) => ({ id: n.id, measured: { width: n.width, height: n.height } })),
      edges,
      { partLimit, onProgress: ({ done, total }) => post({ type: "progress", requestId, done, total }) },
    );
    post({ type: "result", requestId, positions });
  } catch (error) {
    post({ type: "failed", requestId, message: error instanceof Error ? error.message : String(error) });
  }
}
