import { useEffect, useState } from "react";
import { cn } from "~/components/ui/cn";
import { type FieldControlProps, inputClass } from "./field-props";

/** JSON text, parsed and checked against the field's schema on blur; the value changes only when valid. */
export function JsonField({
  id,
  field,
  value,
  onChange,
  readOnly,
  check,
}: FieldControlProps & { check: (value: unknown) => string | undefined }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
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
