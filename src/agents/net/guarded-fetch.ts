import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, isIPv6 } from "node:net";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { type AllowRule, destinationProblem, parseAllowList } from "./outbound-policy";

/**
 * The one fetch for every request the server makes on a user's behalf (HTTP tools, visit_webpage,
 * web_search, speech_to_text, model endpoints that are not the installation's, and whatever
 * reaches the network next: MCP over HTTP, OpenAPI tools).
 *
 * - Only http and https.
 * - The host is resolved once, inside undici's connect hook, and the connection goes to the
 *   addresses that were checked: a second resolution (DNS rebinding) cannot change the target.
 *   Loopback, private, link-local, unique-local, unspecified, multicast, reserved addresses and
 *   IPv4-mapped / NAT64 / 6to4 forms of them are refused unless the policy allows them.
 * - Redirects are followed here (at most `maxRedirects`), each hop checked again; a hop to another
 *   origin drops Authorization, Cookie and every header carrying a secret.
 * - A secret bound to origins is never sent elsewhere (checked on every hop).
 * - The body is capped while it streams, and the whole exchange (all hops and the body) is timed.
 *
 * Refusals are `OutboundRefusedError`s whose message is meant for the model
 * ("Refused: 169.254.169.254 is a link-local address").
 */

/** Resolve a host name to its addresses (tests inject one; the default asks the system resolver). */
export type HostLookup = (hostname: string) => Promise<readonly string[]>;

/** What the operator decides for outbound requests; the server builds it from OUTBOUND_ALLOW. */
export interface OutboundPolicy {
  /** Exceptions to the refusal of non-public addresses: `host[:port]`, `ip[:port]`, `[ipv6][:port]`, CIDR. */
  allow?: readonly string[];
  /**
   * Origins of the installation's own endpoints (the OPENAI_BASE_URL the operator set, the
   * providers' defaults). Model clients talking to them are not filtered; tools always are.
   */
  trustedOrigins?: readonly string[];
  lookup?: HostLookup;
  /** Default cap on a response body (bytes); callers may set their own. Default 10 MB. */
  maxResponseBytes?: number;
  /** Default time for a whole exchange, redirects and body included (ms). Default 60 s. */
  timeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
}

/** A secret value a caller sends, and where it may go (undefined: anywhere its caller points). */
export interface BoundSecret {
  name: string;
  value: string;
  allowedOrigins?: readonly string[];
}

/** Per-caller settings of one guarded fetch. */
export interface GuardedFetchOptions {
  maxResponseBytes?: number;
  timeoutMs?: number;
  /** Secrets this caller puts in its requests: checked against their bindings on every hop. */
  secrets?: readonly BoundSecret[];
  /**
   * Reach the policy's trusted origins whatever their address (a model client talking to the
   * endpoint the operator configured). Only while every hop so far was trusted: a foreign endpoint
   * cannot redirect into the installation's. Every other origin is still checked.
   */
  reachTrustedOrigins?: boolean;
}

/** A request refused by the outbound policy; the message is safe and useful to show a model. */
export class OutboundRefusedError extends Error {
  override readonly name = "OutboundRefusedError";
}

/** A host name that did not resolve (transient or not, as before the guard: worth a retry). */
export class OutboundLookupError extends Error {
  override readonly name = "OutboundLookupError";
}

function findInCauses<T extends Error>(error: unknown, type: new (message: string) => T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

/** The refusal inside an error's cause chain (SDKs wrap fetch failures), if there is one. */
export function findOutboundRefusal(error: unknown): OutboundRefusedError | undefined {
  return findInCauses(error, OutboundRefusedError);
}

/** The guard's own error (a refusal or a failed lookup) inside an error's cause chain. */
export function findOutboundError(error: unknown): OutboundRefusedError | OutboundLookupError | undefined {
  return findInCauses(error, OutboundRefusedError) ?? findInCauses(error, OutboundLookupError);
}

export const defaultMaxResponseBytes = 10 * 1024 * 1024;
const defaultTimeoutMs = 60_000;
const defaultMaxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const credentialHeaders = ["authorization", "proxy-authorization", "cookie"];

const systemLookup: HostLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** A byte count for people: "10 MB", "48.8 KB". */
function byteSize(bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), "MB"] : [bytes / 1024, "KB"];
  return `${Math.round(value * 10) / 10} ${unit}`;
}

