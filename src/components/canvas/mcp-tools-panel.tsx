"use client";

import { RefreshCw } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import type { McpNodeData } from "~/graph";
import { useCanvasStore } from "./canvas-store-context";
import { useCanvasMcp } from "./mcp-context";

/**
 * An MCP node's tools: "Refresh tools" asks the server (through the server, never from the
 * browser) and keeps what it offered on the node; a checkbox per tool chooses what the agent gets.
 * Chosen tools the server no longer lists stay visible, marked, so they can be unchecked.
 */
export function McpToolsPanel({ id, data, readOnly }: { id: string; data: McpNodeData; readOnly: boolean }) {
  const store = useCanvasStore();
  const { discoverTools, canConfigureCommands } = useCanvasMcp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const offered = data.discoveredTools ?? [];
  const chosen = new Set(data.tools ?? []);
  const missing = [...chosen].filter((name) => !offered.some((tool) => tool.name === name));
  const stdioLocked = data.transport === "stdio" && !canConfigureCommands;

  const refresh = async () => {
    if (!discoverTools) return;
    setBusy(true);
    setError(null);
    try {
      const tools = await discoverTools(data);
      store.getState().updateNodeData(id, { discoveredTools: tools });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (name: string, on: boolean) => {
    const next = on ? [...(data.tools ?? []), name] : (data.tools ?? []).filter((tool) => tool !== name);
    store.getState().updateNodeData(id, { tools: next });
  };

  return (
    <section className="mt-4 space-y-2 border-t border-border pt-3" data-testid="mcp-tools">
      <div className="flex items-center justify-between">
        <h3 className="text-xs font-medium">Tools</h3>
        <Button
          variant="secondary"
          size="sm"
          data-testid="mcp-refresh-tools"
          disabled={readOnly || busy || !discoverTools || stdioLocked}
          onClick={refresh}
        >
          <RefreshCw className={busy ? "animate-spin" : undefined} /> {busy ? "Asking…" : "Refresh tools"}
        </Button>
      </div>
      {stdioLocked ? (
        <p className="text-xs text-muted-foreground">
          A stdio server starts a program on the server: only team admins configure it or refresh its tools.
        </p>
      ) : null}
      {error ? (
        <p
          role="alert"
          data-testid="mcp-tools-error"
          className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-800"
        >
          {error}
        </p>
      ) : null}
      {offered.length === 0 && missing.length === 0 ? (
        <p className="text-xs text-muted-foreground">No tools listed yet: Refresh tools asks the server.</p>
      ) : (
        <ul className="space-y-1">
          {offered.map((tool) => (
            <li key={tool.name}>
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-1"
                  data-testid={`mcp-tool-${tool.name}`}
                  checked={chosen.has(tool.name)}
                  disabled={readOnly}
                  onChange={(e) => toggle(tool.name, e.target.checked)}
                />
                <span>
                  <span className="font-mono text-xs">{tool.name}</span>
                  {tool.description ? (
                    <span className="block text-xs text-muted-foreground">{tool.description}</span>
                  ) : null}
                </span>
              </label>
            </li>
          ))}
          {missing.map((name) => (
            <li key={name}>
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-1"
                  checked
                  disabled={readOnly}
                  onChange={() => toggle(name, false)}
                />
                <span>
                  <span className="font-mono text-xs">{name}</span>
                  <span className="block text-xs text-amber-700">Not in the server's last list</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
