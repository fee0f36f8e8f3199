import "server-only";
import { env } from "~/env";

/**
 * Which browser origins may change data: the app's own pages. APP_URL's origin when set; without it
 * (embedded, local) http://localhost:PORT and http://127.0.0.1:PORT, which are also the dev origins
 * `npm run dev` serves. Cross-site requests (CSRF, cross-site WebSocket hijacking) carry another
 * origin and are refused.
 */
export function appOrigins(config: Pick<typeof env, "APP_URL" | "PORT" | "NODE_ENV"> = env): string[] {
  const origins = new Set<string>();
  if (config.APP_URL) origins.add(new URL(config.APP_URL).origin);
  if (!config.APP_URL || config.NODE_ENV === "development") {
    origins.add(`http://localhost:${config.PORT}`);
    origins.add(`http://127.0.0.1:${config.PORT}`);
  }
  return [...origins];
}

/** Why an Origin header is not one of `allowed`; null when it is. */
export function originRefusal(origin: string | null | undefined, allowed: readonly string[]): string | null {
  if (!origin)
    return "Refused: the request has no Origin header; changes are accepted only from the app's pages.";
  if (allowed.includes(origin)) return null;
  return `Refused: requests from ${origin.slice(0, 200)} may not change data here; only the app's own pages (${allowed.join(", ")}) may.`;
}

/**
 * Socket.IO's `allowRequest`: a handshake that carries an Origin (every browser sends one on a
 * cross-site request and on WebSocket upgrades) must be the app's. Non-browser clients send none
 * and are authenticated by their session cookie like everyone.
 */
export function socketOriginCheck(allowed: readonly string[] = appOrigins()) {
  return (
    req: { headers: { origin?: string | undefined } },
    callback: (error: string | null | undefined, success: boolean) => void,
  ): void => {
    const origin = req.headers.origin;
    const refusal = origin === undefined ? null : originRefusal(origin, allowed);
    callback(refusal, refusal === null);
  };
}
