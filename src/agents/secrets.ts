/**
 * Secrets as the engine's host resolves them. Specs name secrets; the host returns the value and
 * where it may go, so a key configured for one host is never attached to a request to another
 * (the model builder and the guarded fetch both check).
 */
export interface ResolvedSecret {
  value: string;
  /** Origins (`https://api.openai.com`) it may be sent to; undefined: wherever the spec points. */
  allowedOrigins?: readonly string[];
  /** An installation (operator) key: models send it to its origins; tools never send it. */
  modelsOnly?: boolean;
}

/** Look a secret up by name; undefined when it is not set. */
export type SecretResolver = (name: string) => Promise<ResolvedSecret | undefined>;
