"use client";

import { useEffect, useId, useState } from "react";
import type { z } from "zod";
import { cn } from "~/components/ui/cn";
import type { GraphIssue } from "~/graph";
import { CodeEditor } from "./code-editor";

/** A field of a zod object, unwrapped to what the form needs to draw it. */
interface FieldInfo {
  key: string;
  kind: "string" | "number" | "boolean" | "enum" | "literal" | "string-list" | "string-map" | "json";
  optional: boolean;
  options?: readonly string[];
  integer?: boolean;
  min?: number;
  max?: number;
}

type AnySchema = z.ZodType & {
  def: { type: string; innerType?: AnySchema; element?: AnySchema; valueType?: AnySchema };
};

/** Read a zod 4 schema's shape into form fields (optional/default wrappers unwrapped). */
export function describeFields(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([key, raw]) => {
    let s = raw as AnySchema;
    let optional = false;
    while (s.def.type === "optional" || s.def.type === "default" || s.def.type === "nullable") {
      if (s.def.type !== "default") optional = true;
      s = s.def.innerType!;
    }
    const info: FieldInfo = { key, kind: "json", optional };
    switch (s.def.type) {
      case "string":
        return { ...info, kind: "string" };
      case "number": {
        const n = s as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
        return {
          ...info,
          kind: "number",
          integer: n.isInt,
          min: n.minValue ?? undefined,
          max: n.maxValue ?? undefined,
        };
      }
      case "boolean":
        return { ...info, kind: "boolean" };
      case "enum":
        return { ...info, kind: "enum", options: (s as unknown as { options: string[] }).options };
      case "literal":
        return { ...info, kind: "literal" };
      case "array":
        return { ...info, kind: s.def.element?.def.type === "string" ? "string-list" : "json" };
      case "record":
        return { ...info, kind: s.def.valueType?.def.type === "string" ? "string-map" : "json" };
      default:
        return info;
    }
  });
}

const labels: Record<string, string> = {
  agentType: "Agent type",
  maxSteps: "Max steps",
  planningInterval: "Planning interval (steps)",
  addBaseTools: "Add base tools",
  additionalAuthorizedImports: "Authorized imports (one per line)",
  outputSchema: "Output schema (JSON Schema)",
  apiKeySecret: "API key secret",
  baseUrl: "Base URL",
  hfProvider: "Inference provider",
  endpointUrl: "Endpoint URL",
  maxTokens: "Max tokens",
  secretHeaders: "Secret headers (Header=SECRET_NAME)",
  params: "Where inputs go (JSON)",
  auth: "Auth from a secret (JSON)",
  headers: "Headers (Header=value)",
  timeoutSeconds: "Timeout (seconds)",
  memoryMb: "Memory (MB)",
  cpus: "CPUs",
  args: "Arguments (one per line)",
  envSecrets: "Environment (VARIABLE=SECRET_NAME)",
  outputType: "Output type",
  itemId: "Library item",
  url: "URL",
  model: "Model id",
};

/** Display names of enum values that are not words. */
const optionLabels: Record<string, string> = {
  code: "CodeAgent (writes Python)",
  toolCalling: "ToolCallingAgent (JSON tool calls)",
  pyodide: "Pyodide (WebAssembly, no network)",
  docker: "Docker container",
  local: "Local process (unsafe)",
};

const help: Record<string, string> = {
  description: "One or two sentences; the agent or manager that calls this reads it.",
  instructions: "Added to the agent's system prompt.",
  apiKeySecret:
    "The name of a secret; its value never leaves the server. Empty: this server's provider key, which is only sent to its own endpoint.",
  baseUrl: "Empty: this server's endpoint. A model at another host must name an API key secret of its own.",
  endpointUrl: "Empty: Hugging Face's router. Another host must name an API key secret of its own.",
  url: "{name} placeholders are filled from the tool's inputs.",
  params:
    'Input name → {"in": "path" | "query" | "header" | "body" | "bodyField", "name": its name in the request}. Inputs not listed fill a URL placeholder, else the query (GET, DELETE) or the JSON body.',
  auth: '{"type": "bearer" | "basic", "secret": "NAME"} or {"type": "apiKey", "in": "header" | "query", "name": "X-API-Key", "secret": "NAME"}. The secret is only sent to this URL\'s host.',
};

/** A readable label for a field key. */
export function fieldLabel(key: string): string {
  return labels[key] ?? key.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase());
}

const inputClass =
  "w-full rounded-md border border-input bg-background px-2 py-1 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** A secret a model or tool node may name: the team's own, or a key from the server's environment. */
export interface SecretChoice {
  name: string;
  source: "team" | "installation";
}

/**
 * A form generated from a zod object schema: one control per field, chosen by the field's type.
 * `codeFields` get CodeMirror; `hidden` fields are drawn by the caller. Each change is a patch.
 */
