import type { Page } from "@playwright/test";

/** Call a tRPC procedure over HTTP with the page's session cookie (superjson envelope). */
export async function trpc<T>(
  page: Page,
  procedure: string,
  input?: unknown,
  method: "GET" | "POST" = "POST",
): Promise<T> {
  const response =
    method === "GET"
      ? await page.request.get(
          `/api/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`,
        )
      : await page.request.post(`/api/trpc/${procedure}`, {
          data: { json: input },
          headers: { origin: new URL(page.url()).origin },
        });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}