/** An origin in the form `new URL(x).origin` gives, or undefined for a string that is not a URL. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: BodyInit | null | undefined;
  signal: AbortSignal | undefined;
  redirect: RequestRedirect;
}

function prepare(input: RequestInfo | URL, init: RequestInit = {}): PreparedRequest {
  if (typeof input === "object" && "url" in input && !(input instanceof URL)) {
    const request = input as Request;
    return {
      url: new URL(request.url),
      method: init.method ?? request.method,
      headers: new Headers(init.headers ?? request.headers),
      body: init.body !== undefined ? init.body : request.body,
      signal: init.signal ?? request.signal,
      redirect: init.redirect ?? request.redirect,
    };
  }
  return {
    url: new URL(String(input)),
    method: (init.method ?? "GET").toUpperCase(),
    headers: new Headers(init.headers),
    body: init.body,
    signal: init.signal ?? undefined,
    redirect: init.redirect ?? "follow",
  };
}

/** True for bodies that can be sent twice (a 307/308 redirect repeats the body). */
function replayable(body: BodyInit | null | undefined): boolean {
  return body === undefined || body === null || !(body instanceof ReadableStream);
}

/**
 * Holds one policy and one connection pool (an undici Agent whose connect hook checks every
 * address). Share one guard per policy; `fetch(options)` gives a fetch for one caller.
 */
export class OutboundGuard {
  private readonly rules: AllowRule[];
  private readonly trusted: Set<string>;
  private readonly lookup: HostLookup;
  /** Checks every connection. */
  private readonly agent: Agent;
  /** Skips the address check for trusted origins only (model clients of the installation). */
  private readonly trustingAgent: Agent;

  constructor(private readonly policy: OutboundPolicy = {}) {
    this.rules = parseAllowList(policy.allow ?? []);
    this.trusted = new Set((policy.trustedOrigins ?? []).flatMap((url) => originOf(url) ?? []));
    this.lookup = policy.lookup ?? systemLookup;
    this.agent = this.createAgent(false);
    this.trustingAgent = this.createAgent(true);
  }

  /** A pool whose connect hook resolves, checks and connects to the checked addresses only. */
  private createAgent(reachTrusted: boolean): Agent {
    const connector = buildConnector({ timeout: 10_000 });
    return new Agent({
      connect: (options, callback) => {
        const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
        const host = isIPv6(options.hostname) ? `[${options.hostname}]` : options.hostname;
        const trusted = reachTrusted && this.isTrusted(`${options.protocol}//${host}:${port}`);
        this.checkedAddresses(options.hostname, port, trusted).then(
          (addresses) => {
            // Node's happy-eyeballs is not available once we pick the address: try each in turn.
            const attempt = (index: number) => {
              connector({ ...options, hostname: addresses[index]! }, (...result) => {
                if (result[0] && index + 1 < addresses.length) attempt(index + 1);
                else callback(...result);
              });
            };
            attempt(0);
          },
          (error: Error) => callback(error, null),
        );
      },
    });
  }

  /** True when `url` is one of the installation's own endpoints (the operator configured it). */
  isTrusted(url: string): boolean {
    const origin = originOf(url);
    return origin !== undefined && this.trusted.has(origin);
  }

