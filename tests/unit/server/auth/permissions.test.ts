import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { roles } from "~/lib/roles";
import {
  actions,
  allowedActions,
  can,
  outranksOrEquals,
  permissionMatrix,
  permissionsMarkdown,
  refusalMessage,
} from "~/server/auth/permissions";

describe("permission matrix", () => {
  it("gives each role the rights of every role below it, and more", () => {
    for (const [lower, higher] of [
      ["viewer", "editor"],
      ["editor", "admin"],
      ["admin", "owner"],
    ] as const) {
      for (const action of allowedActions(lower)) expect(can(higher, action)).toBe(true);
    }
    expect(allowedActions("viewer")).toEqual(["view"]);
    expect(allowedActions("editor")).toEqual(["view", "run", "edit", "shareToLibrary"]);
    expect(allowedActions("owner")).toEqual(actions);
  });

  it("keeps secrets, members and the team to admins and owners, and ownership to owners", () => {
    expect(permissionMatrix.manageSecrets).toEqual(["admin", "owner"]);
    expect(permissionMatrix.manageMembers).toEqual(["admin", "owner"]);
    expect(permissionMatrix.ownTeam).toEqual(["owner"]);
    expect(permissionMatrix.configureCommands).toEqual(["admin", "owner"]);
  });

  it("says which role an action needs", () => {
    expect(refusalMessage("edit")).toBe("This needs the editor role or higher.");
    expect(refusalMessage("ownTeam")).toBe("This needs the owner role or higher.");
  });

  it("orders roles viewer < editor < admin < owner", () => {
    const table = roles.map((role) => roles.map((minimum) => outranksOrEquals(role, minimum)));
    expect(table).toEqual([
      [true, false, false, false],
      [true, true, false, false],
      [true, true, true, false],
      [true, true, true, true],
    ]);
  });

  it("has docs/permissions.md up to date (npm run docs:permissions)", () => {
    const committed = readFileSync(new URL("../../../../docs/permissions.md", import.meta.url), "utf8");
    expect(committed).toBe(permissionsMarkdown());
  });
});
