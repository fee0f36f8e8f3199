"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, Download, Loader2, LogOut, Mail, Trash2, UserPlus } from "lucide-react";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { PageHeader } from "~/components/layout/page-header";
import { useCurrentTeam } from "~/components/layout/team-context";
import { UserAvatar } from "~/components/layout/user-avatar";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import { FieldError } from "~/components/ui/field-error";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { toast } from "~/components/ui/toaster";
import { type Role, roleLabels, roles } from "~/lib/roles";
import { useTRPC } from "~/trpc/react";
import { PublishGateCard } from "./publish-gate-card";

const selectClass =
  "h-8 rounded-md border border-input bg-background px-2 text-sm capitalize shadow-xs outline-none focus-visible:ring-2 focus-visible:ring-ring/30 disabled:opacity-60";

/**
 * The current team's page. Everyone sees the members; the controls follow the caller's permissions
 * (the server enforces them again): admins invite, change roles and remove; owners also rename,
 * delete and hand ownership on; anyone but the last owner may leave a shared team.
 */
export function TeamManager({ userId }: { userId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const team = useCurrentTeam();
  const may = (action: string) => (team.actions as readonly string[]).includes(action);
  const manageMembers = may("manageMembers") && !team.personal;

  const membersOptions = trpc.team.members.queryOptions({ teamId: team.id });
  // Members and invitations change in other browsers (someone accepts, an admin removes): always re-read.
  const members = useQuery({ ...membersOptions, staleTime: 0, refetchOnMount: "always" });
  const invitationsOptions = trpc.team.invitations.queryOptions({ teamId: team.id });
  const invitations = useQuery({
    ...invitationsOptions,
    enabled: manageMembers,
    staleTime: 0,
    refetchOnMount: "always",
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: membersOptions.queryKey });
    await queryClient.invalidateQueries({ queryKey: invitationsOptions.queryKey });
    router.refresh();
  };
  const onError = (error: { message: string }) => toast.error(error.message);

  const [name, setName] = useState(team.name);
  const rename = useMutation(
    trpc.team.rename.mutationOptions({
      onSuccess: async () => {
        toast.success("Team renamed.");
        router.refresh();
      },
      onError,
    }),
  );
  const setRole = useMutation(trpc.team.setRole.mutationOptions({ onSuccess: refresh, onError }));
  const remove = useMutation(trpc.team.removeMember.mutationOptions({ onSuccess: refresh, onError }));
  const transfer = useMutation(trpc.team.transferOwnership.mutationOptions({ onSuccess: refresh, onError }));
  const leaveOrDelete = { onSuccess: () => router.push("/workflows"), onError };
  const leave = useMutation(trpc.team.leave.mutationOptions(leaveOrDelete));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const deleteTeam = useMutation(trpc.team.delete.mutationOptions(leaveOrDelete));

  const submitRename = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate({ teamId: team.id, name });
  };

  return (
    <>
      <PageHeader
        title={team.name}
        description={
          team.personal
            ? "Your personal team. To work with other people, create a team from the team menu and invite them there."
            : `You are ${team.role === "owner" || team.role === "admin" ? "an" : "a"} ${team.role} in this team.`
        }
        actions={
          team.personal ? null : (
            <Button
              variant="secondary"
              disabled={leave.isPending}
              onClick={() => leave.mutate({ teamId: team.id })}
            >
              <LogOut />
              Leave team
            </Button>
          )
        }
      />
      <div className="mt-8 grid gap-6">
        {may("manageTeam") ? (
          <Card>
            <CardHeader>
              <CardTitle>Name</CardTitle>
            </CardHeader>
            <CardContent>
              <form onSubmit={submitRename} className="flex gap-2">
                <Input
                  aria-label="Team name"
                  value={name}
                  onChange={(event) => setName(event.target.value)}
                  maxLength={80}
                />
                <Button type="submit" variant="secondary" disabled={rename.isPending}>
                  Rename
                </Button>
              </form>
            </CardContent>
          </Card>
        ) : null}
        {may("manageTeam") ? <PublishGateCard teamId={team.id} /> : null}

        <Card>
          <CardHeader>
            <CardTitle>Members</CardTitle>
            <CardDescription>
              Viewers see; editors also build and run; admins also manage members; owners also own the team.
            </CardDescription>
          </CardHeader>
          <CardContent className="p-0 pb-2">
            <ul aria-label="Team members" className="divide-y divide-border">
              {(members.data ?? []).map((member) => {
                const self = member.id === userId;
                const mayChange =
                  manageMembers && !self && (member.role !== "owner" || team.role === "owner");
                return (
                  <li
                    key={member.id}
                    className="flex flex-wrap items-center gap-3 px-6 py-3"
                    data-testid="member"
                  >
                    <UserAvatar name={member.name} email={member.email} />
                    <div className="min-w-0 flex-1">
                      <p className="truncate text-sm font-medium">
                        {member.name ?? member.email}
                        {self ? <span className="text-muted-foreground"> (you)</span> : null}
                      </p>
                      <p className="truncate text-xs text-muted-foreground">{member.email}</p>
                    </div>
                    {mayChange ? (
                      <select
                        aria-label={`Role of ${member.name ?? member.email}`}
                        className={selectClass}
                        value={member.role}
                        disabled={setRole.isPending}
                        onChange={(event) =>
                          setRole.mutate({
                            teamId: team.id,
                            userId: member.id,
                            role: event.target.value as Role,
                          })
                        }
                      >
                        {roles
                          .filter((role) => role !== "owner" || team.role === "owner")
                          .map((role) => (
                            <option key={role} value={role}>
                              {roleLabels[role]}
                            </option>
                          ))}
                      </select>
                    ) : (
                      <span
                        className="text-xs font-medium capitalize text-muted-foreground"
                        data-testid="member-role"
                      >
                        {member.role}
                      </span>
                    )}
                    {may("ownTeam") && !self && !team.personal && member.role !== "owner" ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={transfer.isPending}
                        onClick={() => transfer.mutate({ teamId: team.id, userId: member.id })}
                      >
                        Make owner
                      </Button>
                    ) : null}
                    {mayChange ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Remove ${member.name ?? member.email}`}
                        disabled={remove.isPending}
                        onClick={() => remove.mutate({ teamId: team.id, userId: member.id })}
                      >
                        <Trash2 />
                      </Button>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          </CardContent>
        </Card>

        {manageMembers ? (
          <InvitePeople
            teamId={team.id}
            mayInviteOwners={team.role === "owner"}
            onInvited={refresh}
            pending={invitations.data ?? []}
          />
        ) : null}

        {manageMembers ? <AuditLog teamId={team.id} /> : null}

        {may("ownTeam") && !team.personal ? (
          <Card>
            <CardHeader>
              <CardTitle>Delete this team</CardTitle>
              <CardDescription>
                Its workflows, runs, library and invitations are deleted with it.
              </CardDescription>
            </CardHeader>
            <CardContent>
              <Button variant="destructive" onClick={() => setConfirmDelete(true)}>
                <Trash2 />
                Delete team
              </Button>
            </CardContent>
          </Card>
        ) : null}
      </div>
      <Dialog open={confirmDelete} onOpenChange={setConfirmDelete}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Delete {team.name}?</DialogTitle>
            <DialogDescription>
              Everything in the team goes, for every member. This cannot be undone.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="secondary" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              disabled={deleteTeam.isPending}
              onClick={() => deleteTeam.mutate({ teamId: team.id })}
            >
              {deleteTeam.isPending ? <Loader2 className="animate-spin" /> : null}
              Delete team
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

type PendingInvitation = {
  id: string;
  email: string;
  role: string;
  expiresAt: Date;
};

/** Invite by e-mail with a role and an expiry; shows the single-use link to copy; lists pending invitations. */
function InvitePeople({
  teamId,
  mayInviteOwners,
  onInvited,
  pending,
}: {
  teamId: string;
  mayInviteOwners: boolean;
  onInvited: () => Promise<void>;
  pending: PendingInvitation[];
}) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [days, setDays] = useState(7);
  const [sent, setSent] = useState<{
    link: string;
    mailed: boolean;
    mailConfigured: boolean;
    email: string;
  }>();
  const invite = useMutation(
    trpc.team.invite.mutationOptions({
      onSuccess: async (result) => {
        setSent({
          link: result.link,
          mailed: result.mailed,
          mailConfigured: result.mailConfigured,
          email: result.invitation.email,
        });
        setEmail("");
        await onInvited();
      },
    }),
  );
  const revoke = useMutation(
    trpc.team.revokeInvitation.mutationOptions({
      onSuccess: onInvited,
      onError: (error) => toast.error(error.message),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSent(undefined);
    invite.mutate({ teamId, email, role, expiresInDays: days });
  };
  const copy = async (link: string) => {
    await navigator.clipboard.writeText(link).catch(() => undefined);
    toast.success("Link copied.");
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Invite people</CardTitle>
        <CardDescription>
          Each invitation link works once, for the address it was sent to, until it expires.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        <form
          onSubmit={submit}
          noValidate
          className="grid gap-3 sm:grid-cols-[1fr_auto_auto_auto] sm:items-end"
        >
          <div className="grid gap-1.5">
            <Label htmlFor="invite-email">E-mail</Label>
            <Input
              id="invite-email"
              type="email"
              value={email}
              placeholder="teammate@company.com"
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="invite-role">Role</Label>
            <select
              id="invite-role"
              className={`${selectClass} h-9`}
              value={role}
              onChange={(event) => setRole(event.target.value as Role)}
            >
              {roles
                .filter((option) => option !== "owner" || mayInviteOwners)
                .map((option) => (
                  <option key={option} value={option}>
                    {roleLabels[option]}
                  </option>
                ))}
            </select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="invite-days">Expires in (days)</Label>
            <Input
              id="invite-days"
              type="number"
              min={1}
              max={30}
              value={days}
              className="w-24"
              onChange={(event) => setDays(Number(event.target.value))}
            />
          </div>
          <Button type="submit" disabled={invite.isPending}>
            {invite.isPending ? <Loader2 className="animate-spin" /> : <UserPlus />}
            Invite
          </Button>
        </form>
        <FieldError message={invite.error?.message} />
        {sent ? (
          <div role="status" className="grid gap-2 rounded-md border bg-muted px-3 py-2.5 text-sm">
            <p>
              {sent.mailed ? (
                <>
                  <Mail className="mr-1 inline size-4" aria-hidden />
                  Mailed to {sent.email}. You can also send them this link:
                </>
              ) : sent.mailConfigured ? (
                <>The mail could not be sent: send {sent.email} this link yourself. It is shown only now.</>
              ) : (
                <>No mail server is set up: send {sent.email} this link yourself. It is shown only now.</>
              )}
            </p>
            <div className="flex gap-2">
              <Input readOnly value={sent.link} aria-label="Invitation link" data-testid="invitation-link" />
              <Button type="button" variant="secondary" onClick={() => void copy(sent.link)}>
                <Copy />
                Copy link
              </Button>
            </div>
          </div>
        ) : null}
        {pending.length > 0 ? (
          <div className="grid gap-2">
            <h3 className="text-sm font-medium">Pending invitations</h3>
            <ul aria-label="Pending invitations" className="divide-y divide-border rounded-md border">
              {pending.map((invitation) => (
                <li key={invitation.id} className="flex items-center gap-3 px-3 py-2 text-sm">
                  <span className="min-w-0 flex-1 truncate">{invitation.email}</span>
                  <span className="capitalize text-muted-foreground">{invitation.role}</span>
                  <span className="text-xs text-muted-foreground">
                    until {invitation.expiresAt.toLocaleDateString("en", { dateStyle: "medium" })}
                  </span>
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate({ teamId, invitationId: invitation.id })}
                  >
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}

/** Who changed what in the team and from where, newest first, with a CSV download (admins and owners). */
function AuditLog({ teamId }: { teamId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const log = useInfiniteQuery({
    ...trpc.team.auditLog.infiniteQueryOptions(
      { teamId, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor, staleTime: 0, refetchOnMount: "always" },
    ),
  });
  const [exporting, setExporting] = useState(false);
  const download = async () => {
    setExporting(true);
    try {
      const { csv, filename } = await queryClient.fetchQuery(
        trpc.team.auditCsv.queryOptions({ teamId }, { staleTime: 0 }),
      );
      const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      toast.error(error instanceof Error ? error.message : "The export failed.");
    } finally {
      setExporting(false);
    }
  };
  const items = log.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Card>
      <CardHeader className="flex flex-row items-start justify-between gap-4">
        <div className="grid gap-1.5">
          <CardTitle>Activity</CardTitle>
          <CardDescription>
            Changes to the team, its members and invitations: who, what, when, from where.
          </CardDescription>
        </div>
        <Button variant="secondary" size="sm" disabled={exporting} onClick={() => void download()}>
          {exporting ? <Loader2 className="animate-spin" /> : <Download />}
          Export CSV
        </Button>
      </CardHeader>
      <CardContent className="grid gap-3">
        <ul aria-label="Audit log" className="divide-y divide-border rounded-md border text-sm">
          {items.map((item) => (
            <li key={item.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2">
              <span className="font-mono text-xs">{item.action}</span>
              <span className="min-w-0 flex-1 truncate">
                {item.actor ?? "someone"} → {item.target}
              </span>
              <span className="text-xs text-muted-foreground">{item.ip ?? ""}</span>
              <span className="text-xs text-muted-foreground">
                {item.createdAt.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" })}
              </span>
            </li>
          ))}
        </ul>
        {log.hasNextPage ? (
          <Button
            variant="ghost"
            size="sm"
            disabled={log.isFetchingNextPage}
            onClick={() => void log.fetchNextPage()}
          >
            Show older
          </Button>
        ) : null}
      </CardContent>
    </Card>
  );
}
