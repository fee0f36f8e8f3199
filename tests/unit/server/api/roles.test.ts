import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { hasRole, type Role, requireRole, roles } from "~/server/api/trpc";

describe("team roles", () => {
  it("orders viewer < editor < admin < owner", () => {
    expect(roles).toEqual(["viewer", "editor", "admin", "owner"]);
    const table = roles.map((role) => roles.map((minimum) => hasRole(role, minimum)));
    expect(table).toEqual([
      [true, false, false, false],
      [true, true, false, false],
      [true, true, true, false],
      [true, true, true, true],
    ]);
  });

  it("throws FORBIDDEN below the minimum and nothing at or above it", () => {
    const attempt = (role: Role) => () => requireRole({ role }, "editor");
    expect(attempt("viewer")).toThrow(TRPCError);
    try {
      attempt("viewer")();
    } catch (error) {
      expect((error as TRPCError).code).toBe("FORBIDDEN");
    }
    for (const role of ["editor", "admin", "owner"] as const) expect(attempt(role)).not.toThrow();
  });
});
