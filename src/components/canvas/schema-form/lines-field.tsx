import { useEffect, useState } from "react";
import { cn } from "~/components/ui/cn";
import { type FieldControlProps, inputClass, type SecretChoice } from "./field-props";

/** A textarea edited freely and handed over on blur (so half-typed lines are not parsed). */
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

/** A list of strings, one per line; blank lines are dropped. */
export function StringListField({ id, field, value, onChange, readOnly }: FieldControlProps) {
  return (
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
}

/** Keys no string map may carry (they would reach an object's prototype). */
const forbiddenKeys = ["__proto__", "constructor", "prototype"];

/**
 * A string map, one `KEY=value` per line. When the values name secrets, the team's secrets are listed
 * under it (tools send team secrets only; installation keys are for models).
 */
export function StringMapField({
  id,
  field,
  value,
  onChange,
  readOnly,
  secretNames,
}: FieldControlProps & { secretNames?: readonly SecretChoice[] }) {
  const teamSecrets = secretNames?.filter((choice) => choice.source === "team") ?? [];
  return (
    <>
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
            .filter(([k]) => k !== "" && !forbiddenKeys.includes(k));
          onChange(entries.length === 0 && field.optional ? undefined : Object.fromEntries(entries));
        }}
      />
      {teamSecrets.length > 0 ? (
        <p data-testid={`secret-choices-${field.key}`} className="mt-1 text-xs text-muted-foreground">
          One <code>Header=SECRET_NAME</code> per line. Team secrets:{" "}
          {teamSecrets.map((choice) => choice.name).join(", ")}
        </p>
      ) : null}
    </>
  );
}
