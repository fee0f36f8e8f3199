import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPeople, expectCode, rejection } from "./api-people";
import { createTestDatabase } from "./test-database";

/**
 * Invitations end to end against a real local SMTP server (smtp-server) and Postgres, with sign-up by
 * invitation only (SIGNUP=invite): the mail carries a single-use link; a new person accepts it by
 * signing up and joins with the invited role; expired, revoked and reused links are refused in words.
 */
type ReceivedMail = { to: string[]; raw: string };
const inbox: ReceivedMail[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.endsWith("@bounce.test")) return callback(new Error("550 no such mailbox"));
    callback();
  },
  onData(stream, session, callback) {
    let raw = "";
    stream.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    stream.on("end", () => {
      inbox.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
const smtpPort = (smtp.server.address() as AddressInfo).port;

const database = await createTestDatabase("invitations");
Object.assign(process.env, {
  DATABASE_URL: database.url,
  REDIS_URL: "",
  SIGNUP: "invite",
  SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  SMTP_FROM: "Troupe <invites@troupe.test>",
  APP_URL: "http://troupe.test:3260",
});
const { db, startDatabase } = await import("~/server/db");
const { callerFor } = await apiPeople();
const { signUp } = await import("~/server/auth/sign-up");
const { signUpWithInvitation } = await import("~/server/teams/invitation-sign-up");
const { inspectInvitation, invitationRefusals } = await import("~/server/teams/invitations");

/** The body of a mail as text: quoted-printable soft breaks and escapes undone. */
function mailText(raw: string): string {
  return raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The invitation link in the last mail sent to `address`. */
function linkMailedTo(address: string): string {
  const mail = inbox.filter((received) => received.to.includes(address)).at(-1);
  if (!mail) throw new Error(`no mail to ${address}`);
  const link = /http:\/\/troupe\.test:3260\/invite\/[A-Za-z0-9_-]{43}/.exec(mailText(mail.raw))?.[0];
  if (!link) throw new Error(`no invitation link in:\n${mail.raw}`);
  return link;
}

const tokenOf = (link: string) => link.split("/").at(-1) ?? "";

let owner: ReturnType<typeof callerFor>;
let teamId: string;

beforeAll(async () => {
  await startDatabase();
  // The first account of an invite-only server is made by the operator, like a seed.
  const created = await signUp(
    { name: "Olive", email: "olive@example.com", password: "a long enough password" },
    db,
    {
      invitationAccepted: true,
    },
  );
  if (!created.ok) throw new Error(JSON.stringify(created.issues));
  owner = callerFor({ id: created.userId, name: "Olive", email: "olive@example.com" });
  teamId = (await owner.team.create({ name: "Research crew" })).id;
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe("invitations", () => {
  it("mails a single-use link that signs a new person up into the team with the invited role", async () => {
    const sent = await owner.team.invite({ teamId, email: "  Newbie@Example.com ", role: "viewer" });
    expect(sent.mailed).toBe(true);
    expect(sent.invitation).toMatchObject({ email: "newbie@example.com", role: "viewer" });
    const days = (sent.invitation.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const link = linkMailedTo("newbie@example.com");
    expect(link).toBe(sent.link);
    const mail = mailText(inbox.at(-1)?.raw ?? "");
    expect(mail).toContain("Subject: Olive invited you to Research crew on Troupe");
    expect(mail).toContain("From: Troupe <invites@troupe.test>");
    // Only the hash is stored.
    const row = await db.invitation.findFirstOrThrow({ where: { email: "newbie@example.com" } });
    expect(JSON.stringify(row)).not.toContain(tokenOf(link));

    expect(await owner.team.invitations({ teamId })).toHaveLength(1);
    const page = await callerFor(null).team.invitation({ token: tokenOf(link) });
    expect(page).toMatchObject({ state: "valid", teamName: "Research crew", role: "viewer" });

    // SIGNUP=invite refuses a plain sign-up, but not the invited person.
    const plain = await signUp({
      name: "Newbie",
      email: "newbie@example.com",
      password: "a long enough password",
    });
    expect(plain.ok).toBe(false);
    const joined = await signUpWithInvitation(tokenOf(link), {
      name: "Newbie",
      password: "a long enough password",
    });
    if (!joined.ok) throw new Error(JSON.stringify(joined.issues));
    expect(joined.teamId).toBe(teamId);
    const membership = await db.membership.findUniqueOrThrow({
      where: { teamId_userId: { teamId, userId: joined.userId } },
    });
    expect(membership.role).toBe("viewer");
    const newbie = callerFor({ id: joined.userId, name: "Newbie", email: "newbie@example.com" });
    expect((await newbie.team.list()).map((team) => team.id)).toContain(teamId);
    expect(await owner.team.invitations({ teamId })).toHaveLength(0);

    // The link worked once.
    const again = await signUpWithInvitation(tokenOf(link), {
      name: "Mallory",
      password: "a long enough password",
    });
    expect(again).toEqual({ ok: false, issues: [{ field: "form", message: invitationRefusals.used }] });
    expect((await inspectInvitation(db, tokenOf(link))).state).toBe("used");
    expect((await rejection(newbie.team.acceptInvitation({ token: tokenOf(link) }))).message).toBe(
      invitationRefusals.used,
    );
  });

  it("lets an existing account accept by signing in, only with the invited address", async () => {
    const bob = await signUp(
      { name: "Bob", email: "bob@example.com", password: "a long enough password" },
      db,
      {
        invitationAccepted: true,
      },
    );
    const eve = await signUp(
      { name: "Eve", email: "eve@example.com", password: "a long enough password" },
      db,
      {
        invitationAccepted: true,
      },
    );
    if (!bob.ok || !eve.ok) throw new Error("sign-up failed");
    await owner.team.invite({ teamId, email: "bob@example.com", role: "admin" });
    const token = tokenOf(linkMailedTo("bob@example.com"));

    const wrong = await rejection(
      callerFor({ id: eve.userId, name: "Eve", email: "eve@example.com" }).team.acceptInvitation({ token }),
    );
    expect(wrong.message).toContain("This invitation is for bob@example.com");
    expect(await db.membership.findFirst({ where: { teamId, userId: eve.userId } })).toBeNull();

    const accepted = await callerFor({
      id: bob.userId,
      name: "Bob",
      email: "bob@example.com",
    }).team.acceptInvitation({
      token,
    });
    expect(accepted).toEqual({ teamId, role: "admin" });
  });

  it("refuses expired, revoked and unknown links with words that say why, adding nobody", async () => {
    await owner.team.invite({ teamId, email: "late@example.com", role: "editor", expiresInDays: 1 });
    const late = tokenOf(linkMailedTo("late@example.com"));
    await db.invitation.updateMany({
      where: { email: "late@example.com" },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await signUpWithInvitation(late, { name: "Late", password: "a long enough password" })).toEqual({
      ok: false,
      issues: [{ field: "form", message: invitationRefusals.expired }],
    });

    const sent = await owner.team.invite({ teamId, email: "withdrawn@example.com", role: "editor" });
    const withdrawn = tokenOf(linkMailedTo("withdrawn@example.com"));
    await owner.team.revokeInvitation({ teamId, invitationId: sent.invitation.id });
    expect(await signUpWithInvitation(withdrawn, { name: "W", password: "a long enough password" })).toEqual({
      ok: false,
      issues: [{ field: "form", message: invitationRefusals.revoked }],
    });
    await expectCode(owner.team.revokeInvitation({ teamId, invitationId: sent.invitation.id }), "NOT_FOUND");

    expect(await callerFor(null).team.invitation({ token: "x".repeat(43) })).toEqual({ state: "unknown" });
    expect(
      await db.user.count({ where: { email: { in: ["late@example.com", "withdrawn@example.com"] } } }),
    ).toBe(0);
  });

  it("keeps the invitation and returns its link when the mail server refuses the mail", async () => {
    const sent = await owner.team.invite({ teamId, email: "refused@bounce.test", role: "editor" });
    expect(sent).toMatchObject({ mailed: false, mailConfigured: true });
    expect(sent.link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    const page = await callerFor(null).team.invitation({ token: tokenOf(sent.link) });
    expect(page).toMatchObject({ state: "valid", email: "refused@bounce.test" });
  });

  it("keeps invitations out of personal teams, and roles above the inviter's", async () => {
    const personal = (await owner.team.list()).find((team) => team.personal);
    await expectCode(
      owner.team.invite({ teamId: personal?.id ?? "", email: "x@example.com", role: "editor" }),
      "BAD_REQUEST",
    );
    const bob = await db.user.findUniqueOrThrow({ where: { email: "bob@example.com" } });
    const admin = callerFor({ id: bob.id, name: "Bob", email: "bob@example.com" });
    await expectCode(admin.team.invite({ teamId, email: "boss@example.com", role: "owner" }), "FORBIDDEN");
    await expectCode(admin.team.invite({ teamId, email: "bob@example.com", role: "editor" }), "BAD_REQUEST");
    const before = await db.invitation.count();
    await expectCode(owner.team.invite({ teamId, email: "not an address", role: "editor" }), "BAD_REQUEST");
    expect(await db.invitation.count()).toBe(before);
  });
});
