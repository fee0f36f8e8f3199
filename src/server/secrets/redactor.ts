import "server-only";
import type { ResolvedSecret, SecretResolver } from "~/agents/secrets";

/**
 * Scrubs the values of the secrets one run resolved from everything the run leaves behind: its
 * events (stored, published, exported), its final output and error, and the log lines about it.
 * A model that echoes a key, a provider error that quotes it, a tool that prints it: each shows
 * `[secret NAME]` instead. Streamed model text is scrubbed across its pieces: the end of a piece
 * that could begin a value is held back and sent with the next piece.
 */
export class SecretRedactor {
  /** Value → name, longest value first when scrubbing (a value inside another is not half-replaced). */
  private readonly values = new Map<string, string>();
  private ordered: [string, string][] = [];
  /** Per agent and step: streamed text held back because it could be the start of a value. */
  private readonly heldText = new Map<string, string>();

  /** Remember a secret's value. */
  add(name: string, value: string): void {
    if (value === "" || this.values.has(value)) return;
    this.values.set(value, name);
    this.ordered = [...this.values].sort(([a], [b]) => b.length - a.length);
  }

  /** A resolver that remembers every value it hands out. */
  watch(resolve: SecretResolver): SecretResolver {
    return async (name: string): Promise<ResolvedSecret | undefined> => {
      const secret = await resolve(name);
      if (secret) this.add(name, secret.value);
      return secret;
    };
  }

  /** `text` with every known value replaced by its name. */
  text(text: string): string {
    let result = text;
    for (const [value, name] of this.ordered) {
      if (result.includes(value)) result = result.replaceAll(value, `[secret ${name}]`);
    }
    return result;
  }

  /**
   * A run event as the run may leave it: every string scrubbed; a `model_delta` also joined to the
   * text held back from the previous piece of its stream, minus any end that could begin a value.
   * The step's `model_output` carries the whole text (scrubbed), so nothing held back is lost.
   */
  event<T extends { type: string }>(event: T): T {
    if (this.ordered.length === 0) return event;
    if (event.type !== "model_delta" && event.type !== "model_output") return this.value(event);
    const { agentPath, stepNumber } = event as unknown as { agentPath: string[]; stepNumber: number };
    const stream = `${agentPath.join("\u0000")}\u0000${stepNumber}`;
    if (event.type === "model_output") {
      this.heldText.delete(stream);
      return this.value(event);
    }
    const text = this.text((this.heldText.get(stream) ?? "") + (event as unknown as { text: string }).text);
    const held = this.possibleStart(text);
    if (held > 0) this.heldText.set(stream, text.slice(text.length - held));
    else this.heldText.delete(stream);
    return { ...event, text: text.slice(0, text.length - held) };
  }

  /** The length of the longest end of `text` that is the start of a value (0: none). */
  private possibleStart(text: string): number {
    let longest = 0;
    for (const [value] of this.ordered) {
      for (let length = Math.min(value.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(value.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }

  /** A copy of a JSON-like value (an event, an output) with every string scrubbed; the same object when nothing matched. */
  value<T>(input: T): T {
    if (this.ordered.length === 0) return input;
    return this.walk(input) as T;
  }

  /** An error for the logs: same name, message and stack, scrubbed. */
  error(error: unknown): unknown {
    if (this.ordered.length === 0 || !(error instanceof Error)) return error;
    const scrubbed = new Error(this.text(error.message));
    scrubbed.name = error.name;
    scrubbed.stack = error.stack === undefined ? undefined : this.text(error.stack);
    return Object.assign(scrubbed, { kind: (error as { kind?: unknown }).kind });
  }

  private walk(input: unknown): unknown {
    if (typeof input === "string") return this.text(input);
    if (Array.isArray(input)) {
      const items = input.map((item) => this.walk(item));
      return items.some((item, i) => item !== input[i]) ? items : input;
    }
    if (input !== null && typeof input === "object" && !(input instanceof Date)) {
      let changed = false;
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(input)) {
        const scrubbed = this.walk(item);
        if (scrubbed !== item) changed = true;
        Object.defineProperty(copy, key, {
          value: scrubbed,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return changed ? copy : input;
    }
    return input;
  }
}
