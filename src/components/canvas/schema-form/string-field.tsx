import { cn } from "~/components/ui/cn";
import { type FieldControlProps, inputClass, type SecretChoice } from "./field-props";

/**
 * A string: a textarea for a description, else one line; a field naming a secret offers the team's
 * secrets and the installation keys as suggestions.
 */
export function StringField({
  id,
  field,
  value,
  onChange,
  readOnly,
  invalid,
  secretNames,
}: FieldControlProps & { invalid: boolean; secretNames?: readonly SecretChoice[] }) {
  const text = typeof value === "string" ? value : "";
  if (field.key === "description") {
    return (
      <textarea
        id={id}
        data-testid={`field-${field.key}`}
        rows={2}
        className={cn(inputClass, "resize-y")}
        value={text}
        readOnly={readOnly}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  const listId = secretNames ? `${id}-secrets` : undefined;
  return (
    <>
      <input
        id={id}
        data-testid={`field-${field.key}`}
        className={cn(inputClass, invalid && "border-destructive")}
        value={text}
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
