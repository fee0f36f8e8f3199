import { describe, expect, it } from "vitest";
import { agentSpecSchema } from "~/graph/agent-spec";
import { closestKey } from "~/graph/strict-object";

const agent = {
  type: "code",
  name: "clerk",
  model: { provider: "replay", transcript: ["final_answer('x')"] },
};

const messages = (input: unknown) => {
  const parsed = agentSpecSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join("."), issue.message]);
};

describe("agent files are strict", () => {
  it("refuses smolagents' snake_case keys instead of running with defaults, naming the key meant", () => {
    expect(messages({ ...agent, max_steps: 3 })).toEqual([
      ["", "Unknown key 'max_steps' (did you mean 'maxSteps'?)"],
    ]);
    expect(messages({ ...agent, managedAgents: [{ ...agent, name: "b", planning_interval: 2 }] })).toEqual([
      ["managedAgents.0", "Unknown key 'planning_interval' (did you mean 'planningInterval'?)"],
    ]);
  });

  it("checks nested objects: models, tools and executors", () => {
    expect(messages({ ...agent, model: { ...agent.model, latency: 5 } })).toEqual([
      ["model", "Unknown key 'latency' (did you mean 'latencyMs'?)"],
    ]);
    expect(messages({ ...agent, executor: { kind: "pyodide", timeout: 5 } })).toEqual([
      ["executor", "Unknown key 'timeout'"],
    ]);
  });

  it("accepts a file with only known keys", () => {
    expect(messages({ ...agent, maxSteps: 3, managedAgents: [] })).toEqual([]);
  });
});

describe("closestKey", () => {
  const known = ["maxSteps", "planningInterval", "additionalAuthorizedImports", "tools"];
  it("maps snake_case, case slips and small typos; nothing when nothing is close", () => {
    expect(closestKey("max_steps", known)).toBe("maxSteps");
    expect(closestKey("MAXSTEPS", known)).toBe("maxSteps");
    expect(closestKey("tols", known)).toBe("tools");
    expect(closestKey("authorized_imports", known)).toBeUndefined();
    expect(closestKey("colour", known)).toBeUndefined();
  });
});
