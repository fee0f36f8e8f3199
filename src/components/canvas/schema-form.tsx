"use client";

import type { z } from "zod";
import type { GraphIssue } from "~/graph";
import { describeFields } from "./schema-form/describe-fields";
import { Field } from "./schema-form/field";
import type { SecretChoice } from "./schema-form/field-props";

export { describeFields, type FieldInfo } from "./schema-form/describe-fields";
export type { SecretChoice } from "./schema-form/field-props";
export { fieldLabel } from "./schema-form/field-text";

/**
 * A form generated from a zod object schema: one control per field, chosen by the field's type
 * (one file per kind in `schema-form/`). `codeFields` get CodeMirror; `hidden` fields are drawn by
 * the caller. Each change is a patch.
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
      {fields.map((field) => (
        <Field
          key={field.key}
          field={field}
          value={value[field.key]}
          onChange={(v) => onChange({ [field.key]: v })}
          issues={issues.filter((i) => i.path[3] === field.key)}
          code={codeFields[field.key]}
          readOnly={readOnly}
          secretNames={field.key.toLowerCase().includes("secret") ? secretNames : undefined}
          check={(v) => {
            const result = (schema.shape[field.key] as z.ZodType).safeParse(v);
            return result.success ? undefined : (result.error.issues[0]?.message ?? "Invalid value");
          }}
        />
      ))}
    </div>
  );
}
