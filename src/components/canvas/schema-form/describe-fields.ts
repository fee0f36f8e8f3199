import type { z } from "zod";

/** A field of a zod object, unwrapped to what the form needs to draw it. */
export interface FieldInfo {
  key: string;
  kind: "string" | "number" | "boolean" | "enum" | "literal" | "string-list" | "string-map" | "json";
  optional: boolean;
  options?: readonly string[];
  integer?: boolean;
  min?: number;
  max?: number;
}

type AnySchema = z.ZodType & {
  def: { type: string; innerType?: AnySchema; element?: AnySchema; valueType?: AnySchema };
};

/** Read a zod 4 schema's shape into form fields (optional/default wrappers unwrapped). */
export function describeFields(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([key, raw]) => {
    let s = raw as AnySchema;
    let optional = false;
    while (s.def.type === "optional" || s.def.type === "default" || s.def.type === "nullable") {
      if (s.def.type !== "default") optional = true;
      s = s.def.innerType!;
    }
    const info: FieldInfo = { key, kind: "json", optional };
    switch (s.def.type) {
      case "string":
        return { ...info, kind: "string" };
      case "number": {
        const n = s as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
        return {
          ...info,
          kind: "number",
          integer: n.isInt,
          min: n.minValue ?? undefined,
          max: n.maxValue ?? undefined,
        };
      }
      case "boolean":
        return { ...info, kind: "boolean" };
      case "enum":
        return { ...info, kind: "enum", options: (s as unknown as { options: string[] }).options };
      case "literal":
        return { ...info, kind: "literal" };
      case "array":
        return { ...info, kind: s.def.element?.def.type === "string" ? "string-list" : "json" };
      case "record":
        return { ...info, kind: s.def.valueType?.def.type === "string" ? "string-map" : "json" };
      default:
        return info;
    }
  });
}
