import { type FieldControlProps, inputClass } from "./field-props";
import { optionLabels } from "./field-text";

/** A select of an enum's values; an optional enum can be left empty. */
export function EnumField({ id, field, value, onChange, readOnly }: FieldControlProps) {
  return (
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
}
