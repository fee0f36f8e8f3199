"use client";

import type { GraphIssue, ToolNodeData } from "~/graph";
import type { SecretChoice } from "./schema-form";

type HttpAuth = NonNullable<Extract<ToolNodeData, { kind: "http" }>["auth"]>;

const selectClass = "w-full rounded-md border border-input bg-background px-2 py-1 text-sm";
const inputClass =
  "w-full rounded-md border border-input bg-background px-2 py-1 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring";

/**
 * An HTTP tool's credential: none, a bearer token, basic credentials, or an API key in a header or
 * query parameter, each from a team secret picked by name. The secret goes only to the tool's host.
 */
export function HttpAuthFields({
  id,
  auth,
  onChange,
  issues,
  readOnly,
  secretNames,
}: {
  id: string;
  auth: HttpAuth | undefined;
  onChange: (auth: HttpAuth | undefined) => void;
  issues: readonly GraphIssue[];
  readOnly: boolean;
  secretNames: readonly SecretChoice[];
}) {
  const secret = auth?.secret ?? "";
  const setType = (type: string) => {
    if (type === "none") onChange(undefined);
    else if (type === "apiKey")
      onChange({ type, in: "header", name: auth?.type === "apiKey" ? auth.name : "X-API-Key", secret });
    else onChange({ type: type as "bearer" | "basic", secret });
  };
  const authIssues = issues.filter((issue) => issue.path[3] === "auth");
  return (
    <fieldset className="mt-3 space-y-2" data-testid="http-auth">
      <legend className="mb-1 text-xs font-medium">Authentication</legend>
      <select
        aria-label="Authentication scheme"
        className={selectClass}
        disabled={readOnly}
        value={auth?.type ?? "none"}
        onChange={(event) => setType(event.target.value)}
      >
        <option value="none">None</option>
        <option value="bearer">Bearer token</option>
        <option value="basic">Basic (secret holds user:password)</option>
        <option value="apiKey">API key</option>
      </select>
      {auth?.type === "apiKey" ? (
        <div className="flex gap-2">
          <select
            aria-label="API key location"
            className={selectClass}
            disabled={readOnly}
            value={auth.in}
            onChange={(event) => onChange({ ...auth, in: event.target.value as "header" | "query" })}
          >
            <option value="header">Header</option>
            <option value="query">Query parameter</option>
          </select>
          <input
            aria-label="API key name"
            className={inputClass}
            value={auth.name}
            readOnly={readOnly}
            onChange={(event) => onChange({ ...auth, name: event.target.value })}
          />
        </div>
      ) : null}
      {auth ? (
        <>
          <input
            aria-label="Secret"
            data-testid="field-auth-secret"
            className={inputClass}
            placeholder="SECRET_NAME"
            value={secret}
            readOnly={readOnly}
            list={`${id}-auth-secrets`}
            spellCheck={false}
            onChange={(event) => onChange({ ...auth, secret: event.target.value })}
          />
          <datalist id={`${id}-auth-secrets`}>
            {secretNames
              .filter((choice) => choice.source === "team")
              .map((choice) => (
                <option key={choice.name} value={choice.name} label="team secret" />
              ))}
          </datalist>
          <p className="text-xs text-muted-foreground">Sent only to this tool's URL host.</p>
        </>
      ) : null}
      {authIssues.map((issue) => (
        <p key={`${issue.path.join(".")}-${issue.message}`} className="text-xs text-destructive">
          {issue.message}
        </p>
      ))}
    </fieldset>
  );
}
