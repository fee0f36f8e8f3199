"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useCallback, useEffect, useRef, useState } from "react";
import superjson from "superjson";
import type { CanvasStore } from "~/components/canvas";
import { toast } from "~/components/ui/toaster";
import { useTRPC } from "~/trpc/react";

/** Where the working copy stands relative to the server. */
export type SaveStatus =
  | { state: "saved"; at: Date | null }
  | { state: "dirty" }
  | { state: "saving" }
  | { state: "conflict"; message: string }
  | { state: "error"; message: string };

/** How long the canvas must be quiet before an autosave. */
export const autosaveDelayMs = 800;

/** Browsers cap the bodies of requests that outlive their page (keepalive) at 64 KiB in total. */
const keepaliveBodyLimit = 60_000;

/**
 * Send `workflow.saveGraph` as a request that outlives the page (a tab closing, a full navigation):
 * the same tRPC call, encoded as its client encodes it. Resolves with the new revision if the page is
 * still there to hear it; false when the graph is too large to go this way (then the page asks first).
 */
function saveOutlivingPage(input: { workflowId: string; revision: number; graph: unknown }) {
  const body = JSON.stringify(superjson.serialize(input));
  if (body.length > keepaliveBodyLimit) return false;
  return fetch("/api/trpc/workflow.saveGraph", {
    method: "POST",
    keepalive: true,
    headers: { "content-type": "application/json" },
    body,
  })
    .then(async (response) => {
      if (!response.ok) return null;
      const answer = (await response.json()) as {
        result: { data: Parameters<typeof superjson.deserialize>[0] };
      };
      return superjson.deserialize<{ revision: number }>(answer.result.data).revision;
    })
    .catch(() => null);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
}

/**
 * Debounced autosave of the canvas through `workflow.saveGraph` (never while a pointer button is held:
 * a save due mid-gesture waits for the release), with optimistic concurrency: a save
 * from a stale tab gets CONFLICT, autosave stops, and the local edits stay on the canvas until the
 * user reloads (takes the server's graph) or overwrites (saves theirs over it).
 *
 * Nothing typed is lost by leaving: moving to another page of the app saves at once (a failure says
 * so in a toast), and closing the tab or leaving the site sends the save as a request that outlives
 * the page; only a graph too large for that makes the browser ask before leaving.
 */
