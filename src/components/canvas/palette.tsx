"use client";

import { Bot, Box, BrainCircuit, Code, Globe, Library, Plug, ShieldAlert, Wrench } from "lucide-react";
import type { DragEvent, ReactNode } from "react";
import { builtinToolNames, type LibraryAgentPaletteItem, type PaletteItem } from "~/graph";

/** The drag payload type of palette items. */
export const paletteMime = "application/x-troupe-palette";

interface Entry {
  item: PaletteItem;
  label: string;
  hint: string;
  icon: ReactNode;
}

const builtinHints: Record<(typeof builtinToolNames)[number], string> = {
  final_answer: "Ends the run with an answer",
  web_search: "Searches the web",
  visit_webpage: "Reads a page as Markdown",
  python_interpreter: "Runs Python (ToolCallingAgent)",
  user_input: "Asks the user a question",
  speech_to_text: "Transcribes audio",
};

/** A team library item offered in the palette, at the version a new node pins. */
export type LibraryPaletteItem =
  | { kind: "tool"; itemId: string; version: number; name: string }
  | ({ kind: "agent" } & Omit<LibraryAgentPaletteItem, "id" | "type">);

function libraryEntry(l: LibraryPaletteItem): Entry {
  if (l.kind === "agent") {
    const { kind: _, ...agent } = l;
    return {
      item: { ...agent, id: `library-${l.itemId}`, type: "agent" },
      label: l.name,
      hint: `Shared agent, v${l.version}`,
      icon: <Bot />,
    };
  }
  return {
    item: { id: `library-${l.itemId}`, type: "tool", itemId: l.itemId, version: l.version, name: l.name },
    label: l.name,
    hint: `Shared tool, v${l.version}`,
    icon: <Library />,
  };
}

function groups(library: readonly LibraryPaletteItem[]): { title: string; entries: Entry[] }[] {
  return [
    {
      title: "Agents",
      entries: [
        {
          item: { id: "code-agent", type: "agent" },
          label: "CodeAgent",
          hint: "Acts by writing Python",
          icon: <Bot />,
        },
        {
          item: { id: "tool-calling-agent", type: "agent" },
          label: "ToolCallingAgent",
          hint: "Acts with JSON tool calls",
          icon: <Bot />,
        },
      ],
    },
    {
      title: "Models",
      entries: [
        {
          item: { id: "openai-model", type: "model" },
          label: "OpenAI-compatible",
          hint: "OpenAI, Ollama, vLLM, Groq…",
          icon: <BrainCircuit />,
        },
        {
          item: { id: "hf-model", type: "model" },
          label: "Hugging Face",
          hint: "Inference providers",
          icon: <BrainCircuit />,
        },
      ],
    },
    {
      title: "Tools",
      entries: [
        ...builtinToolNames.map((name) => ({
          item: { id: `builtin-${name}` as const, type: "tool" as const },
          label: name,
          hint: builtinHints[name],
          icon: <Wrench />,
        })),
        {
          item: { id: "python-tool", type: "tool" },
          label: "Python tool",
          hint: "Your own function",
          icon: <Code />,
        },
        {
          item: { id: "http-tool", type: "tool" },
          label: "HTTP tool",
          hint: "Calls an HTTP API",
          icon: <Globe />,
        },
        {
          item: { id: "mcp-server", type: "mcp" },
          label: "MCP server",
          hint: "Tools of an MCP server",
          icon: <Plug />,
        },
      ],
    },
    {
      title: "Library",
      entries: library.map(libraryEntry),
    },
    {
      title: "Sandboxes",
      entries: [
        {
          item: { id: "pyodide-sandbox", type: "sandbox" },
          label: "Pyodide",
          hint: "Default: WebAssembly, no network",
          icon: <Box />,
        },
        {
          item: { id: "docker-sandbox", type: "sandbox" },
          label: "Docker",
          hint: "Container with limits",
          icon: <Box />,
        },
        {
          item: { id: "local-sandbox", type: "sandbox" },
          label: "Local (unsafe)",
          hint: "No isolation",
          icon: <ShieldAlert />,
        },
      ],
    },
  ];
}

/** The palette: drag an item onto the canvas, or click it to drop it in the middle. */
export function Palette({
  library = [],
  onAdd,
  disabled = false,
}: {
  library?: readonly LibraryPaletteItem[];
  onAdd: (item: PaletteItem) => void;
  disabled?: boolean;
}) {
  const onDragStart = (event: DragEvent, item: PaletteItem) => {
    event.dataTransfer.setData(paletteMime, JSON.stringify(item));
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <nav
      aria-label="Palette"
      className="flex h-full w-48 shrink-0 flex-col overflow-y-auto border-r border-border bg-subtle p-2"
    >
      {groups(library).map((group) => (
        <section key={group.title} className="mb-4">
          <h2 className="mb-1.5 text-xs font-semibold tracking-wide text-muted-foreground uppercase">
            {group.title}
          </h2>
          {group.entries.length === 0 ? (
            <p className="px-1 text-xs text-muted-foreground">Nothing shared yet.</p>
          ) : (
            <ul className="space-y-1">
              {group.entries.map((entry) => (
                <li key={entry.item.id}>
                  <button
                    type="button"
                    draggable={!disabled}
                    disabled={disabled}
                    data-testid={`palette-${entry.item.id}`}
                    onDragStart={(e) => onDragStart(e, entry.item)}
                    onClick={() => onAdd(entry.item)}
                    title={`${entry.hint}. Drag onto the canvas or click to add.`}
                    className="flex w-full cursor-grab items-center gap-2 rounded-md border border-border bg-background px-2 py-1.5 text-left text-sm shadow-card hover:border-primary/50 active:cursor-grabbing disabled:cursor-not-allowed disabled:opacity-50 [&_svg]:size-4 [&_svg]:shrink-0 [&_svg]:text-muted-foreground"
                  >
                    {entry.icon}
                    <span className="min-w-0">
                      <span className="block truncate font-medium">{entry.label}</span>
                      <span className="block truncate text-xs text-muted-foreground">{entry.hint}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </nav>
  );
}

/** Parse a palette drag payload; undefined when the drop came from elsewhere. */
export function readPaletteDrop(event: DragEvent): PaletteItem | undefined {
  const raw = event.dataTransfer.getData(paletteMime);
  if (!raw) return undefined;
  try {
    const item = JSON.parse(raw) as PaletteItem;
    return typeof item?.id === "string" && typeof item?.type === "string" ? item : undefined;
  } catch {
    return undefined;
  }
}
