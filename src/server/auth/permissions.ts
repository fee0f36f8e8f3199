/**
 * The one permission check of Troupe: which team role may do which action. tRPC procedures declare the
 * action they need (`teamProcedure("edit")`, src/server/api/trpc.ts), Socket.IO room joins ask the same
 * question (src/server/realtime/run-rooms.ts), and docs/permissions.md is generated from this module
 * (`npm run docs:permissions`). Change a role's rights here and nowhere else.
 */
import "server-only";
import { type Role, roleLabels, roles } from "~/lib/roles";
import type { Role as DatabaseRole } from "~/server/db/generated/enums";

/** The database's enum names the same roles as src/lib/roles.ts (each line is a type error otherwise). */
roles satisfies readonly DatabaseRole[];
roleLabels satisfies Record<DatabaseRole, string>;

/** What a member may try to do in a team, with the words the generated documentation uses. */
export const actionDescriptions = {
  view: "See the team's workflows, runs, library, prices, members and limits; follow runs live.",
  run: "Start runs, cancel them and answer their questions.",
  edit: "Create, change, version and delete workflows.",
  shareToLibrary: "Share tools and agents to the team library.",
  manageSecrets: "Create, change and delete the team's secrets.",
  manageMembers:
    "Invite people, revoke invitations, change roles (up to their own), remove members, read and export the audit log.",
  manageTeam: "Rename the team, set its model prices, remove library items.",
  ownTeam: "Delete the team and hand its ownership to another member.",
  publish: "Publish workflows outside the team.",
  configureCommands:
    "Add or change MCP servers that start a program on the server (stdio), from the operator's list.",
} as const;

export type Action = keyof typeof actionDescriptions;
export const actions = Object.keys(actionDescriptions) as Action[];

/** Each action and the roles allowed to do it. */
export const permissionMatrix: Record<Action, readonly Role[]> = {
  view: ["viewer", "editor", "admin", "owner"],
  run: ["editor", "admin", "owner"],
  edit: ["editor", "admin", "owner"],
  shareToLibrary: ["editor", "admin", "owner"],
  manageSecrets: ["admin", "owner"],
  manageMembers: ["admin", "owner"],
  manageTeam: ["admin", "owner"],
  ownTeam: ["owner"],
  publish: ["admin", "owner"],
  configureCommands: ["admin", "owner"],
};

/** Whether a member with `role` may do `action`. */
export function can(role: Role, action: Action): boolean {
  return permissionMatrix[action].includes(role);
}

/** Every action `role` may do, in matrix order (what the browser uses to show or hide controls). */
export function allowedActions(role: Role): Action[] {
  return actions.filter((action) => can(role, action));
}

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
    "Generated from `src/server/auth/permissions.ts` by `npm run docs:permissions`; do not edit by hand.",
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