  /** The addresses to connect to for `hostname:port`, each checked (unless trusted), or the refusal. */
  private async checkedAddresses(
    hostname: string,
    port: number,
    trusted: boolean,
  ): Promise<readonly string[]> {
    let addresses: readonly string[];
    if (isIP(hostname)) addresses = [hostname];
    else {
      try {
        addresses = await this.lookup(hostname);
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new OutboundLookupError(`Could not resolve ${hostname}${code ? ` (${code})` : ""}`);
      }
      if (addresses.length === 0) throw new OutboundLookupError(`Could not resolve ${hostname}`);
    }
    if (trusted) return addresses;
    const problem = destinationProblem(this.rules, hostname, port, addresses);
    if (problem) throw new OutboundRefusedError(problem);
    return addresses;
  }

  /** A fetch-compatible function for one caller (its size cap, time limit and secrets). */
  fetch(options: GuardedFetchOptions = {}): typeof globalThis.fetch {
    const guarded = (input: RequestInfo | URL, init?: RequestInit) =>
      this.send(prepare(input, init), options);
    return guarded as typeof globalThis.fetch;
  }

  /** Close pooled connections. */
  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.trustingAgent.close()]);
  }

  private async send(request: PreparedRequest, options: GuardedFetchOptions): Promise<Response> {
    const maxBytes = options.maxResponseBytes ?? this.policy.maxResponseBytes ?? defaultMaxResponseBytes;
    const timeoutMs = options.timeoutMs ?? this.policy.timeoutMs ?? defaultTimeoutMs;
    const maxRedirects = this.policy.maxRedirects ?? defaultMaxRedirects;
    const secrets = (options.secrets ?? []).filter((secret) => secret.value !== "");

    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onCallerAbort();
    else request.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const timer = setTimeout(
      () =>
        controller.abort(
          new DOMException(
            `The request to ${request.url.host} timed out after ${timeoutMs} ms`,
            "TimeoutError",
          ),
        ),
      timeoutMs,
    );
    const finish = () => {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onCallerAbort);
    };

    let { url, method, body } = request;
    const headers = request.headers;
    try {
      if (body instanceof FormData) {
        // undici's fetch does not recognise Node's global FormData: send the encoded multipart body.
        const encoded = new Response(body);
        headers.set("content-type", encoded.headers.get("content-type") ?? "multipart/form-data");
        body = new Uint8Array(await encoded.arrayBuffer());
      }
      let trustedChain = options.reachTrustedOrigins === true;
      for (let hop = 0; ; hop++) {
        trustedChain &&= this.isTrusted(url.href);
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          throw new OutboundRefusedError(
            `Refused: only http and https URLs can be fetched, not ${url.protocol}`,
          );
        }
        if (url.username || url.password) {
          throw new OutboundRefusedError("Refused: URLs with credentials (user:password@) are not fetched");
        }
        checkSecretBindings(url, headers, secrets);
        const response = await undiciFetch(url, {
          method,
          headers: headers as never,
          body: body as never,
          redirect: "manual",
          signal: controller.signal,
          dispatcher: trustedChain ? this.trustingAgent : this.agent,
          ...(body instanceof ReadableStream ? { duplex: "half" as const } : {}),
        });
        const location = response.headers.get("location");
        if (!redirectStatuses.has(response.status) || !location || request.redirect === "manual") {
          return capped(response as unknown as Response, url, maxBytes, controller, finish);
        }
        await response.body?.cancel().catch(() => undefined);
        if (request.redirect === "error") {
          throw new OutboundRefusedError(
            `Refused: ${url.origin} redirected and redirects are not allowed here`,
          );
        }
        if (hop >= maxRedirects) {
          throw new OutboundRefusedError(
            `Refused: more than ${maxRedirects} redirects from ${request.url.href}`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new OutboundRefusedError(`Refused: ${url.origin} redirected to an invalid URL`);
        }
        if (next.origin !== url.origin) dropCredentials(headers, secrets);
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === "POST")
        ) {
          if (method !== "HEAD") method = "GET";
          body = undefined;
          for (const name of ["content-type", "content-length", "content-encoding", "content-language"]) {
            headers.delete(name);
          }
        } else if (!replayable(body)) {
          throw new OutboundRefusedError(`Refused: ${url.origin} redirected a streamed request body`);
        }
        url = next;
      }
    } catch (error) {
      finish();
      throw findOutboundError(error) ?? error;
    }
  }
}

