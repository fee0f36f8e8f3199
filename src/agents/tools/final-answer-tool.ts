import { Tool, type ToolInput, type ToolValueType } from "./tool";

function outputSchemaType(schema: Record<string, unknown> | undefined): ToolValueType {
  const type = schema?.type;
  const known: ToolValueType[] = ["string", "integer", "number", "boolean", "object", "array"];
  return typeof type === "string" && known.includes(type as ToolValueType) ? (type as ToolValueType) : "any";
}

/** `final_answer(answer)`: ends the run with `answer` (the agent loop recognises it by name). */
export class FinalAnswerTool extends Tool {
  readonly name = "final_answer";
  readonly description = "Provides a final answer to the given problem.";
  readonly inputs: Record<string, ToolInput>;
  readonly outputType: ToolValueType = "any";

  /** With an output schema the answer argument is described by it (structured output). */
  constructor(outputSchema?: Record<string, unknown>) {
    super();
    this.inputs = {
      answer: {
        type: outputSchemaType(outputSchema),
        description: "The final answer to the problem",
        schema: outputSchema,
      },
    };
  }

  forward(args: Record<string, unknown>): unknown {
    return args.answer;
  }
}
