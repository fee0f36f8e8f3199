/**
 * The part of the runs bench that stands for the world outside Troupe — the model provider (a
 * scripted OpenAI-compatible server answering in MODEL_MS) and the HTTP tool's server — in a
 * process of its own, as it would be on other machines, so that serving 100 streaming model
 * calls does not hold up the Socket.IO server the bench measures. Prints its URLs as one JSON
 * line, then serves until killed.
 */
import { scriptLookupClerk, startLookupToolServer } from "../../tests/helpers/lookup-clerk";
import { startOpenAIServer } from "../../tests/helpers/openai-server";

const openai = await startOpenAIServer();
scriptLookupClerk(openai, Number(process.env.MODEL_MS ?? 200));
const tool = await startLookupToolServer();
console.log(JSON.stringify({ openaiUrl: openai.url, toolUrl: tool.url }));
