import type { FieldInfo } from "./describe-fields";

/** A checkbox with its label beside it (it draws its own label, unlike the other kinds). */
export function BooleanField({
  field,
  label,
  value,
  onChange,
  readOnly,
}: {
  field: FieldInfo;
  label: string;
  value: unknown;
  onChange: (value: unknown) => void;
  readOnly: boolean;
}) {
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
}