/** Whether `value` (a URL or a header) holds the secret, as is or percent-encoded as a query holds it. */
function carries(value: string, secret: BoundSecret): boolean {
  if (value.includes(secret.value)) return true;
  const encoded = new URLSearchParams({ s: secret.value }).toString().slice(2);
  return value.includes(encoded) || value.includes(encodeURIComponent(secret.value));
}

/** Refuse a hop whose URL or headers carry a secret to an origin outside the secret's binding. */
function checkSecretBindings(url: URL, headers: Headers, secrets: readonly BoundSecret[]): void {
  for (const secret of secrets) {
    if (!secret.allowedOrigins || secret.allowedOrigins.includes(url.origin)) continue;
    let found = carries(url.href, secret);
    headers.forEach((value) => {
      if (carries(value, secret)) found = true;
    });
    if (found) {
      throw new OutboundRefusedError(
        `Refused: the secret ${secret.name} is only sent to ${secret.allowedOrigins.join(", ")}, not to ${url.origin}`,
      );
    }
  }
}

/** Before a hop to another origin: no credentials and no header carrying a secret. */
function dropCredentials(headers: Headers, secrets: readonly BoundSecret[]): void {
  for (const name of credentialHeaders) headers.delete(name);
  const carrying: string[] = [];
  headers.forEach((value, name) => {
    if (secrets.some((secret) => carries(value, secret))) carrying.push(name);
  });
  for (const name of carrying) headers.delete(name);
}

/**
 * The response with its body capped at `maxBytes` as it streams (a bigger body errors the stream
 * with a refusal and aborts the connection). The exchange's timer stops when the body ends.
 */
function capped(
  response: Response,
  url: URL,
  maxBytes: number,
  controller: AbortController,
  finish: () => void,
): Response {
  const tooLarge = () =>
    new OutboundRefusedError(`Refused: the response from ${url.origin} is larger than ${byteSize(maxBytes)}`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    const error = tooLarge();
    controller.abort(error);
    finish();
    throw error;
  }
  let body: ReadableStream<Uint8Array> | null = null;
  if (response.body && !nullBodyStatuses.has(response.status)) {
    const reader = response.body.getReader();
    let received = 0;
    body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            finish();
            stream.close();
            return;
          }
          received += value.byteLength;
          if (received > maxBytes) {
            const error = tooLarge();
            finish();
            controller.abort(error);
            stream.error(error);
            return;
          }
          stream.enqueue(value);
        } catch (error) {
          finish();
          stream.error(findOutboundError(error) ?? error);
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    });
  } else {
    finish();
  }
  const result = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
  Object.defineProperty(result, "url", { value: url.href });
  return result;
}

/** A guarded fetch with its own pool: for one-off callers and tests (the engine shares guards). */
export function createGuardedFetch(
  policy: OutboundPolicy = {},
  options: GuardedFetchOptions = {},
): typeof globalThis.fetch {
  return new OutboundGuard(policy).fetch(options);
}

let sharedDefault: OutboundGuard | undefined;

/** The guard with no exceptions: what tools use when nobody passed them a fetch. */
export function defaultOutboundGuard(): OutboundGuard {
  sharedDefault ??= new OutboundGuard();
  return sharedDefault;
}

const guardsByPolicy = new WeakMap<OutboundPolicy, OutboundGuard>();

/**
 * One guard (and so one connection pool) per policy object, made on first use; the default guard
 * without a policy. What the engine's models and tools, judges and document fetches share.
 */
export function outboundGuardFor(policy?: OutboundPolicy): OutboundGuard {
  if (!policy) return defaultOutboundGuard();
  let guard = guardsByPolicy.get(policy);
  if (!guard) {
    guard = new OutboundGuard(policy);
    guardsByPolicy.set(policy, guard);
  }
  return guard;
}
