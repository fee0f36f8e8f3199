import { type ReactNode, useId } from "react";
import { cn } from "~/components/ui/cn";
import type { GraphIssue } from "~/graph";
import { CodeEditor } from "../code-editor";
import { BooleanField } from "./boolean-field";
import type { FieldInfo } from "./describe-fields";
import { EnumField } from "./enum-field";
import type { FieldControlProps, SecretChoice } from "./field-props";
import { fieldHelp, fieldLabel } from "./field-text";
import { JsonField } from "./json-field";
import { StringListField, StringMapField } from "./lines-field";
import { NumberField } from "./number-field";
import { StringField } from "./string-field";

/** One field of a schema form: its label, the control for its kind, its help line and its issues. */
export function Field({
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
  if (!code && field.kind === "boolean") {
    return <BooleanField field={field} label={label} value={value} onChange={onChange} readOnly={readOnly} />;
  }
  const props: FieldControlProps = { id, field, value, onChange, readOnly };
  let control: ReactNode;
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
  } else {
    switch (field.kind) {
      case "enum":
        control = <EnumField {...props} />;
        break;
      case "number":
        control = <NumberField {...props} />;
        break;
      case "literal":
        control = <div className="text-sm text-muted-foreground">{String(value)}</div>;
        break;
      case "string-list":
        control = <StringListField {...props} />;
        break;
      case "string-map":
        control = <StringMapField {...props} secretNames={secretNames} />;
        break;
      case "json":
        control = <JsonField {...props} check={check} />;
        break;
      default:
        control = (
          <StringField
            {...props}
            invalid={issues.some((i) => i.severity !== "warning")}
            secretNames={secretNames}
          />
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
      {fieldHelp[field.key] ? (
        <p className="mt-0.5 text-xs text-muted-foreground">{fieldHelp[field.key]}</p>
      ) : null}
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
