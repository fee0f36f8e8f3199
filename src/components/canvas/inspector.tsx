"use client";

import { CircleAlert, Trash2, TriangleAlert } from "lucide-react";
import { useMemo } from "react";
import type { z } from "zod";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import {
  agentNodeDataSchema,
  defaultNodeData,
  type GraphIssue,
  mcpNodeDataSchema,
  modelNodeDataSchema,
  sandboxNodeDataSchema,
  type TeamSecretBinding,
  toolNodeDataSchema,
  type WorkflowNode,
} from "~/graph";
import { useCanvas, useCanvasStore } from "./canvas-store-context";
import { FinalAnswerChecksEditor } from "./final-answer-checks-editor";
import { HttpAuthFields } from "./http-auth-fields";
import { LibraryAgentDetails, ShareAgentToLibrary } from "./library-agent-panels";
import { LibraryToolDetails, ShareToLibrary } from "./library-panels";
import { useCanvasMcp } from "./mcp-context";
import { McpToolsPanel } from "./mcp-tools-panel";
import { useNodeIssues } from "./nodes/node-shell";
import { PromptTemplatesSection } from "./prompt-templates-section";
import { SchemaForm, type SecretChoice } from "./schema-form";
import { SmolagentsExport } from "./smolagents-export";

const noIssues: GraphIssue[] = [];

/** A node's kind and data, still correlated (distributes over the node union). */
type KindAndData = WorkflowNode extends infer N
  ? N extends WorkflowNode
    ? Pick<N, "type" | "data">
    : never
  : never;

/** The zod object schema of a node's data (the variant, for discriminated unions). */
function dataSchemaOf(node: KindAndData): z.ZodObject {
  switch (node.type) {
    case "agent":
      return agentNodeDataSchema;
    case "mcp":
      return mcpNodeDataSchema;
    case "sandbox":
      return sandboxNodeDataSchema;
    case "model":
      return modelNodeDataSchema.options.find((o) => o.shape.provider.value === node.data.provider)!;
    case "tool":
      return toolNodeDataSchema.options.find((o) => o.shape.kind.value === node.data.kind)!;
  }
}

/** One selected node's id, "many", or null — a primitive, so the inspector ignores drags. */
function selectionKey(nodes: readonly { id: string; selected?: boolean }[]): string | null {
  let id: string | null = null;
  let count = 0;
  for (const n of nodes) {
    if (n.selected) {
      count++;
      id = n.id;
    }
  }
  return count === 0 ? null : count === 1 ? id : `many:${count}`;
}

/** The right-hand panel: a form for the selected node, or the workflow's problems. */
export function Inspector({ readOnly = false }: { readOnly?: boolean }) {
  const key = useCanvas((s) => selectionKey(s.nodes));
  const selectedEdges = useCanvas((s) => s.edges.reduce((n, e) => n + (e.selected ? 1 : 0), 0));
  const store = useCanvasStore();
  return (
    <aside
      aria-label="Inspector"
      data-testid="inspector"
      className="flex h-full w-72 shrink-0 flex-col overflow-y-auto border-l border-border bg-background"
    >
      {key === null ? (
        selectedEdges > 0 ? (
          <div className="space-y-3 p-4 text-sm">
            <p>
              {selectedEdges} connection{selectedEdges === 1 ? "" : "s"} selected.
            </p>
            <Button
              variant="secondary"
              size="sm"
              disabled={readOnly}
              onClick={() => store.getState().deleteSelection()}
            >
              <Trash2 /> Delete
            </Button>
          </div>
        ) : (
          <WorkflowIssues />
        )
      ) : key.startsWith("many:") ? (
        <div className="space-y-3 p-4 text-sm">
          <p>{key.slice(5)} items selected.</p>
          <Button
            variant="secondary"
            size="sm"
            disabled={readOnly}
            onClick={() => store.getState().deleteSelection()}
          >
            <Trash2 /> Delete selection
          </Button>
        </div>
      ) : (
        <NodeInspector id={key} readOnly={readOnly} />
      )}
    </aside>
  );
}

const titles: Record<WorkflowNode["type"], string> = {
  agent: "Agent",
  model: "Model",
  tool: "Tool",
  mcp: "MCP server",
  sandbox: "Sandbox",
};

