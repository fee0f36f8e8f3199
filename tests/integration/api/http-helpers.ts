import { type ChildProcess, spawn } from "node:child_process";

/** The app started as `npm start` does (build if stale, then src/server/main.ts in production mode). */
export type StartedServer = {
  base: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
};

/** Start `node scripts/start.mjs` with extra environment and wait until it serves /sign-in. */
export async function startServer(port: number, env: Record<string, string>, timeoutMs = 900_000) {
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", REDIS_URL: "", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const server: StartedServer = {
    base,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      // start.mjs runs the server as a grandchild: stopped means the port refuses connections, so a
      // server started next on the same port does not find it taken.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          await fetch(`${base}/sign-in`);
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`the server on ${base} still answers 30 s after it was stopped`);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output.slice(-4000)}`);
    try {
      if ((await fetch(`${base}/sign-in`)).ok) return server;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await server.stop();
  throw new Error(`server did not start:\n${output.slice(-4000)}`);
}

/** Cookies from a response's Set-Cookie headers as a Cookie header fragment. */
export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

/** Sign in through Auth.js's credentials endpoint; returns the cookies it set (empty of a session on failure). */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  return cookiesOf(await credentialsSignIn(base, email, password));
}

/** POST e-mail and password to Auth.js's credentials endpoint (with its CSRF token); the raw response. */
export async function credentialsSignIn(
  base: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  return fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf) },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/workflows` }),
  });
}

const entities: Record<string, string> = {
  "&quot;": '"',
  "&amp;": "&",
  "&#x27;": "'",
  "&lt;": "<",
  "&gt;": ">",
};

/** The hidden fields of a page's first form (a server action's id and state), read from its HTML. */
export async function hiddenFormFields(base: string, page: string): Promise<[string, string][]> {
  const html = await (await fetch(`${base}${page}`)).text();
  const form = html.slice(html.indexOf("<form"), html.indexOf("</form>"));
  return [...form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?\/?>/g)].map((match) => [
    match[1] ?? "",
    (match[2] ?? "").replace(/&(quot|amp|#x27|lt|gt);/g, (e) => entities[e] ?? e),
  ]);
}

/**
 * Post a form the way a browser without JavaScript does: `hidden` (a page's hidden fields, see
 * hiddenFormFields) and `fields` as multipart, to `page`.
 */
export async function submitFormWithoutScript(
  base: string,
  page: string,
  hidden: [string, string][],
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new FormData();
  for (const [name, value] of hidden) body.append(name, value);
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return fetch(`${base}${page}`, { method: "POST", body, headers, redirect: "manual" });
}

/**
 * Submit the sign-up form the way a browser without JavaScript does (the server action's hidden fields
 * posted as multipart): the form works before hydration too.
 */
export async function signUpWithoutScript(
  base: string,
  fields: { name: string; email: string; password: string },
): Promise<Response> {
  return submitFormWithoutScript(base, "/sign-up", await hiddenFormFields(base, "/sign-up"), fields);
}

/** Call a tRPC query over HTTP (superjson envelope). */
export async function trpcQuery(base: string, procedure: string, input?: unknown, cookie?: string) {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return fetch(`${base}/api/trpc/${procedure}${query}`, { headers: cookie ? { cookie } : {} });
}

/** Call a tRPC mutation over HTTP (superjson envelope) from the app's origin, as its pages do. */
export async function trpcMutation(base: string, procedure: string, input: unknown, cookie?: string) {
  return fetch(`${base}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ json: input }),
  });
}

/** The `json` payload of a successful tRPC response. */
export async function trpcData<T>(response: Response): Promise<T> {
  const body = (await response.json()) as { result?: { data?: { json?: T } } };
  if (!response.ok || body.result?.data === undefined) {
    throw new Error(`tRPC call failed (${response.status}): ${JSON.stringify(body)}`);
  }
  return body.result.data.json as T;
}
