"use client";

import type { NodeProps } from "@xyflow/react";
import { BrainCircuit } from "lucide-react";
import { memo } from "react";
import type { CanvasNode } from "../canvas-types";
import { NodeRow, NodeShell } from "./node-shell";

type ModelCanvasNode = Extract<CanvasNode, { type: "model" }>;

const providerLabel = {
  openai: "OpenAI-compatible",
  hf: "Hugging Face",
  replay: "Replay (recorded)",
} as const;

/** A model: provider, model id, endpoint and the secret that holds its key. */
export const ModelNode = memo(function ModelNode({ id, data, selected }: NodeProps<ModelCanvasNode>) {
  return (
    <NodeShell
      id={id}
      kind="model"
      accent="bg-sky-500"
      icon={<BrainCircuit />}
      title={data.model}
      subtitle={providerLabel[data.provider]}
      selected={selected}
      targetHandle={{ id: "in", label: "Used by an agent" }}
    >
      {data.provider === "openai" && data.baseUrl ? <NodeRow label="base URL" value={data.baseUrl} /> : null}
      {data.provider === "hf" && data.hfProvider ? (
        <NodeRow label="provider" value={data.hfProvider} />
      ) : null}
      {data.provider !== "replay" && data.apiKeySecret ? (
        <NodeRow label="key" value={data.apiKeySecret} />
      ) : null}
      {data.provider === "replay" ? <NodeRow label="answers" value={data.transcript.length} /> : null}
    </NodeShell>
  );
});
