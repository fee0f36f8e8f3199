import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tool";

/** `user_input(question)`: emits a `user_input_request` event and waits for the reply. */
export class UserInputTool extends Tool {
  readonly name = "user_input";
  readonly description = "Asks for user's input on a specific question";
  readonly inputs: Record<string, ToolInput> = {
    question: { type: "string", description: "The question to ask the user" },
  };
  readonly outputType: ToolValueType = "string";

  forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    return context.requestUserInput(String(args.question));
  }
}
