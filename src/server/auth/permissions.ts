/**
 * The one permission check of Troupe: which team role may do which action (the matrix itself is
 * src/lib/permissions.ts, which the browser reads too). tRPC procedures declare the
 * action they need (`teamProcedure("edit")`, src/server/api/trpc.ts), Socket.IO room joins ask the same
 * question (src/server/realtime/run-rooms.ts), and docs/permissions.md is generated from this module
 * (`npm run docs:permissions`). A role's rights change in src/lib/permissions.ts and nowhere else.
 */
import "server-only";
import { type Action, actionDescriptions, actions, can, permissionMatrix } from "~/lib/permissions";
import { type Role, roleLabels, roles } from "~/lib/roles";
import type { Role as DatabaseRole } from "~/server/db/generated/enums";

/** The database's enum names the same roles as src/lib/roles.ts (each line is a type error otherwise). */
roles satisfies readonly DatabaseRole[];
roleLabels satisfies Record<DatabaseRole, string>;

export {
  type Action,
  actionDescriptions,
  actions,
  allowedActions,
  can,
  permissionMatrix,
} from "~/lib/permissions";

/** Whether `role` is at least `minimum` (viewer < editor < admin < owner); for role assignment rules. */
export function outranksOrEquals(role: Role, minimum: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(minimum);
}

/** The refusal shown when a member's role lacks an action (each action's roles run up to owner). */
export function refusalMessage(action: Action): string {
  return `This needs the ${permissionMatrix[action][0]} role or higher.`;
}

/** docs/permissions.md, generated from the matrix; a unit test keeps the committed file equal to it. */
export function permissionsMarkdown(): string {
  const header = `| action | ${roles.join(" | ")} | what it covers |`;
  const rule = `| --- | ${roles.map(() => ":---:").join(" | ")} | --- |`;
  const rows = actions.map(
    (action) =>
      `| \`${action}\` | ${roles.map((role) => (can(role, action) ? "yes" : "—")).join(" | ")} | ${actionDescriptions[action]} |`,
  );
  return [
    "# Permissions",
    "",
    "Generated from `src/lib/permissions.ts` by `npm run docs:permissions`; do not edit by hand.",
    "",
    "Every tRPC procedure declares one of these actions (`teamProcedure(action)`, `workflowProcedure(action)`,",
    "`runProcedure(action)` in `src/server/api/trpc.ts`), and every Socket.IO room join checks `view`.",
    "Someone who is not a member of the team gets NOT_FOUND; a member whose role lacks the action gets",
    "FORBIDDEN. Membership and role are read on every call, so a change takes effect at once; open",
    "sockets of a removed member leave that team's rooms.",
    "",
    header,
    rule,
    ...rows,
    "",
    "Rules beyond the matrix: a team always has an owner (the last owner cannot leave, be removed or be",
    "demoted); only an owner makes someone an owner or changes an owner's role; an admin invites and",
    "assigns roles up to admin; a personal team cannot be deleted or left, and nobody can be invited to it.",
    "",
  ].join("\n");
}