/** The secrets a node may pick: the team's own first, then installation keys a team secret does not shadow. */
function secretChoices(
  installation: readonly string[] | undefined,
  team: readonly TeamSecretBinding[] | undefined,
): SecretChoice[] | undefined {
  if (!installation && !team) return undefined;
  const own = new Set((team ?? []).map((secret) => secret.name));
  return [
    ...(team ?? []).map((secret) => ({ name: secret.name, source: "team" as const })),
    ...(installation ?? [])
      .filter((name) => !own.has(name))
      .map((name) => ({ name, source: "installation" as const })),
  ];
}

function NodeInspector({ id, readOnly }: { id: string; readOnly: boolean }) {
  const store = useCanvasStore();
  const type = useCanvas((s) => s.nodes.find((n) => n.id === id)?.type);
  const data = useCanvas((s) => s.nodes.find((n) => n.id === id)?.data);
  const knownSecrets = useCanvas((s) => s.knownSecrets);
  const teamSecrets = useCanvas((s) => s.teamSecrets);
  const secrets = useMemo(() => secretChoices(knownSecrets, teamSecrets), [knownSecrets, teamSecrets]);
  const issues = useNodeIssues(id);
  const { canConfigureCommands } = useCanvasMcp();
  if (!type || !data) return null;
  const node = { type, data } as KindAndData;
  const update = (patch: Record<string, unknown>) => store.getState().updateNodeData(id, patch);
  const nodeLevel = issues.filter((i) => i.path.length <= 2 || i.path[3] === undefined);
  return (
    <div className="p-4" data-testid="node-inspector" data-node-type={type}>
      <div className="mb-3 flex items-center justify-between">
        <h2 className="text-sm font-semibold">{titles[type]}</h2>
        <Button
          variant="ghost"
          size="icon"
          aria-label="Delete node"
          disabled={readOnly}
          onClick={() => store.getState().deleteSelection()}
        >
          <Trash2 />
        </Button>
      </div>
      {nodeLevel.length > 0 ? <IssueList issues={nodeLevel} /> : null}
      {node.type === "model" ? (
        <div className="mb-3">
          <label className="mb-1 block text-xs font-medium" htmlFor={`${id}-provider`}>
            Provider
          </label>
          <select
            id={`${id}-provider`}
            data-testid="field-provider"
            disabled={readOnly}
            className="w-full rounded-md border border-input bg-background px-2 py-1 text-sm"
            value={node.data.provider}
            onChange={(e) => {
              const provider = e.target.value;
              const fresh =
                provider === "replay"
                  ? { provider: "replay" as const, model: "replay", transcript: [] }
                  : defaultNodeData({ id: provider === "hf" ? "hf-model" : "openai-model", type: "model" });
              store.getState().replaceNodeData(id, fresh);
            }}
          >
            <option value="openai">OpenAI-compatible</option>
            <option value="hf">Hugging Face</option>
            <option value="replay">Replay (recorded answers)</option>
          </select>
        </div>
      ) : null}
      {node.type === "mcp" ? (
        <p className="mb-3 text-xs text-muted-foreground">
          {node.data.transport === "stdio"
            ? `Starts a program on the server (from the operator's list) and talks to it over stdin/stdout. ${canConfigureCommands ? "Only team admins change what it runs." : "Only team admins change what it runs: a save that does is refused."}`
            : "Connects to the server over HTTP (Streamable HTTP, or the older SSE protocol). Private addresses need the operator's OUTBOUND_ALLOW."}
        </p>
      ) : null}
      {node.type === "tool" ? (
        <p className="mb-3 text-xs text-muted-foreground">
          {node.data.kind === "builtin"
            ? "A base tool of the engine."
            : node.data.kind === "library"
              ? "A shared tool from the team library, pinned to a version."
              : node.data.kind === "python"
                ? "A Python function with type hints and a docstring; it runs in the agent's sandbox."
                : "Calls an HTTP API; inputs fill {placeholders} in the URL, or go where “Where inputs go” says."}
        </p>
      ) : null}
      {node.type === "tool" && node.data.kind === "library" ? (
        <LibraryToolDetails
          id={id}
          itemId={node.data.itemId}
          version={node.data.version}
          readOnly={readOnly}
        />
      ) : node.type === "agent" && node.data.library ? (
        <LibraryAgentDetails
          id={id}
          itemId={node.data.library.itemId}
          version={node.data.library.version}
          readOnly={readOnly}
        />
      ) : (
        <SchemaForm
          key={id}
          schema={dataSchemaOf(node)}
          value={data as Record<string, unknown>}
          onChange={update}
          issues={issues}
          hidden={
            node.type === "model"
              ? ["provider"]
              : node.type === "tool"
                ? node.data.kind === "http"
                  ? ["kind", "auth"]
                  : ["kind"]
                : node.type === "agent"
                  ? ["library", "finalAnswerChecks", "promptTemplates"]
                  : node.type === "mcp"
                    ? mcpHiddenFields(node.data.transport)
                    : []
          }
          codeFields={{ instructions: "text", source: "python" }}
          readOnly={readOnly}
          secretNames={secrets}
        />
      )}
      {node.type === "agent" && !node.data.library ? (
        <FinalAnswerChecksEditor
          checks={node.data.finalAnswerChecks ?? []}
          issues={issues}
          readOnly={readOnly}
          onChange={(finalAnswerChecks) => update({ finalAnswerChecks })}
        />
      ) : null}
      {node.type === "mcp" ? <McpToolsPanel id={id} data={node.data} readOnly={readOnly} /> : null}
      {node.type === "tool" && node.data.kind === "http" ? (
        <HttpAuthFields
          id={id}
          auth={node.data.auth}
          onChange={(auth) => update({ auth })}
          issues={issues}
          readOnly={readOnly}
          secretNames={secrets ?? []}
        />
      ) : null}
      {node.type === "tool" && (node.data.kind === "python" || node.data.kind === "http") ? (
        <ShareToLibrary data={node.data} readOnly={readOnly} />
      ) : null}
      {node.type === "agent" && !node.data.library ? (
        <PromptTemplatesSection
          agentType={node.data.agentType}
          value={node.data.promptTemplates}
          issues={issues}
          readOnly={readOnly}
          onChange={(promptTemplates) => update({ promptTemplates })}
        />
      ) : null}
      {node.type === "agent" && !node.data.library ? (
        <ShareAgentToLibrary id={id} name={node.data.name} readOnly={readOnly} />
      ) : null}
      {node.type === "agent" ? <SmolagentsExport id={id} /> : null}
    </div>
  );
}

