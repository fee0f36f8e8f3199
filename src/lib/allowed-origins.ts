import { z } from "zod";

/** At most this many browser origins may call one endpoint (CORS). */
export const MAX_ALLOWED_ORIGINS = 20;

/**
 * One browser origin allowed to call an endpoint: `scheme://host[:port]` with http or https, no path,
 * query, fragment or credentials. Returned in canonical form (lower-case, default port dropped), the
 * way browsers send it in `Origin`.
 */
export const allowedOriginSchema = z
  .string()
  .trim()
  .min(1, "Enter an origin such as https://app.example.com.")
  .max(200, "An origin is at most 200 characters.")
  .transform((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({
        code: "custom",
        message: `"${value}" is not an origin like https://app.example.com.`,
      });
      return z.NEVER;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      context.addIssue({ code: "custom", message: `"${value}": an origin starts with http:// or https://.` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      context.addIssue({ code: "custom", message: `"${value}": an origin has no user name or password.` });
      return z.NEVER;
    }
    const rest = value.replace(/^[a-z]+:\/\/[^/?#]*/i, "");
    if (rest !== "" && rest !== "/") {
      context.addIssue({
        code: "custom",
        message: `"${value}": an origin has no path, query or fragment (scheme://host[:port]).`,
      });
      return z.NEVER;
    }
    return url.origin;
  });

/** An endpoint's allowed origins: distinct, at most MAX_ALLOWED_ORIGINS. */
export const allowedOriginsSchema = z
  .array(allowedOriginSchema)
  .max(MAX_ALLOWED_ORIGINS, `At most ${MAX_ALLOWED_ORIGINS} origins.`)
  .transform((origins) => [...new Set(origins)]);
