import "server-only";
import { randomBytes } from "node:crypto";
import { ENDPOINT_SLUG_PATTERN, ENDPOINT_SLUG_RULE } from "~/lib/endpoint-slug";
import type { PrismaClient } from "~/server/db";
import { isUniqueViolation } from "~/server/db";
import { assertPublishGate } from "./publish-gate";

export { ENDPOINT_SLUG_PATTERN };

/** Why an endpoint change was refused, in words. */
export class EndpointError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict" | "invalid",
    message: string,
  ) {
    super(message);
    this.name = "EndpointError";
  }
}

async function versionOf(db: PrismaClient, teamId: string, versionId: string) {
  const version = await db.workflowVersion.findFirst({
    where: { id: versionId, workflow: { teamId } },
    select: { id: true, number: true, workflowId: true },
  });
  if (!version) throw new EndpointError("not_found", "Workflow version not found.");
  return version;
}

/**
 * Publish a saved workflow version under a slug unique in the team. The endpoint serves at once; its
 * history records who published which version when. The team's publish gate must pass
 * (PublishGateError otherwise, nothing stored).
 */
export async function publishEndpoint(
  db: PrismaClient,
  input: { teamId: string; slug: string; versionId: string; description?: string; actorId: string | null },
) {
  if (!ENDPOINT_SLUG_PATTERN.test(input.slug)) {
    throw new EndpointError("invalid", ENDPOINT_SLUG_RULE);
  }
  const version = await versionOf(db, input.teamId, input.versionId);
  await assertPublishGate(db, input.teamId, version.id);
  try {
    return await db.$transaction(async (tx) => {
      const endpoint = await tx.endpoint.create({
        data: {
          teamId: input.teamId,
          slug: input.slug,
          description: input.description ?? "",
          workflowId: version.workflowId,
          workflowVersionId: version.id,
          servingSince: new Date(),
          createdById: input.actorId,
        },
      });
      await tx.endpointRelease.create({
        data: {
          endpointId: endpoint.id,
          action: "published",
          workflowVersionId: version.id,
          versionNumber: version.number,
          actorId: input.actorId,
        },
      });
      return endpoint;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new EndpointError("conflict", `The team already has an endpoint "${input.slug}".`);
    }
    throw error;
  }
}

/**
 * Serve another version of the endpoint's workflow under the same URL (also re-publishes an
 * unpublished endpoint). Calls already running finish on the version they started with. The team's
 * publish gate must pass for the new version (PublishGateError otherwise, nothing changed).
 */
export async function moveEndpoint(
  db: PrismaClient,
  input: { teamId: string; endpointId: string; versionId: string; actorId: string | null },
) {
  const endpoint = await db.endpoint.findFirst({
    where: { id: input.endpointId, teamId: input.teamId },
    select: { id: true, workflowId: true, workflowVersionId: true },
  });
  if (!endpoint) throw new EndpointError("not_found", "Endpoint not found.");
  const version = await versionOf(db, input.teamId, input.versionId);
  if (version.workflowId !== endpoint.workflowId) {
    throw new EndpointError("invalid", "An endpoint serves versions of the workflow it was published from.");
  }
  await assertPublishGate(db, input.teamId, version.id);
  const action = endpoint.workflowVersionId ? "moved" : "published";
  return db.$transaction(async (tx) => {
    await tx.endpointRelease.create({
      data: {
        endpointId: endpoint.id,
        action,
        workflowVersionId: version.id,
        versionNumber: version.number,
        actorId: input.actorId,
      },
    });
    return tx.endpoint.update({
      where: { id: endpoint.id },
      data: { workflowVersionId: version.id, servingSince: new Date() },
    });
  });
}

/** Stop serving: calls answer 404 "not published" until the endpoint is published again. */
export async function unpublishEndpoint(
  db: PrismaClient,
  input: { teamId: string; endpointId: string; actorId: string | null },
) {
  const endpoint = await db.endpoint.findFirst({
    where: { id: input.endpointId, teamId: input.teamId },
    select: { id: true, workflowVersionId: true },
  });
  if (!endpoint) throw new EndpointError("not_found", "Endpoint not found.");
  if (!endpoint.workflowVersionId) return db.endpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
  return db.$transaction(async (tx) => {
    await tx.endpointRelease.create({
      data: { endpointId: endpoint.id, action: "unpublished", actorId: input.actorId },
    });
    return tx.endpoint.update({
      where: { id: endpoint.id },
      data: { workflowVersionId: null, servingSince: null },
    });
  });
}

/** Turn the public share link on (with a fresh token) or off. */
export async function setEndpointSharing(
  db: PrismaClient,
  input: { teamId: string; endpointId: string; enabled: boolean; ratePerMinute?: number },
) {
  const endpoint = await db.endpoint.findFirst({ where: { id: input.endpointId, teamId: input.teamId } });
  if (!endpoint) throw new EndpointError("not_found", "Endpoint not found.");
  return db.endpoint.update({
    where: { id: endpoint.id },
    data: {
      shareEnabled: input.enabled,
      // Turning the link on again makes a new one: a link handed out before stays dead.
      shareToken:
        input.enabled && !endpoint.shareEnabled ? randomBytes(18).toString("base64url") : endpoint.shareToken,
      ...(input.ratePerMinute !== undefined ? { shareRatePerMinute: input.ratePerMinute } : {}),
    },
  });
}