export function SchemaForm({
  schema,
  value,
  onChange,
  issues,
  hidden = [],
  codeFields = {},
  readOnly = false,
  secretNames,
}: {
  schema: z.ZodObject;
  value: Record<string, unknown>;
  onChange: (patch: Record<string, unknown>) => void;
  issues: readonly GraphIssue[];
  hidden?: readonly string[];
  codeFields?: Record<string, "python" | "text">;
  readOnly?: boolean;
  secretNames?: readonly SecretChoice[];
}) {
  const fields = describeFields(schema).filter((f) => !hidden.includes(f.key));
  return (
    <div className="space-y-3">
      {fields.map((field) => {
        const fieldIssues = issues.filter((i) => i.path[3] === field.key);
        return (
          <Field
            key={field.key}
            field={field}
            value={value[field.key]}
            onChange={(v) => onChange({ [field.key]: v })}
            issues={fieldIssues}
            code={codeFields[field.key]}
            readOnly={readOnly}
            secretNames={field.key.toLowerCase().includes("secret") ? secretNames : undefined}
            check={(v) => {
              const result = (schema.shape[field.key] as z.ZodType).safeParse(v);
              return result.success ? undefined : (result.error.issues[0]?.message ?? "Invalid value");
            }}
          />
        );
      })}
    </div>
  );
}

function Field({
  field,
  value,
  onChange,
  issues,
  code,
  readOnly,
  secretNames,
  check,
}: {
  field: FieldInfo;
  value: unknown;
  onChange: (value: unknown) => void;
  issues: readonly GraphIssue[];
  code?: "python" | "text";
  readOnly: boolean;
  secretNames?: readonly SecretChoice[];
  check: (value: unknown) => string | undefined;
}) {
  const id = useId();
  const label = fieldLabel(field.key);
  const invalid = issues.some((i) => i.severity !== "warning");
  let control: React.ReactNode;
  if (code) {
    control = (
      <CodeEditor
        value={typeof value === "string" ? value : ""}
        onChange={onChange}
        language={code}
        label={label}
        readOnly={readOnly}
        testId={`field-${field.key}`}
        minHeight={code === "python" ? "12rem" : "6rem"}
      />
    );
  } else
    switch (field.kind) {
      case "boolean":
        return (
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              data-testid={`field-${field.key}`}
              checked={value === true}
              disabled={readOnly}
              onChange={(e) => onChange(e.target.checked)}
            />
            {label}
          </label>
        );
      case "enum":
        control = (
          <select
            id={id}
            data-testid={`field-${field.key}`}
            className={inputClass}
            value={typeof value === "string" ? value : ""}
            disabled={readOnly}
            onChange={(e) => onChange(e.target.value === "" && field.optional ? undefined : e.target.value)}
          >
            {field.optional ? <option value="">—</option> : null}
            {field.options?.map((o) => (
              <option key={o} value={o}>
                {optionLabels[o] ?? o}
              </option>
            ))}
          </select>
        );
        break;
      case "number":
        control = <NumberInput id={id} field={field} value={value} onChange={onChange} readOnly={readOnly} />;
        break;
      case "literal":
        control = <div className="text-sm text-muted-foreground">{String(value)}</div>;
        break;
      case "string-list":
        control = (
          <LinesInput
            id={id}
            testId={`field-${field.key}`}
            value={Array.isArray(value) ? value.join("\n") : ""}
            readOnly={readOnly}
            onCommit={(text) => {
              const list = text
                .split("\n")
                .map((l) => l.trim())
                .filter(Boolean);
              onChange(list.length === 0 && field.optional ? undefined : list);
            }}
          />
        );
        break;
      case "string-map":
        control = (
          <LinesInput
            id={id}
            testId={`field-${field.key}`}
            value={Object.entries((value as Record<string, string>) ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join("\n")}
            readOnly={readOnly}
            onCommit={(text) => {
              const entries = text
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l.includes("="))
                .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()] as const)
                .filter(([k]) => k !== "" && !["__proto__", "constructor", "prototype"].includes(k));
              onChange(entries.length === 0 && field.optional ? undefined : Object.fromEntries(entries));
            }}
          />
        );
        // Tools send team secrets only (installation keys are for models).
        if (secretNames?.some((choice) => choice.source === "team")) {
          control = (
            <>
              {control}
              <p data-testid={`secret-choices-${field.key}`} className="mt-1 text-xs text-muted-foreground">
                One <code>Header=SECRET_NAME</code> per line. Team secrets:{" "}
                {secretNames
                  .filter((choice) => choice.source === "team")
                  .map((choice) => choice.name)
                  .join(", ")}
              </p>
            </>
          );
        }
        break;
      case "json":
        control = (
          <JsonInput
            id={id}
            field={field}
            value={value}
            onChange={onChange}
            readOnly={readOnly}
            check={check}
          />
        );
        break;
      default: {
        const long = field.key === "description";
        const listId = secretNames ? `${id}-secrets` : undefined;
        control = long ? (
          <textarea
            id={id}
            data-testid={`field-${field.key}`}
            rows={2}
            className={cn(inputClass, "resize-y")}
            value={typeof value === "string" ? value : ""}
            readOnly={readOnly}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <>
            <input
              id={id}
              data-testid={`field-${field.key}`}
              className={cn(inputClass, invalid && "border-destructive")}
              value={typeof value === "string" ? value : ""}
              readOnly={readOnly}
              list={listId}
              spellCheck={false}
              onChange={(e) => onChange(e.target.value === "" && field.optional ? undefined : e.target.value)}
            />
            {listId ? (
              <datalist id={listId}>
                {secretNames?.map((choice) => (
                  <option
                    key={choice.name}
                    value={choice.name}
                    label={choice.source === "installation" ? "installation" : "team secret"}
                  />
                ))}
              </datalist>
            ) : null}
          </>
        );
      }
    }
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-foreground">
        {label}
        {field.optional ? <span className="font-normal text-muted-foreground"> (optional)</span> : null}
      </label>
      {control}
      {help[field.key] ? <p className="mt-0.5 text-xs text-muted-foreground">{help[field.key]}</p> : null}
      {issues.map((issue) => (
        <p
          key={issue.message}
          data-testid="field-issue"
          className={cn(
            "mt-0.5 text-xs",
            issue.severity === "warning" ? "text-amber-600" : "text-destructive",
          )}
        >
          {issue.message}
        </p>
      ))}
    </div>
  );
}

