import OpenAI, { toFile } from "openai";
import { Tool, type ToolContext, type ToolInput, type ToolValueType } from "./tool";

export interface SpeechToTextOptions {
  apiKey?: string;
  baseUrl?: string;
  /** Transcription model, e.g. "whisper-1". */
  model?: string;
  fetch?: typeof globalThis.fetch;
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
      baseURL: this.options.baseUrl,
      fetch: this.options.fetch,
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
      const response = await (this.options.fetch ?? fetch)(source, { signal: context.signal });
      if (!response.ok) throw new Error(`could not download audio: HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
      name = new URL(source).pathname.split("/").pop() || name;
    } else {
      throw new Error("audio must be a data: URL or an http(s) URL");
    }
    const result = await this.client!.audio.transcriptions.create(
      { file: await toFile(bytes, name), model: this.options.model ?? "whisper-1" },
      { signal: context.signal },
    );
    return result.text;
  }
}
