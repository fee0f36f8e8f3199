import "server-only";
import { CLIENT_ADDRESS_HEADER } from "~/server/client-address";
import type { Prisma, PrismaClient } from "~/server/db";

/** What an audit event records; one name per kind of change. */
export const auditActions = [
  "team.created",
  "team.renamed",
  "team.publish_gate_changed",
  "member.role_changed",
  "member.removed",
  "member.left",
  "ownership.transferred",
  "invitation.created",
  "invitation.revoked",
  "invitation.accepted",
  "secret.created",
  "secret.value_replaced",
  "secret.updated",
  "secret.deleted",
  "library.shared",
  "library.removed",
  "endpoint.published",
  "endpoint.moved",
  "endpoint.unpublished",
  "endpoint.deleted",
  "endpoint.sharing",
  "endpoint.origins_changed",
  "apiKey.created",
  "apiKey.revoked",
  "apiKey.updated",
] as const;
export type AuditAction = (typeof auditActions)[number];

/** One change to record: who (null: nobody signed in), what, about whom or what, from which address. */
export type AuditEntry = {
  teamId: string;
  actorId: string | null;
  action: AuditAction;
  /** Whom or what it concerned, in words (an e-mail address, a team name); never a secret. */
  target: string;
  details?: Record<string, string | number | boolean | null>;
  ip: string | null;
};

/** The caller's address for the audit log (set by the web process; absent in direct server calls). */
export function callerAddress(headers: Headers): string | null {
  return headers.get(CLIENT_ADDRESS_HEADER);
}

/** Record a change to a team (inside the caller's transaction when given one). */
export async function recordAudit(
  client: Pick<PrismaClient, "auditEvent"> | Prisma.TransactionClient,
  entry: AuditEntry,
): Promise<void> {
  await client.auditEvent.create({
    data: {
      teamId: entry.teamId,
      actorId: entry.actorId,
      action: entry.action,
      target: entry.target,
      details: (entry.details ?? {}) as Prisma.InputJsonValue,
      ip: entry.ip,
    },
  });
}

/** A row of the audit log as the team page and the CSV export show it. */
export type AuditRow = {
  createdAt: Date;
  action: string;
  actor: string | null;
  target: string;
  details: unknown;
  ip: string | null;
};

/**
 * One CSV field (RFC 4180 quoting). A field a spreadsheet would read as a formula (= + - @, tab, CR)
 * is prefixed with an apostrophe, so an exported log cannot run anything when opened.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The audit log as CSV, a header row first, lines ending in CRLF. */
export function auditCsv(rows: AuditRow[]): string {
  const lines = [["time", "action", "actor", "target", "details", "ip"]];
  for (const row of rows) {
    lines.push([
      row.createdAt.toISOString(),
      row.action,
      row.actor ?? "",
      row.target,
      JSON.stringify(row.details ?? {}),
      row.ip ?? "",
    ]);
  }
  return `${lines.map((line) => line.map(csvField).join(",")).join("\r\n")}\r\n`;
}
