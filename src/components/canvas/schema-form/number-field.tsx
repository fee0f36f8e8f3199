import { useEffect, useState } from "react";
import { cn } from "~/components/ui/cn";
import { type FieldControlProps, inputClass } from "./field-props";

/** A number input that keeps what is typed and says in words when it is out of the field's bounds. */
export function NumberField({ id, field, value, onChange, readOnly }: FieldControlProps) {
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
