/**
 * The permission matrix: which team role may do which action. The server enforces it through one
 * check (src/server/auth/permissions.ts re-exports it for tRPC procedures and Socket.IO rooms); the
 * browser reads the same matrix to show or hide controls. Change a role's rights here and nowhere
 * else. Browser-safe.
 */
import type { Role } from "./roles";

/** What a member may try to do in a team, with the words the generated documentation uses. */
export const actionDescriptions = {
  view: "See the team's workflows, runs, test sets, evaluations, library, prices, members and limits; follow runs live.",
  run: "Start runs and evaluations, cancel them and answer their questions.",
  edit: "Create, change, version and delete workflows and test sets.",
  shareToLibrary: "Share tools and agents to the team library.",
  manageSecrets: "Create, change and delete the team's secrets.",
  manageMembers:
    "Invite people, revoke invitations, change roles (up to their own), remove members, read and export the audit log.",
  manageTeam: "Rename the team, set its model prices and its publish gate, remove library items.",
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
