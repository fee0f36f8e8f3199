"use client";

import { Check, ChevronRight, GitFork, Library, Share2 } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import {
  type AgentNodeData,
  type AgentSpec,
  agentSecretNames,
  type LibraryAgentGraph,
  libraryAgentNodeData,
  type WorkflowNode,
} from "~/graph";
import { useCanvas, useCanvasStore } from "./canvas-store-context";
import { type SharedVersion, useCanvasLibrary } from "./library-context";
import { LibraryVersionPicker, SharedBy } from "./library-version-picker";

/**
 * The inspector's team-library panels for agents: "Share to team library" under an agent (with
 * its model, tools and managed agents), and the details of a library agent node (pinned version,
 * upgrade, a read-only view of what it contains, fork into editable nodes).
 */

/** What a share answered, in words. */
export function SharedResult({ result }: { result: SharedVersion | { error: string } | null }) {
  if (!result) return null;
  if ("error" in result) {
    return (
      <p role="alert" data-testid="share-error" className="text-xs text-destructive">
        {result.error}
      </p>
    );
  }
  return (
    <p
      role="status"
      data-testid="share-result"
      className="flex items-center gap-1 text-xs text-emerald-700 [&_svg]:size-3.5"
    >
      <Check />
      {result.unchanged ? `Unchanged: still version ${result.version}` : `Shared as v${result.version}`}
    </p>
  );
}

/**
 * The share form under a tool or an agent: a changelog message, the share button, and what the share
 * answered. The answer belongs to what was shared: a change of `resetKey` clears it.
 */
