/**
 * Team roles from least to most privileged: the one list the database enum (`Role` in
 * prisma/schema.prisma, checked in src/server/auth/permissions.ts), the permission matrix, the team
 * API's inputs and the team page follow. What each role may do is the permission matrix's to say.
 * Browser-safe.
 */
export const roles = ["viewer", "editor", "admin", "owner"] as const;
export type Role = (typeof roles)[number];

/** Each role in words, for the team page. */
export const roleLabels: Record<Role, string> = {
  viewer: "Viewer",
  editor: "Editor",
  admin: "Admin",
  owner: "Owner",
};
