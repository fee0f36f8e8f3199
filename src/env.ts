import { z } from "zod";
import { parseAllowEntry } from "~/agents/net/outbound-policy";

/**
 * Every environment variable Troupe reads, parsed once (create-t3-app's pattern). The running mode
 * follows from which are set: no DATABASE_URL → embedded PGlite under TROUPE_DATA_DIR,
 * no REDIS_URL → in-process queue and Socket.IO without the Redis adapter.
 * This is the only module that reads `process.env`.
 */

/** A team's slug as sign-up makes them (src/server/auth/sign-up.ts `teamSlug`). */
const teamSlugPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Empty strings count as unset, so `FOO=` in a .env file means "not configured". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const serverSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Public origin of the app, used for OAuth callbacks and links; defaults to http://localhost:PORT. */
  APP_URL: optional(z.url()),
  DATABASE_URL: optional(
    z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL must be a postgres:// URL" }),
  ),
  /** Where embedded mode keeps PGlite's files and generated local secrets. */
  TROUPE_DATA_DIR: z.string().default(".data"),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/, error: "REDIS_URL must be a redis:// URL" })),
  /** Signs session JWTs; generated and kept in TROUPE_DATA_DIR when unset outside production. */
  AUTH_SECRET: optional(z.string().min(32, "AUTH_SECRET must be at least 32 characters")),
  AUTH_GITHUB_ID: optional(z.string()),
  AUTH_GITHUB_SECRET: optional(z.string()),
  AUTH_GOOGLE_ID: optional(z.string()),
  AUTH_GOOGLE_SECRET: optional(z.string()),
  /** 32-byte key (hex or base64) encrypting team secrets at rest. */
  SECRETS_KEY: optional(z.string().min(32)),
  /** The key SECRETS_KEY replaces: still decrypts, until `npm run secrets:rotate` re-encrypts every row. */
  SECRETS_KEY_PREVIOUS: optional(z.string().min(32)),
  OPENAI_API_KEY: optional(z.string()),
  OPENAI_BASE_URL: optional(z.url()),
  HF_TOKEN: optional(z.string()),
  /**
   * Non-public hosts and ranges that requests made for users (tools, model base URLs) may reach:
   * comma-separated `host[:port]`, `ip[:port]`, `[ipv6][:port]` or CIDR, e.g. `localhost:11434,10.0.0.0/8`.
   */
  OUTBOUND_ALLOW: z
    .string()
    .default("")
    .transform((value, context) => {
      const entries = value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== "");
      for (const entry of entries) {
        try {
          parseAllowEntry(entry);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }
      return entries;
    }),
  /** Default sandbox for code agents. "local" runs model code unsandboxed: trusted setups only. */
  SANDBOX_EXECUTOR: z.enum(["pyodide", "docker", "local"]).default("pyodide"),
  /** Slugs of the teams whose workflows may use the unsandboxed local executor, comma-separated; off when unset. */
  ALLOW_LOCAL_EXECUTOR: z
    .string()
    .default("false")
    .transform((value, ctx) => {
      const text = value.trim();
      if (text === "" || text === "false" || text === "0") return [];
      if (text === "true" || text === "1") {
        ctx.addIssue({
          code: "custom",
          message:
            "ALLOW_LOCAL_EXECUTOR names the teams (slugs, comma-separated) that may use the unsandboxed local executor; it is never on for every team",
        });
        return z.NEVER;
      }
      const slugs = text.split(",").map((slug) => slug.trim());
      const bad = slugs.find((slug) => !teamSlugPattern.test(slug));
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${bad}" is not a team slug (lowercase letters, digits, -)`,
        });
        return z.NEVER;
      }
      return slugs;
    }),
  /**
   * Programs stdio MCP servers may start (exactly as a workflow names them: `node`, `/usr/local/bin/uvx`),
   * comma-separated; empty (the default) turns stdio MCP servers off. Each runs on the worker with the
   * arguments its node lists and only PATH and the secrets its node names in its environment.
   */
  MCP_STDIO_COMMANDS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const commands = value
        .split(",")
        .map((command) => command.trim())
        .filter((command) => command !== "");
      const bad = commands.find((command) => /\s/.test(command));
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${bad}" contains a space: MCP_STDIO_COMMANDS lists programs, their arguments go in the workflow`,
        });
        return z.NEVER;
      }
      return commands;
    }),
  /** The PATH stdio MCP servers get (the worker's own). */
  PATH: z.string().default("/usr/local/bin:/usr/bin:/bin"),
  DOCKER_HOST: optional(z.string()),
  SANDBOX_IMAGE: z.string().default("troupe-sandbox:latest"),
  /** Docker images a workflow may pick, comma-separated (default: SANDBOX_IMAGE alone). */
  SANDBOX_IMAGES: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((image) => image.trim())
        .filter((image) => image !== ""),
    ),
  /** Memory cap of every sandbox unless its workflow sets one (MiB; Pyodide's is enforced by the host). */
  SANDBOX_MEMORY_MB: z.coerce.number().int().min(64).max(65_536).default(512),
  /** Highest memory (MiB), CPUs and timeout (s) a workflow's sandbox may ask for. */
  SANDBOX_MAX_MEMORY_MB: z.coerce.number().int().min(64).max(65_536).default(2048),
  SANDBOX_MAX_CPUS: z.coerce.number().positive().max(64).default(2),
  SANDBOX_MAX_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  PYODIDE_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(2),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** BullMQ queue name (tests and side-by-side installations use their own). */
  RUN_QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("troupe-runs"),
  /** A worker that stops renewing a run's lock this long (killed, stuck) loses it. */
  RUN_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often workers look for runs whose worker was lost. */
  RUN_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  /**
   * How long a stopping process (SIGTERM, SIGINT) lets the runs it carries finish before it stops
   * them, and the web process lets requests finish; what is still running then ends failed with the reason.
   */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /**
   * A worker's heartbeat (a thread beside its event loop) keeps its runs' locks while the loop is
   * busy; past this long without the loop answering, the worker counts as hung and its runs are recovered.
   */
  WORKER_MAX_BLOCKED_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** With REDIS_URL, whether the web process also executes runs (off when `npm run worker` processes do). */
  RUN_WORKER_IN_WEB: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  /** Runs of one team in progress at once (queued, running or waiting for input); a team's own setting wins. */
  TEAM_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Runs one team may start in any hour; a team's own setting wins. */
  TEAM_MAX_RUNS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Cost cap of a run started without one (USD). */
  RUN_DEFAULT_COST_CAP_USD: z.coerce.number().positive().max(10_000).default(5),
  /** Tokens (input + output, every agent) after which any run stops: the cap of a model with no known price. */
  RUN_MAX_TOKENS: z.coerce.number().int().min(1000).max(1_000_000_000).default(2_000_000),
  /** The longest time limit a run may ask for (seconds); a run asking for more is refused. */
  RUN_MAX_TIME_LIMIT_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 3600)
    .default(3600),
  /** How long a synchronous REST API call waits for its run before answering 202 with the run id (seconds). */
  API_SYNC_WAIT_SECONDS: z.coerce.number().min(0).max(3600).default(60),
  /** Who may create an account: anyone, people with an invitation, or nobody (OAuth sign-ins of new users too). */
  SIGNUP: z.enum(["open", "invite", "closed"]).default("open"),
  /** SMTP server invitations are mailed through (smtp:// or smtps://); unset: the inviter copies the link. */
  SMTP_URL: optional(z.url({ protocol: /^smtps?$/, error: "SMTP_URL must be an smtp:// or smtps:// URL" })),
  /** The From address of mails Troupe sends. */
  SMTP_FROM: z.string().default("Troupe <troupe@localhost>"),
  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For: the client address is the
   * entry that many from the right. `false`/`0` (default): the connection's address, X-Forwarded-For ignored.
   */
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((value, ctx) => {
      const text = value.trim();
      if (text === "" || text === "false") return 0;
      if (text === "true") return 1;
      const hops = Number(text);
      if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
        ctx.addIssue({
          code: "custom",
          message: "TRUST_PROXY is false, true, or a number of proxies (0-10)",
        });
        return z.NEVER;
      }
      return hops;
    }),
  /** Window of the sign-in and sign-up rate limits (seconds). */
  AUTH_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Failed sign-ins from one client address per window. */
  SIGN_IN_LIMIT_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Failed sign-ins and sign-up attempts naming one e-mail address per window. */
  SIGN_IN_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** Sign-up attempts from one client address per window. */
  SIGN_UP_LIMIT_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(10),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * OTLP/HTTP collector base URL (Jaeger, Langfuse, Phoenix, an OpenTelemetry Collector): traces are
   * sent to `<endpoint>/v1/traces`. Unset: no tracing SDK is started and spans cost nothing.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/ })),
  /** Only `http/json` is spoken (the JSON encoding of OTLP over HTTP). */
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(["http/json"], { error: "OTEL_EXPORTER_OTLP_PROTOCOL: Troupe exports traces as http/json" })
    .default("http/json"),
  /** Headers sent with every export, `key=value` comma-separated (e.g. `Authorization=Basic …` for Langfuse). */
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const headers: Record<string, string> = Object.create(null);
      for (const entry of value.split(",")) {
        if (entry.trim() === "") continue;
        const equals = entry.indexOf("=");
        if (equals <= 0) {
          ctx.addIssue({ code: "custom", message: "OTEL_EXPORTER_OTLP_HEADERS is key=value,key=value" });
          return z.NEVER;
        }
        headers[decodeURIComponent(entry.slice(0, equals).trim())] = decodeURIComponent(
          entry.slice(equals + 1).trim(),
        );
      }
      return headers;
    }),
  /** The service name on exported spans (default troupe-web or troupe-worker). */
  OTEL_SERVICE_NAME: optional(z.string().min(1)),
  /**
   * Put prompts, completions, tool arguments and results and code on spans (secrets scrubbed).
   * Off by default: they may hold personal data.
   */
  OTEL_CAPTURE_CONTENT: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Bearer token /metrics asks for (web process and worker). Unset: /metrics answers 404 in
   * production and is open in development and test.
   */
  METRICS_TOKEN: optional(z.string().min(16, "METRICS_TOKEN must be at least 16 characters")),
  /**
   * Port of a worker process's own HTTP server (/healthz, /readyz, /metrics), bound to HOST; 0 takes
   * a free port (several workers on one host without containers), which the worker logs.
   */
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
});

export type Env = z.infer<typeof serverSchema>;

/** Parse an environment (defaults to process.env); throws one message naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = serverSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment variables:\n${lines.join("\n")}`);
  }
  return result.data;
}

export const env: Env = parseEnv();

/** Embedded defaults vs production services, derived from what is configured. */
export const mode = {
  embeddedDatabase: env.DATABASE_URL === undefined,
  redis: env.REDIS_URL !== undefined,
} as const;