export function ShareForm({
  testIds,
  intro,
  existing,
  buttonLabel,
  title,
  blocked,
  resetKey,
  share,
}: {
  testIds: { form: string; message: string; button: string };
  /** What sharing does, for an item the library does not have yet. */
  intro: string;
  existing: { name: string; latestVersion: number } | undefined;
  buttonLabel: string;
  title?: string;
  /** Why it cannot be shared yet; the button is disabled and this is shown. */
  blocked?: string;
  resetKey: unknown;
  share: (message: string) => Promise<SharedVersion>;
}) {
  const [message, setMessage] = useState("");
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<SharedVersion | { error: string } | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on any change of what is shared
  useEffect(() => setResult(null), [resetKey]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (blocked) return;
    setPending(true);
    try {
      setResult(await share(message));
      setMessage("");
    } catch (error) {
      setResult({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      onSubmit={(e) => void onSubmit(e)}
      data-testid={testIds.form}
      className="mt-4 space-y-2 border-t border-border pt-4"
    >
      <h3 className="flex items-center gap-1.5 text-xs font-semibold [&_svg]:size-3.5">
        <Library /> Team library
      </h3>
      <p className="text-xs text-muted-foreground">
        {existing
          ? `Sharing a changed "${existing.name}" adds version ${existing.latestVersion + 1} for the whole team.`
          : intro}
      </p>
      <Input
        aria-label="Share message"
        data-testid={testIds.message}
        placeholder={existing ? "What changed?" : "What it is for (optional)"}
        maxLength={500}
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        className="h-8 text-xs"
      />
      <Button
        type="submit"
        size="sm"
        variant="secondary"
        disabled={pending || blocked !== undefined}
        data-testid={testIds.button}
        title={blocked ?? title}
      >
        <Share2 /> {pending ? "Sharing…" : buttonLabel}
      </Button>
      {blocked ? (
        <p className="text-xs text-muted-foreground" data-testid="share-blocked">
          Before sharing: {blocked}.
        </p>
      ) : null}
      <SharedResult result={result} />
    </form>
  );
}

/** Share an agent node and what it reaches to the team library (editors and up; nothing for others). */
export function ShareAgentToLibrary({ id, name, readOnly }: { id: string; name: string; readOnly: boolean }) {
  const library = useCanvasLibrary();
  // A result belongs to the graph it was shared from: any edit makes it stale.
  const changeCount = useCanvas((s) => s.changeCount);
  if (readOnly || !library.canShare || !library.shareAgent) return null;
  const shareAgent = library.shareAgent;
  return (
    <ShareForm
      testIds={{
        form: "share-agent-to-library",
        message: "share-agent-message",
        button: "share-agent-button",
      }}
      intro="Share this agent, with its model, tools and managed agents, so every workflow of the team can use it."
      existing={library.items.find((i) => i.name === name)}
      buttonLabel="Share to library"
      resetKey={changeCount}
      share={(message) => shareAgent(id, message)}
    />
  );
}

/**
 * Keeps a library agent node's shown type, description and steps in line with its pinned version's
 * spec once the canvas has it (a version pinned before its definition was fetched).
 */
function useLibraryAgentSummary(id: string, spec: AgentSpec | undefined, readOnly: boolean): void {
  const store = useCanvasStore();
  useEffect(() => {
    if (readOnly || !spec) return;
    const data = store.getState().nodes.find((n) => n.id === id)?.data as Partial<AgentNodeData> | undefined;
    if (!data) return;
    if (
      data.agentType !== spec.type ||
      data.description !== spec.description ||
      data.maxSteps !== spec.maxSteps
    ) {
      store
        .getState()
        .updateNodeData(id, { agentType: spec.type, description: spec.description, maxSteps: spec.maxSteps });
    }
  }, [id, spec, readOnly, store]);
}

/** A library agent node: its item, the pinned version with a switch and an upgrade, what it contains, fork. */
export function LibraryAgentDetails({
  id,
  itemId,
  version,
  readOnly,
}: {
  id: string;
  itemId: string;
  version: number;
  readOnly: boolean;
}) {
  const store = useCanvasStore();
  const item = useCanvasLibrary().items.find((i) => i.id === itemId);
  const [expanded, setExpanded] = useState(false);
  useLibraryAgentSummary(id, item?.versions.find((v) => v.version === version)?.agent?.spec, readOnly);
  if (!item) {
    return (
      <p className="text-xs text-muted-foreground" data-testid="library-item-missing">
        This agent is not in the team library (it was removed, or belongs to another team). Replace it with an
        agent from the palette.
      </p>
    );
  }
  const pinned = item.versions.find((v) => v.version === version);
  const pin = (next: number) => {
    const spec = item.versions.find((v) => v.version === next)?.agent?.spec;
    // An older version's spec is fetched once pinned (`library.version`); the node's type,
    // description and steps follow it when it arrives (see `useLibraryAgentSummary`).
    if (!spec) {
      store.getState().updateNodeData(id, { library: { itemId, version: next }, name: item.name });
      return;
    }
    store.getState().replaceNodeData(
      id,
      libraryAgentNodeData({
        itemId,
        version: next,
        name: item.name,
        agentType: spec.type,
        description: spec.description,
        maxSteps: spec.maxSteps,
      }),
    );
  };
  return (
    <div className="space-y-3 text-sm" data-testid="library-agent-details">
      <p className="text-xs text-muted-foreground">
        A shared agent from the team library, pinned to a version: it runs as shared, with its own model,
        tools and managed agents. Fork it to change them.
      </p>
      <LibraryVersionPicker id={id} item={item} version={version} readOnly={readOnly} onPin={pin} />
      {pinned?.agent ? (
        <>
          <SharedBy version={pinned} />
          {agentSecretNames(pinned.agent.spec).length > 0 ? (
            <p className="text-xs text-muted-foreground">
              Reads the secrets {agentSecretNames(pinned.agent.spec).join(", ")}
            </p>
          ) : null}
          <Button
            size="sm"
            variant="ghost"
            className="h-7 px-1 text-xs"
            aria-expanded={expanded}
            data-testid="library-agent-expand"
            onClick={() => setExpanded(!expanded)}
          >
            <ChevronRight className={expanded ? "rotate-90 transition-transform" : "transition-transform"} />
            What it contains
          </Button>
          {expanded ? <SubgraphView graph={pinned.agent.graph} /> : null}
          {readOnly ? null : (
            <Button
              size="sm"
              variant="secondary"
              data-testid="library-fork"
              title="Replace this node by an editable copy of its model, tools and managed agents"
              onClick={() => pinned.agent && store.getState().forkLibraryAgent(id, pinned.agent.graph)}
            >
              <GitFork /> Fork into editable nodes
            </Button>
          )}
        </>
      ) : null}
    </div>
  );
}

const edgeWords = {
  "uses-model": "model",
  "uses-tool": "tool",
  manages: "manages",
  "runs-in": "sandbox",
} as const;

function label(node: WorkflowNode): string {
  switch (node.type) {
    case "model":
      return `${node.data.provider} ${node.data.model}`;
    case "sandbox":
      return node.data.kind;
    case "tool":
      return `${node.data.name} (${node.data.kind})`;
    default:
      return node.data.name;
  }
}

/** A read-only outline of a shared agent's sub-graph: each agent with what it is connected to. */
function SubgraphView({ graph }: { graph: LibraryAgentGraph }) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const agents = graph.nodes.filter((n) => n.type === "agent");
  return (
    <ul
      className="space-y-2 rounded-md border border-border bg-subtle p-2 text-xs"
      data-testid="library-agent-view"
    >
      {agents.map((agent) => (
        <li key={agent.id}>
          <span className="font-mono font-medium">{label(agent)}</span>
          <ul className="mt-0.5 pl-3">
            {graph.edges
              .filter((e) => e.source === agent.id)
              .map((e) => {
                const target = byId.get(e.target);
                return target ? (
                  <li key={e.id} className="text-muted-foreground">
                    {edgeWords[e.type]}: <span className="font-mono text-foreground">{label(target)}</span>
                  </li>
                ) : null;
              })}
          </ul>
        </li>
      ))}
    </ul>
  );
}