export function useAutosave(
  store: CanvasStore,
  workflowId: string,
  initialRevision: number,
  enabled: boolean,
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const saveGraph = useMutation(trpc.workflow.saveGraph.mutationOptions());
  const [status, setStatus] = useState<SaveStatus>({ state: "saved", at: null });
  const revision = useRef(initialRevision);
  const savedCount = useRef(store.getState().changeCount);
  const inFlight = useRef<Promise<boolean> | null>(null);
  const blocked = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const mutate = useRef(saveGraph.mutateAsync);
  mutate.current = saveGraph.mutateAsync;

  const save = useCallback(async (): Promise<boolean> => {
    if (inFlight.current) {
      await inFlight.current;
    }
    if (blocked.current) return false;
    const state = store.getState();
    const count = state.changeCount;
    if (count === savedCount.current) return true;
    setStatus({ state: "saving" });
    const attempt = (async () => {
      try {
        const result = await mutate.current({
          workflowId,
          revision: revision.current,
          graph: state.toDocument(),
        });
        revision.current = result.revision;
        savedCount.current = count;
        const dirty = store.getState().changeCount !== count;
        setStatus(dirty ? { state: "dirty" } : { state: "saved", at: new Date() });
        return true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (errorCode(error) === "CONFLICT") {
          blocked.current = true;
          setStatus({ state: "conflict", message });
        } else {
          setStatus({ state: "error", message });
        }
        return false;
      }
    })();
    inFlight.current = attempt;
    const ok = await attempt;
    inFlight.current = null;
    if (ok && store.getState().changeCount !== savedCount.current) schedule.current();
    return ok;
  }, [store, workflowId]);

  /** A pointer button is held (a drag, pan or selection under way): saves wait for its release. */
  const pointerHeld = useRef(false);
  const waitingForRelease = useRef(false);
  const schedule = useRef(() => {});
  schedule.current = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      // Serialising and sending a large graph takes tens of milliseconds of main thread: not in the
      // middle of a gesture, where it would drop frames.
      if (pointerHeld.current) waitingForRelease.current = true;
      else void save();
    }, autosaveDelayMs);
  };

  useEffect(() => {
    if (!enabled) return;
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.changeCount === previous.changeCount || blocked.current) return;
      setStatus((s) => (s.state === "saving" ? s : { state: "dirty" }));
      schedule.current();
    });
    const unsaved = () => !blocked.current && store.getState().changeCount !== savedCount.current;
    /** Leaving the site or closing the tab: the save goes out with the page. */
    const sendBeforeLeaving = () => {
      if (!unsaved() || inFlight.current) return true;
      if (timer.current) clearTimeout(timer.current);
      const count = store.getState().changeCount;
      const sent = saveOutlivingPage({
        workflowId,
        revision: revision.current,
        graph: store.getState().toDocument(),
      });
      if (!sent) return false;
      savedCount.current = count;
      // If the page stays (the person stayed, or the page was only hidden), take the new revision.
      inFlight.current = sent.then((next) => {
        inFlight.current = null;
        if (next === null) {
          savedCount.current = -1;
          schedule.current();
          return false;
        }
        revision.current = next;
        setStatus(
          store.getState().changeCount === count ? { state: "saved", at: new Date() } : { state: "dirty" },
        );
        return true;
      });
      return true;
    };
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!sendBeforeLeaving()) event.preventDefault();
    };
    const pageHide = () => {
      sendBeforeLeaving();
    };
    const press = () => {
      pointerHeld.current = true;
    };
    const release = () => {
      pointerHeld.current = false;
      if (!waitingForRelease.current) return;
      waitingForRelease.current = false;
      schedule.current();
    };
    window.addEventListener("beforeunload", beforeUnload);
    window.addEventListener("pagehide", pageHide);
    window.addEventListener("pointerdown", press, true);
    window.addEventListener("pointerup", release, true);
    window.addEventListener("pointercancel", release, true);
    return () => {
      unsubscribe();
      window.removeEventListener("beforeunload", beforeUnload);
      window.removeEventListener("pagehide", pageHide);
      window.removeEventListener("pointerdown", press, true);
      window.removeEventListener("pointerup", release, true);
      window.removeEventListener("pointercancel", release, true);
      if (timer.current) clearTimeout(timer.current);
      // Moving to another page of the app: the pending edit is saved now, not dropped with the timer.
      if (unsaved()) {
        void save().then((ok) => {
          if (!ok) toast.error("Your last edit to the workflow could not be saved. Open it again to check.");
        });
      }
    };
  }, [enabled, store, workflowId, save]);

  const fetchLatest = useCallback(
    () => queryClient.fetchQuery({ ...trpc.workflow.load.queryOptions({ workflowId }), staleTime: 0 }),
    [queryClient, trpc, workflowId],
  );

  /** Save now (before "Save version"); false when the save failed. */
  const flush = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    return save();
  }, [save]);

  /** Take the server's graph, dropping local edits. */
  const reload = useCallback(async () => {
    const latest = await fetchLatest();
    store.getState().load(latest.graph);
    revision.current = latest.revision;
    savedCount.current = store.getState().changeCount;
    blocked.current = false;
    setStatus({ state: "saved", at: new Date() });
  }, [fetchLatest, store]);

  /** Save the local graph over whatever the server has now. */
  const overwrite = useCallback(async () => {
    const latest = await fetchLatest();
    revision.current = latest.revision;
    blocked.current = false;
    savedCount.current = -1;
    return save();
  }, [fetchLatest, save]);

  /** After a server-side change made here (restore), adopt its revision without saving again. */
  const adopt = useCallback(
    (nextRevision: number) => {
      revision.current = nextRevision;
      savedCount.current = store.getState().changeCount;
      blocked.current = false;
      setStatus({ state: "saved", at: new Date() });
    },
    [store],
  );

  return { status, flush, reload, overwrite, adopt, revision };
}
