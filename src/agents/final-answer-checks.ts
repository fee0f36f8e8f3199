import { z } from "zod";
import type { FinalAnswerCheckSpec } from "~/graph/agent-spec";
import { AgentCancelledError, AgentError } from "./errors";
import type { PythonExecutor } from "./executors/python-executor";
import type { AgentMemory, MemoryStep } from "./memory";
import type { FinalAnswerCheck } from "./multi-step-agent";

/**
 * Final-answer checks from an agent spec (smolagents' `final_answer_checks`): JSON-Schema checks
 * validated in the host, Python checks run in a sandbox of their own. The loop
 * (`MultiStepAgent.checkFinalAnswer`) turns a rejection into the step's error, which the model
 * reads before trying again.
 */

/** A check function with the check's name (the loop names the check in its message). */
function named(name: string, check: FinalAnswerCheck): FinalAnswerCheck {
  Object.defineProperty(check, "name", { value: name });
  return check;
}

function parseJsonString(answer: unknown): unknown {
  if (typeof answer !== "string") return answer;
  try {
    return JSON.parse(answer);
  } catch {
    return answer;
  }
}

/** A check passing when the answer matches a JSON Schema (a string holding JSON is parsed first). */
export function jsonSchemaCheck(name: string, schema: Record<string, unknown>): FinalAnswerCheck {
  const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  return named(name, (answer) => {
    const result = validator.safeParse(parseJsonString(answer));
    if (result.success) return true;
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(answer)"}: ${issue.message}`,
    );
    throw new Error(`the answer does not match the JSON Schema: ${issues.join("; ")}`);
  });
}

/**
 * What a Python check receives as `memory`: smolagents' AgentMemory read through attributes
 * (`memory.steps[-1].observations`) or keys, steps with smolagents' snake_case field names.
 */
const memoryViewSource = `class MemoryStep(dict):
    """One memory step; its fields are keys and attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)


class AgentMemory:
    """The agent's memory: system_prompt and steps (task, planning and action steps so far)."""

    def __init__(self, data):
        self.system_prompt = data["system_prompt"]
        self.steps = [MemoryStep(step) for step in data["steps"]]
`;

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/** Fields a check does not get: images (data URIs) and recorded model inputs. */
const omittedFields = new Set(["images", "observationImages", "modelInputMessages"]);

/** The memory as plain JSON for the sandbox: snake_case step fields, no images. */
export function memoryForChecks(memory: AgentMemory): { system_prompt: string; steps: unknown[] } {
  return {
    system_prompt: memory.systemPrompt,
    steps: memory.steps.map((step: MemoryStep) =>
      Object.fromEntries(
        Object.entries(step)
          .filter(([key, value]) => !omittedFields.has(key) && value !== undefined)
          .map(([key, value]) => [snakeCase(key), value]),
      ),
    ),
  };
}

/**
 * The Python checks of one agent: one sandbox, created on the first answer to check and kept until
 * `close`, holding every check function and the memory view. Checks never share the sandbox of the
 * agent's code, so a code action cannot redefine them.
 */
export class PythonFinalAnswerChecks {
  private executor: Promise<PythonExecutor> | undefined;
  /** Checks take turns: each sets the sandbox's `answer` and `memory` before calling. */
  private lastCheck: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly checks: readonly { name: string; source: string }[],
    private readonly createExecutor: () => Promise<PythonExecutor>,
  ) {}

  /** The check function of one of the checks, by name. */
  check(name: string): FinalAnswerCheck {
    return named(name, (answer, memory, context) => {
      const run = this.lastCheck.then(() => this.runCheck(name, answer, memory, context?.signal));
      this.lastCheck = run.catch(() => undefined);
      return run;
    });
  }

  private sandbox(): Promise<PythonExecutor> {
    if (!this.executor) {
      const pending = this.createExecutor().then(async (executor) => {
        await executor.definePythonTools([
          { name: "AgentMemory", source: memoryViewSource },
          ...this.checks.map(({ name, source }) => ({ name, source })),
        ]);
        return executor;
      });
      pending.catch(() => {
        if (this.executor === pending) this.executor = undefined;
      });
      this.executor = pending;
    }
    return this.executor;
  }

  private async runCheck(
    name: string,
    answer: unknown,
    memory: AgentMemory,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    signal?.throwIfAborted();
    let executor: PythonExecutor;
    try {
      executor = await this.sandbox();
    } catch (error) {
      throw new AgentError(
        `Final-answer check ${name}: ${error instanceof Error ? error.message : String(error)}`,
        "unexpected",
        { cause: error },
      );
    }
    await executor.setVariables({ answer: answer ?? null, memory: memoryForChecks(memory) });
    const result = await executor.run(`bool(${name}(answer, AgentMemory(memory)))`, { signal });
    if (!result.error) return result.output === true;
    if (result.error.type === "Cancelled" || signal?.aborted) throw new AgentCancelledError();
    if (result.error.type === "SandboxError") {
      throw new AgentError(
        `Final-answer check ${name}: sandbox failure: ${result.error.message}`,
        "unexpected",
      );
    }
    const type = result.error.pythonType ?? result.error.type;
    const message = result.error.message.startsWith(type)
      ? result.error.message
      : `${type}: ${result.error.message}`;
    throw new Error(message.replace(/:\s*$/, ""));
  }

  async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    if (executor) await (await executor.catch(() => undefined))?.close();
  }
}

/**
 * The check functions of an agent's spec, in order, and what must be closed with the agent (the
 * Python checks' sandbox, made with `createExecutor` on first use).
 */
export function buildFinalAnswerChecks(
  specs: readonly FinalAnswerCheckSpec[],
  createExecutor: () => Promise<PythonExecutor>,
): { checks: FinalAnswerCheck[]; python: PythonFinalAnswerChecks | undefined } {
  const pythonSpecs = specs.flatMap((spec) => (spec.kind === "python" ? [spec] : []));
  const python = pythonSpecs.length ? new PythonFinalAnswerChecks(pythonSpecs, createExecutor) : undefined;
  const checks = specs.map((spec) =>
    spec.kind === "jsonSchema" ? jsonSchemaCheck(spec.name, spec.schema) : python!.check(spec.name),
  );
  return { checks, python };
}
