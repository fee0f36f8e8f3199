import "server-only";
import pino from "pino";
import { env } from "~/env";

/**
 * The process-wide structured logger. Secrets never reach it: the paths below are redacted in case a
 * caller passes a request, a header bag or a user object by mistake.
 */
export const logger = pino({
  level: env.LOG_LEVEL,
  base: { service: "troupe" },
  redact: {
    paths: [
      "password",
      "*.password",
      "passwordHash",
      "*.passwordHash",
      "secret",
      "*.secret",
      "token",
      "*.token",
      "headers.cookie",
      "headers.authorization",
      "*.headers.cookie",
      "*.headers.authorization",
    ],
    censor: "[redacted]",
  },
});

export type Logger = typeof logger;
