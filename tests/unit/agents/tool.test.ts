import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AgentToolCallError, AgentToolExecutionError } from "~/agents/errors";
import { parsePythonTool } from "~/agents/tools/python-source-tool";
import { defineTool, Tool, type ToolContext, type ToolInput, type ToolValueType } from "~/agents/tools/tool";

const context: ToolContext = {
  signal: new AbortController().signal,
  agentPath: ["a"],
  requestUserInput: async () => "",
  run: undefined,
};

describe("defineTool", () => {
  const weather = defineTool({
    name: "get_weather",
    description: "Weather for a city",
    inputs: z.object({
      city: z.string().describe("City name"),
      unit: z.enum(["c", "f"]).optional().describe("Unit"),
    }),
    outputType: "string",
    forward: ({ city, unit }) => `${city}: 20${unit ?? "c"}`,
  });

  it("derives inputs from zod and validates arguments, naming the bad one", async () => {
    expect(weather.inputs.city).toMatchObject({ type: "string", description: "City name" });
    expect(weather.inputs.unit).toMatchObject({ nullable: true, enum: ["c", "f"] });
    expect(await weather.call({ city: "Oslo" }, context)).toBe("Oslo: 20c");
    expect(await weather.call("Oslo", context)).toBe("Oslo: 20c");
    await expect(weather.call({ city: 3 }, context)).rejects.toThrow(/argument 'city'/);
    await expect(weather.call({ city: "Oslo", unit: "k" }, context)).rejects.toThrow(/argument 'unit'/);
    await expect(weather.call({}, context)).rejects.toBeInstanceOf(AgentToolCallError);
  });

  it("accepts JSON Schema inputs", async () => {
    const area = defineTool({
      name: "area",
      description: "Rectangle area",
      inputs: {
        type: "object",
        properties: {
          w: { type: "number", description: "width" },
          h: { type: "number", description: "height" },
        },
        required: ["w", "h"],
      },
      outputType: "number",
      forward: (args) => (args.w as number) * (args.h as number),
    });
    expect(await area.call({ w: 2, h: 3 }, context)).toBe(6);
    await expect(area.call({ w: 2 }, context)).rejects.toThrow(/argument 'h'/);
  });

  it("renders a Python signature and an OpenAI function definition", () => {
    expect(weather.toPythonSignature()).toContain(
      `def get_weather(city: str, unit: str | None = None) -> str:`,
    );
    expect(weather.toPythonSignature()).toContain("city: City name");
    expect(weather.toToolDefinition()).toEqual({
      name: "get_weather",
      description: "Weather for a city",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "City name" },
          unit: { type: ["string", "null"], description: "Unit", enum: ["c", "f"] },
        },
        required: ["city"],
      },
    });
  });

  it("wraps failures in AgentToolExecutionError and rejects bad names", async () => {
    const boom = defineTool({
      name: "boom",
      description: "fails",
      inputs: z.object({}),
      forward: () => {
        throw new Error("kaput");
      },
    });
    await expect(boom.call({}, context)).rejects.toBeInstanceOf(AgentToolExecutionError);
    await expect(boom.call({}, context)).rejects.toThrow(/kaput/);
    expect(() =>
      defineTool({ name: "not valid", description: "", inputs: z.object({}), forward: () => 1 }),
    ).toThrow(/identifier/);
  });
});

describe("class tools", () => {
  class Counter extends Tool {
    readonly name = "counter";
    readonly description = "Counts calls";
    readonly inputs: Record<string, ToolInput> = { step: { type: "integer", description: "increment" } };
    readonly outputType: ToolValueType = "integer";
    setups = 0;
    total = 0;
    override async setup() {
      this.setups++;
    }
    forward(args: Record<string, unknown>) {
      this.total += args.step as number;
      return this.total;
    }
  }

  it("runs setup() once before the first call, and checks integer types", async () => {
    const counter = new Counter();
    await Promise.all([counter.call({ step: 1 }, context), counter.call({ step: 2 }, context)]);
    expect(await counter.call({ step: 3 }, context)).toBe(6);
    expect(counter.setups).toBe(1);
    await expect(counter.call({ step: 1.5 }, context)).rejects.toThrow(
      /argument 'step' should be of type integer/,
    );
  });
});

describe("parsePythonTool", () => {
  it("reads inputs, types and docs from a typed Python function", () => {
    const parsed = parsePythonTool(
      "convert",
      `def convert(amount: float, currency: str = "EUR", rates: dict[str, float] | None = None) -> float:
    """Convert money.

    Args:
        amount: How much
        currency: Target currency
    """
    return amount`,
    );
    expect(parsed.inputs).toEqual({
      amount: { type: "number", description: "How much", nullable: undefined },
      currency: { type: "string", description: "Target currency", nullable: true },
      rates: { type: "object", description: "", nullable: true },
    });
    expect(parsed.outputType).toBe("number");
    expect(parsed.doc).toMatch(/^Convert money/);
  });
});
