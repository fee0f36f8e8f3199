import OpenAI, { toFile } from "openai";
import { openaiDefaultBaseUrl } from "~/graph/key-binding";
import { defaultOutboundGuard, findOutboundError } from "../net/guarded-fetch";
import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tool";

export interface SpeechToTextOptions {
  /** The key the tool's own secret holds; never an installation key. */
  apiKey?: string;
  /** OpenAI-compatible API; default the OpenAI API. */
  baseUrl?: string;
  /** Transcription model, e.g. "whisper-1". */
  model?: string;
  /** For the transcription API. Default: the guarded fetch with no exceptions. */
  fetch?: typeof globalThis.fetch;
  /** For downloading http(s) audio. Default: the guarded fetch with no exceptions, 25 MB. */
  downloadFetch?: typeof globalThis.fetch;
}

/** `speech_to_text(audio)`: transcribe audio (a data: URL or http(s) URL) through an OpenAI-compatible API. */
export class SpeechToTextTool extends Tool {
  readonly name = "speech_to_text";
  readonly description =
    "Transcribes an audio recording into text. The audio is a data: URL or an http(s) URL.";
  readonly inputs: Record<string, ToolInput> = {
    audio: { type: "audio", description: "The audio to transcribe (data: URL or http(s) URL)." },
  };
  readonly outputType: ToolValueType = "string";
  private client: OpenAI | undefined;

  constructor(private readonly options: SpeechToTextOptions = {}) {
    super();
  }

  override setup(): void {
    this.client = new OpenAI({
      apiKey: this.options.apiKey ?? "not-needed",
      // Explicit, so the SDK reads nothing (base URL, organization, project) from the environment.
      baseURL: this.options.baseUrl ?? openaiDefaultBaseUrl,
      organization: null,
      project: null,
      fetch: this.options.fetch ?? defaultOutboundGuard().fetch(),
      maxRetries: 2,
    });
  }

  async forward(args: Record<string, unknown>, context: ToolContext): Promise<string> {
    const source = String(args.audio);
    let bytes: Buffer;
    let name = "audio.wav";
    const dataUrl = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(source);
    if (dataUrl) {
      bytes = dataUrl[2]
        ? Buffer.from(dataUrl[3] ?? "", "base64")
        : Buffer.from(decodeURIComponent(dataUrl[3] ?? ""));
      const subtype = dataUrl[1]?.split("/")[1];
      if (subtype) name = `audio.${subtype}`;
    } else if (/^https?:\/\//.test(source)) {
      const download =
        this.options.downloadFetch ?? defaultOutboundGuard().fetch({ maxResponseBytes: 25 * 1024 * 1024 });
      const response = await download(source, { signal: context.signal });
      if (!response.ok) throw new Error(`could not download audio: HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
      name = new URL(source).pathname.split("/").pop() || name;
    } else {
      throw new Error("audio must be a data: URL or an http(s) URL");
    }
    try {
      const result = await this.client!.audio.transcriptions.create(
        { file: await toFile(bytes, name), model: this.options.model ?? "whisper-1" },
        { signal: context.signal },
      );
      return result.text;
    } catch (error) {
      // The SDK reports a refused request as "Connection error."; the model reads the refusal.
      throw findOutboundError(error) ?? error;
    }
  }
}
