import { AgentParsingError, AgentToolCallError, toAgentError } from "./errors";
import { stringify } from "./memory";
import { parseArguments } from "./models/chat-completion-stream";
import type { ToolCall } from "./models/model";
import { MultiStepAgent, type StepContext } from "./multi-step-agent";
import { raceAbort } from "./run-context";
import { isToolImage, type Tool } from "./tools/tool";

/** Find a `{"name": ..., "arguments": ...}` object in text, for models without native tool calls. */
export function parseToolCallFromText(text: string, stepNumber: number): ToolCall | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start === -1 || end <= start) return undefined;
  const parsed = parseArguments(text.slice(start, end + 1));
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as { name?: unknown; arguments?: unknown; action?: unknown; action_input?: unknown };
  const name = record.name ?? record.action;
  if (typeof name !== "string") return undefined;
  return { id: `call_${stepNumber}_0`, name, arguments: record.arguments ?? record.action_input ?? {} };
}

/**
 * An agent whose actions are native tool calls (smolagents' ToolCallingAgent). Calls in one answer
 * run in parallel; each result is an observation; image results are passed back as images.
 */
export class ToolCallingAgent extends MultiStepAgent {
  readonly agentType = "toolCalling" as const;
  private toolIndex: Map<string, Tool> | undefined;

  protected initializeSystemPrompt(): string {
    const tools = this.allTools()
      .filter((tool) => !this.managedAgents.has(tool.name))
      .map(
        (tool) =>
          `- ${tool.name}: ${tool.description}\n    Takes inputs: ${JSON.stringify(tool.inputs)}\n    Returns an output of type: ${tool.outputType}`,
      )
      .join("\n");
    return this.renderTemplate("system_prompt", {
      tools,
      managedAgents: this.managedAgentsSummary(),
      outputSchema: this.outputSchemaPrompt(),
      instructions: this.instructionsPrompt(),
    });
  }

  private index(): Map<string, Tool> {
    if (!this.toolIndex) this.toolIndex = new Map(this.allTools().map((tool) => [tool.name, tool]));
    return this.toolIndex;
  }

  private definitions: ReturnType<Tool["toToolDefinition"]>[] | undefined;

  protected async executeStep({ run, path, memory, step, toolContext }: StepContext): Promise<void> {
    const messages = memory.toMessages();
    if (this.recordModelInputs) step.modelInputMessages = messages;
    const tools = this.index();
    this.definitions ??= [...tools.values()].map((tool) => tool.toToolDefinition());
    const output = await this.callModel(run, path, step.stepNumber, messages, {
      tools: this.definitions,
      toolChoice: "required",
      stopSequences: ["Observation:", "Calling tools:"],
    });
    step.tokenUsage = output.tokenUsage;
    step.modelOutput = output.content;
    let calls = output.toolCalls;
    if (calls.length === 0) {
      const fromText = parseToolCallFromText(output.content, step.stepNumber);
      if (fromText) calls = [fromText];
    }
    if (calls.length === 0) {
      throw new AgentParsingError(
        "The model did not call any tool. Call a tool, or call final_answer to give the final answer.",
      );
    }
    step.toolCalls = calls;
    for (const call of calls)
      run.emit(path, { type: "tool_call", stepNumber: step.stepNumber, toolCall: call });

    const outcomes = await Promise.allSettled(
      calls.map(async (call) => {
        const tool = tools.get(call.name);
        if (!tool) {
          throw new AgentToolCallError(
            `Unknown tool '${call.name}': the available tools are ${[...tools.keys()].join(", ")}`,
          );
        }
        return raceAbort(tool.call(call.arguments, toolContext), run.signal);
      }),
    );
    const texts: string[] = [];
    const images: string[] = [];
    let firstError: unknown;
    outcomes.forEach((outcome, i) => {
      const call = calls[i] as ToolCall;
      if (outcome.status === "rejected") {
        firstError ??= outcome.reason;
        return;
      }
      if (call.name === "final_answer") {
        step.isFinalAnswer = true;
        step.actionOutput = outcome.value;
        return;
      }
      let text: string;
      if (isToolImage(outcome.value)) {
        images.push(outcome.value.image);
        text = `Stored image (${call.name} output) shown below.`;
      } else {
        text = stringify(outcome.value);
      }
      texts.push(calls.length > 1 ? `Call id: ${call.id}\n${text}` : text);
      run.emit(path, {
        type: "observation",
        stepNumber: step.stepNumber,
        toolCallId: call.id,
        observation: text,
        ...(isToolImage(outcome.value) ? { images: [outcome.value.image] } : {}),
      });
    });
    if (step.isFinalAnswer) {
      step.observations = stringify(step.actionOutput);
    } else if (texts.length) {
      step.observations = texts.join("\n\n");
    }
    if (images.length) step.observationImages = images;
    if (firstError !== undefined) throw toAgentError(firstError);
  }
}