/** The MCP fields another transport uses, and those the tools panel draws. */
function mcpHiddenFields(transport: "http" | "sse" | "stdio"): string[] {
  const drawn = ["tools", "discoveredTools"];
  return transport === "stdio"
    ? [...drawn, "url", "secretHeaders"]
    : [...drawn, "command", "args", "envSecrets"];
}

function IssueList({
  issues,
  onPick,
}: {
  issues: readonly GraphIssue[];
  onPick?: (issue: GraphIssue) => void;
}) {
  return (
    <ul className="mb-3 space-y-1" data-testid="issue-list">
      {issues.map((issue) => (
        <li key={`${issue.code}-${issue.nodeId}-${issue.edgeId}-${issue.path.join(".")}-${issue.message}`}>
          <button
            type="button"
            disabled={!onPick}
            onClick={() => onPick?.(issue)}
            className={cn(
              "flex w-full items-start gap-1.5 rounded-md px-2 py-1 text-left text-xs [&_svg]:mt-0.5 [&_svg]:size-3.5 [&_svg]:shrink-0",
              issue.severity === "warning" ? "bg-amber-50 text-amber-800" : "bg-red-50 text-red-800",
              onPick && "hover:underline",
            )}
          >
            {issue.severity === "warning" ? <TriangleAlert /> : <CircleAlert />}
            {issue.message}
          </button>
        </li>
      ))}
    </ul>
  );
}

function WorkflowIssues() {
  const issues = useCanvas((s) => s.issues) ?? noIssues;
  const store = useCanvasStore();
  const errors = issues.filter((i) => i.severity !== "warning").length;
  return (
    <div className="p-4">
      <h2 className="mb-1 text-sm font-semibold">Workflow</h2>
      <p className="mb-3 text-xs text-muted-foreground" data-testid="issue-summary">
        {issues.length === 0
          ? "No problems found. Select a node to edit it."
          : `${errors} problem${errors === 1 ? "" : "s"} to fix before running${
              issues.length > errors
                ? `, ${issues.length - errors} warning${issues.length - errors === 1 ? "" : "s"}`
                : ""
            }. Click one to select its node.`}
      </p>
      <IssueList
        issues={issues}
        onPick={(issue) => {
          if (issue.nodeId) store.getState().selectOnly([issue.nodeId]);
        }}
      />
    </div>
  );
}
