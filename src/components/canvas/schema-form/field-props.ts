import type { FieldInfo } from "./describe-fields";

/** The input class every text-like control of the form shares. */
export const inputClass =
  "w-full rounded-md border border-input bg-background px-2 py-1 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** A secret a model or tool node may name: the team's own, or a key from the server's environment. */
export interface SecretChoice {
  name: string;
  source: "team" | "installation";
}

/** What every field control gets: its field, the label's `id`, the value and where a change goes. */
export interface FieldControlProps {
  id: string;
  field: FieldInfo;
  value: unknown;
  onChange: (value: unknown) => void;
  readOnly: boolean;
}
