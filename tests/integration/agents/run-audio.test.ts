import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "~/agents/build-agent";
import { createExecutor, PyodidePool } from "~/agents/executors";
import { type OpenAITestServer, startOpenAIServer } from "../../helpers/openai-server";

/**
 * How audio given with a run reaches `speech_to_text`: the worker passes a run's stored audio as the
 * extra value `audio` (a list of data URIs), a variable in a code agent's sandbox, and the agent
 * hands an item to the builtin tool, which sends it to an OpenAI-compatible transcription API.
 */

let pool: PyodidePool;
let openai: OpenAITestServer;
beforeAll(async () => {
  openai = await startOpenAIServer();
  pool = new PyodidePool({ size: 1 });
  await pool.warm(1);
});
afterAll(async () => {
  await openai.close();
  await pool.close();
});

describe("audio given with a run", () => {
  it("reaches speech_to_text as the extra value `audio`", async () => {
    openai.transcription = "meet me at noon";
    const port = new URL(openai.url).port;
    const agent = await buildAgent(
      {
        type: "code",
        name: "listener",
        model: {
          provider: "replay",
          transcript: [
            "Thought: transcribe it\n<code>\nfinal_answer(speech_to_text(audio=audio[0]))\n</code>",
          ],
        },
        tools: [
          {
            kind: "builtin",
            name: "speech_to_text",
            config: { baseUrl: openai.url, apiKeySecret: "WHISPER_KEY", model: "whisper-test" },
          },
        ],
      },
      {
        resolveSecret: async (name) => (name === "WHISPER_KEY" ? { value: "sk-whisper" } : undefined),
        createExecutor: (spec, options) => createExecutor(spec, { ...options, pyodidePool: pool }),
        outbound: { allow: [`127.0.0.1:${port}`] },
      },
    );
    try {
      const wav = `data:audio/wav;base64,${Buffer.from("RIFF a short recording").toString("base64")}`;
      const result = await agent.run("What does the recording say?", {
        returnFullResult: true,
        additionalArgs: { audio: [wav] },
      });
      expect(result.state).toBe("success");
      expect(result.output).toBe("meet me at noon");
      const request = openai.requests.at(-1)!;
      expect(request.path).toBe("/v1/audio/transcriptions");
      expect(request.rawBody).toContain("RIFF a short recording");
    } finally {
      await agent.close();
    }
  });
});