function NumberInput({
  id,
  field,
  value,
  onChange,
  readOnly,
}: {
  id: string;
  field: FieldInfo;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly: boolean;
}) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(value === undefined ? "" : String(value)), [value]);
  const commit = (raw: string) => {
    setText(raw);
    if (raw.trim() === "") {
      if (field.optional) {
        setError(null);
        onChange(undefined);
      } else setError("Required");
      return;
    }
    const n = Number(raw);
    const bad =
      !Number.isFinite(n) ||
      (field.integer && !Number.isInteger(n)) ||
      (field.min !== undefined && n < field.min) ||
      (field.max !== undefined && n > field.max);
    if (bad) {
      setError(
        `Enter ${field.integer ? "a whole number" : "a number"}${field.min !== undefined ? ` from ${field.min}` : ""}${field.max !== undefined ? ` to ${field.max}` : ""}`,
      );
      return;
    }
    setError(null);
    onChange(n);
  };
  return (
    <>
      <input
        id={id}
        data-testid={`field-${field.key}`}
        type="number"
        inputMode="numeric"
        className={cn(inputClass, error && "border-destructive")}
        value={text}
        readOnly={readOnly}
        min={field.min}
        max={field.max}
        onChange={(e) => commit(e.target.value)}
      />
      {error ? <p className="mt-0.5 text-xs text-destructive">{error}</p> : null}
    </>
  );
}

function LinesInput({
  id,
  testId,
  value,
  onCommit,
  readOnly,
}: {
  id: string;
  testId: string;
  value: string;
  onCommit: (text: string) => void;
  readOnly: boolean;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <textarea
      id={id}
      data-testid={testId}
      rows={Math.min(6, Math.max(2, text.split("\n").length))}
      spellCheck={false}
      className={cn(inputClass, "resize-y font-mono text-xs")}
      value={text}
      readOnly={readOnly}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => onCommit(text)}
    />
  );
}

function JsonInput({
  id,
  field,
  value,
  onChange,
  readOnly,
  check,
}: {
  id: string;
  field: FieldInfo;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly: boolean;
  check: (value: unknown) => string | undefined;
}) {
  const initial = value === undefined ? "" : JSON.stringify(value, null, 2);
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(value === undefined ? "" : JSON.stringify(value, null, 2)), [value]);
  return (
    <>
      <textarea
        id={id}
        data-testid={`field-${field.key}`}
        rows={4}
        spellCheck={false}
        className={cn(inputClass, "resize-y font-mono text-xs", error && "border-destructive")}
        value={text}
        readOnly={readOnly}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === "") {
            setError(null);
            if (field.optional) onChange(undefined);
            return;
          }
          try {
            const parsed: unknown = JSON.parse(text);
            const problem = check(parsed);
            setError(problem ?? null);
            if (!problem) onChange(parsed);
          } catch (e) {
            setError(e instanceof Error ? e.message : "Invalid JSON");
          }
        }}
      />
      {error ? <p className="mt-0.5 text-xs text-destructive">{error}</p> : null}
    </>
  );
}
