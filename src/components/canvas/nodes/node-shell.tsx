"use client";

import { Handle, Position } from "@xyflow/react";
import { CircleAlert, TriangleAlert } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "~/components/ui/cn";
import type { GraphIssue } from "~/graph";
import { useCanvas } from "../canvas-store-context";
import { nodeBorder, type SourcePort, sourcePortFraction } from "../node-geometry";

const noIssues: GraphIssue[] = [];

/** The issues `validate` reports for one node (stable array while unchanged). */
export function useNodeIssues(id: string): GraphIssue[] {
  return useCanvas((s) => s.issuesByNode[id] ?? noIssues);
}

/**
 * The frame every node kind shares: accent bar, title, key settings, ports and validation state.
 * Below the overview zoom (`.canvas-overview` on the canvas, see workflow-canvas.tsx) the details,
 * unreadable at that size, are hidden without changing the node's size and only the name shows,
 * large: a zoomed-out graph of hundreds of nodes then paints a fraction of the layers per frame.
 * No box inside is positioned but the ports and that label (React Flow's node box is their
 * containing block): Chromium walks every positioned box on each hit test and layer update, and
 * with 500 nodes the positioned frames, port rows and cells were half of them (bench/canvas).
 */
export function NodeShell({
  id,
  kind,
  accent,
  icon,
  title,
  subtitle,
  selected,
  targetHandle,
  sourcePorts = [],
  children,
}: {
  id: string;
  kind: string;
  accent: string;
  icon: ReactNode;
  title: string;
  subtitle: string;
  selected: boolean;
  targetHandle: { id: string; label: string };
  sourcePorts?: SourcePort[];
  children?: ReactNode;
}) {
  const issues = useNodeIssues(id);
  const errors = issues.filter((i) => i.severity !== "warning");
  const state = errors.length > 0 ? "error" : issues.length > 0 ? "warning" : "ok";
  return (
    <div
      data-testid={`node-${kind}`}
      data-node-id={id}
      data-validation={state}
      className={cn(
        "w-56 rounded-lg border bg-background text-left shadow-card",
        selected ? "border-primary ring-2 ring-primary/30" : "border-border",
        state === "error" && !selected && "border-destructive/60",
      )}
    >
      <Handle
        type="target"
        position={Position.Top}
        id={targetHandle.id}
        title={targetHandle.label}
        className="port-in !h-2.5 !w-2.5 !border-2 !border-background !bg-zinc-400"
      />
      <div className={cn("h-1 rounded-t-lg", accent)} />
      <div className="node-detail flex items-start gap-2 px-3 pt-2 pb-1">
        <span className="mt-0.5 text-muted-foreground [&_svg]:size-4">{icon}</span>
        <div className="min-w-0 flex-1">
          <div className="truncate text-sm font-semibold" title={title}>
            {title || <span className="text-muted-foreground italic">unnamed</span>}
          </div>
          <div className="truncate text-xs text-muted-foreground">{subtitle}</div>
        </div>
        {state !== "ok" ? (
          <span
            data-testid="node-issue-badge"
            title={issues.map((i) => i.message).join("\n")}
            className={cn("mt-0.5 [&_svg]:size-4", state === "error" ? "text-destructive" : "text-amber-500")}
          >
            {state === "error" ? <CircleAlert /> : <TriangleAlert />}
          </span>
        ) : null}
      </div>
      {children ? (
        <div className="node-detail space-y-0.5 px-3 pb-2 text-xs text-muted-foreground">{children}</div>
      ) : null}
      {issues.length > 0 ? (
        <ul className="node-detail border-t border-border px-3 py-1.5 text-xs">
          {issues.slice(0, 2).map((issue) => (
            <li
              key={`${issue.code}-${issue.message}`}
              data-testid="node-issue"
              className={issue.severity === "warning" ? "text-amber-600" : "text-destructive"}
            >
              {issue.message}
            </li>
          ))}
          {issues.length > 2 ? <li className="text-muted-foreground">+{issues.length - 2} more</li> : null}
        </ul>
      ) : null}
      <div aria-hidden className="node-overview-label">
        {title}
      </div>
      {sourcePorts.length > 0 ? (
        <div className="flex h-6 justify-around border-t border-border text-[10px] uppercase tracking-wide text-muted-foreground">
          {sourcePorts.map((port, i) => (
            <div key={port.id} className="flex flex-1 items-center justify-center">
              <span className="node-detail">{port.label}</span>
              <Handle
                type="source"
                position={Position.Bottom}
                id={port.id}
                title={`Drag to connect: ${port.label}`}
                data-testid={`handle-${port.id}`}
                style={{ left: portLeft(i, sourcePorts.length) }}
                className={cn(
                  "port-out !h-3 !w-3 !border-2 !border-background",
                  portColor[i % portColor.length],
                )}
              />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** A source port's centre, across the node (its containing block: React Flow's node box). */
const portLeft = (index: number, count: number) =>
  `calc(${nodeBorder}px + (100% - ${2 * nodeBorder}px) * ${sourcePortFraction(index, count)})`;

const portColor = ["!bg-violet-500", "!bg-sky-500", "!bg-emerald-500", "!bg-amber-500"];

/** One "label: value" line of a node's key settings. */
export function NodeRow({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="flex gap-1 truncate">
      <span className="shrink-0">{label}:</span>
      <span className="truncate text-foreground">{value}</span>
    </div>
  );
}
