"use client";

import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Download, FileUp, Globe, History, LayoutTemplate, Save } from "lucide-react";
import Link from "next/link";
import { type ChangeEvent, useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import {
  type CanvasLibrary,
  CanvasLibraryProvider,
  CanvasStoreProvider,
  createCanvasStore,
  libraryCatalog,
  libraryRefsOf,
  OpenApiImportDialog,
  WorkflowCanvas,
} from "~/components/canvas";
import { StartRunDialog } from "~/components/runs/start-run-dialog";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "~/components/ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { Input } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import {
  exportWorkflow,
  type GraphIssue,
  parseWorkflowFile,
  workflowLimits,
  workflowTemplates,
} from "~/graph";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { HistoryDialog } from "./history-dialog";
import {
  canvasLibraryItem,
  LIBRARY_PAGE_FOR_CANVAS,
  missingLibraryRefs,
  withPinnedVersions,
} from "./library-versions";
import { SaveStatusLabel } from "./save-status";
import { useAutosave } from "./use-autosave";

type Loaded = RouterOutputs["workflow"]["load"];

/** The workflow page: header (name, save state, versions, import/export, run) over the canvas builder. */
export function WorkflowEditor({ initial }: { initial: Loaded }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const readOnly = initial.role === "viewer";
  // The team library: palette items, the catalog that validates library nodes, and sharing. The
  // list carries each item's latest definition; versions the graph pins otherwise are fetched.
  const libraryOptions = trpc.library.list.queryOptions({
    teamId: initial.teamId,
    limit: LIBRARY_PAGE_FOR_CANVAS,
  });
  const listedItems = useQuery(libraryOptions).data?.items;
  const listed = useMemo(() => listedItems?.map(canvasLibraryItem), [listedItems]);
  // Validated once, with the library the page brought; a later list (after a share) revalidates.
  const [store] = useState(() =>
    createCanvasStore(initial.graph, { catalog: listed ? libraryCatalog(listed) : undefined }),
  );
  const pinnedRefs = useStore(store, (s) => libraryRefsOf(s.nodes));
  const pinned = useQueries({
    queries: (listed ? missingLibraryRefs(listed, pinnedRefs) : []).map((ref) => ({
      ...trpc.library.version.queryOptions({ teamId: initial.teamId, ...ref }),
      staleTime: Number.POSITIVE_INFINITY,
      retry: false,
    })),
  });
  const pinnedVersions = pinned.flatMap((query) => (query.data ? [query.data] : []));
  const pinnedKey = pinnedVersions.map((v) => `${v.item.id}@${v.version}`).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: pinnedKey stands for pinnedVersions
  const libraryItems = useMemo(
    () => (listed ? withPinnedVersions(listed, pinnedVersions) : undefined),
    [listed, pinnedKey],
  );
  const catalog = useMemo(() => (libraryItems ? libraryCatalog(libraryItems) : undefined), [libraryItems]);
  useEffect(() => {
    if (catalog) store.getState().setCatalog(catalog);
  }, [catalog, store]);
  const share = useMutation(
    trpc.library.share.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: libraryOptions.queryKey }),
    }),
  );
  const shareAsync = share.mutateAsync;
  const shareAgent = useMutation(
    trpc.library.shareAgent.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: libraryOptions.queryKey }),
    }),
  );
  const shareAgentAsync = shareAgent.mutateAsync;
  const library = useMemo<CanvasLibrary>(
    () => ({
      items: libraryItems ?? [],
      canShare: !readOnly,
      share: (tool, message) => shareAsync({ teamId: initial.teamId, tool, message }),
      shareAgent: (nodeId, message) =>
        shareAgentAsync({ teamId: initial.teamId, document: store.getState().toDocument(), nodeId, message }),
    }),
    [libraryItems, readOnly, shareAsync, shareAgentAsync, initial.teamId, store],
  );
  const autosave = useAutosave(store, initial.id, initial.revision, !readOnly);
  const fileInput = useRef<HTMLInputElement>(null);
  const [importError, setImportError] = useState<{ message: string; issues: GraphIssue[] } | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [openApiOpen, setOpenApiOpen] = useState(false);
  const inspectOpenApi = useMutation(trpc.openapi.inspect.mutationOptions()).mutateAsync;
  const [versionOpen, setVersionOpen] = useState(false);
  const [message, setMessage] = useState("");
  const blocking = useStore(store, (s) => s.issues.filter((i) => i.severity !== "warning").length);
  // Validation knows which secrets are set (names only) and where the server's keys may go, so a
  // missing key or a model pointing its key elsewhere shows on its node.
  const providers = useQuery(trpc.run.providers.queryOptions(undefined, { staleTime: 60_000 }));
  // The team's own secrets (names and hosts); viewers may not list them, and need not.
  const teamSecretList = useQuery(
    trpc.secret.list.queryOptions({ teamId: initial.teamId }, { staleTime: 30_000, retry: false }),
  );
  const secretNames = providers.data?.secretNames;
  const installationKeys = providers.data?.installationKeys;
  const teamSecretsSettled = !teamSecretList.isPending;
  const teamSecrets = useMemo(
    () =>
      teamSecretList.data?.secrets.map((secret) => ({
        name: secret.name,
        allowedHost: secret.allowedHost,
      })) ?? [],
    [teamSecretList.data],
  );
  useEffect(() => {
    if (secretNames && teamSecretsSettled) {
      store.getState().setKnownSecrets(secretNames, installationKeys, teamSecrets);
    }
  }, [secretNames, installationKeys, teamSecrets, teamSecretsSettled, store]);
  // The team's run limits: the Run dialog shows them, and validation knows whether the local sandbox is allowed.
  const limits = useQuery(
    trpc.team.limits.queryOptions({ teamId: initial.teamId }, { staleTime: 60_000 }),
  ).data;
  const allowLocalExecutor = limits?.localExecutor;
  useEffect(() => {
    if (allowLocalExecutor !== undefined) store.getState().setAllowLocalExecutor(allowLocalExecutor);
  }, [allowLocalExecutor, store]);

  const saveVersion = useMutation(
    trpc.workflow.saveVersion.mutationOptions({
      onSuccess: (version) => {
        setVersionOpen(false);
        setMessage("");
        toast.success(`Saved version ${version.number}.`);
      },
      onError: (error) => toast.error(error.message),
    }),
  );

  const onImport = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    if (file.size > workflowLimits.maxFileBytes) {
      setImportError({
        message: `The file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 5 MB`,
        issues: [],
      });
      return;
    }
    const result = parseWorkflowFile(await file.text(), { catalog: store.getState().catalog });
    if (!result.ok) {
      setImportError({ message: result.message, issues: result.issues });
      return;
    }
    store.getState().replaceDocument(result.document);
    toast.success(
      `Imported ${result.name ? `"${result.name}"` : file.name}${result.migratedFrom !== undefined ? ` (migrated from version ${result.migratedFrom})` : ""}. Undo with Ctrl+Z.`,
    );
  };

  const onExport = () => {
    const file = exportWorkflow(store.getState().toDocument(), {
      name: initial.name,
      description: initial.description,
    });
    const blob = new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${initial.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-|-$/g, "") || "workflow"}.troupe.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const status = autosave.status;
  const runBlocker = readOnly
    ? "Viewers cannot start runs"
    : blocking > 0
      ? `Fix ${blocking} problem${blocking === 1 ? "" : "s"} before running (see the inspector)`
      : null;
  return (
    <CanvasStoreProvider store={store}>
      <CanvasLibraryProvider library={library}>
        <div className="flex h-full flex-col">
          <header className="flex flex-wrap items-center gap-2 border-b border-border px-4 py-2">
            <Button asChild variant="ghost" size="icon" aria-label="All workflows">
              <Link href="/workflows">
                <ArrowLeft />
              </Link>
            </Button>
            <h1 className="max-w-72 truncate text-base font-semibold" title={initial.name}>
              {initial.name}
            </h1>
            <SaveStatusLabel status={status} readOnly={readOnly} />
            <div className="ml-auto flex flex-wrap items-center gap-1.5">
              <DropdownMenu>
                <DropdownMenuTrigger asChild>
                  <Button
                    variant="ghost"
                    size="sm"
                    disabled={readOnly}
                    aria-label="Templates"
                    title="Start from a template"
                  >
                    <LayoutTemplate /> <span className="hidden 2xl:inline">Templates</span>
                  </Button>
                </DropdownMenuTrigger>
                <DropdownMenuContent align="end" className="w-80">
                  {workflowTemplates.map((t) => (
                    <DropdownMenuItem
                      key={t.id}
                      data-testid={`template-${t.id}`}
                      onSelect={() => {
                        store.getState().replaceDocument(structuredClone(t.document));
                        toast.success(`Started from "${t.name}". Undo with Ctrl+Z.`);
                      }}
                    >
                      <span>
                        <span className="block text-sm font-medium">{t.name}</span>
                        <span className="block text-xs text-muted-foreground">{t.description}</span>
                      </span>
                    </DropdownMenuItem>
                  ))}
                </DropdownMenuContent>
              </DropdownMenu>
              <Button
                variant="ghost"
                size="sm"
                disabled={readOnly}
                aria-label="Import"
                title="Import a workflow JSON file"
                onClick={() => fileInput.current?.click()}
              >
                <FileUp /> <span className="hidden 2xl:inline">Import</span>
              </Button>
              <input
                ref={fileInput}
                type="file"
                accept=".json,application/json"
                className="hidden"
                data-testid="import-input"
                onChange={(e) => void onImport(e)}
              />
              <Button
                variant="ghost"
                size="sm"
                disabled={readOnly}
                aria-label="Import OpenAPI"
                title="Import operations of an OpenAPI document as HTTP tools"
                data-testid="openapi-import-button"
                onClick={() => setOpenApiOpen(true)}
              >
                <Globe /> <span className="hidden 2xl:inline">OpenAPI</span>
              </Button>
              <Button
                variant="ghost"
                size="sm"
                onClick={onExport}
                data-testid="export-button"
                aria-label="Export"
                title="Export as JSON (secret values are never included)"
              >
                <Download /> <span className="hidden 2xl:inline">Export</span>
              </Button>
              <Button
                variant="ghost"
                size="sm"
                aria-label="History"
                title="Versions"
                onClick={() => setHistoryOpen(true)}
              >
                <History /> <span className="hidden 2xl:inline">History</span>
              </Button>
              <Button variant="secondary" size="sm" disabled={readOnly} onClick={() => setVersionOpen(true)}>
                <Save /> Save version
              </Button>
              <span title={runBlocker ?? "Run this workflow"} data-testid="run-button-wrapper">
                <StartRunDialog
                  workflowId={initial.id}
                  workflowName={initial.name}
                  disabled={runBlocker !== null}
                  beforeStart={autosave.flush}
                  limits={limits}
                />
              </span>
            </div>
          </header>
          {readOnly ? (
            <div
              role="status"
              data-testid="read-only-banner"
              className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900"
            >
              You are a viewer in this team: this canvas is read-only. Ask a team admin for the editor role to
              change or run it.
            </div>
          ) : null}
          {status.state === "conflict" || status.state === "error" ? (
            <div
              role="alert"
              data-testid="save-problem"
              className="flex flex-wrap items-center gap-3 border-b border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900"
            >
              <span className="min-w-0 flex-1">{status.message}</span>
              {status.state === "conflict" ? (
                <>
                  <Button size="sm" variant="secondary" onClick={() => void autosave.reload()}>
                    Reload theirs
                  </Button>
                  <Button size="sm" variant="destructive" onClick={() => void autosave.overwrite()}>
                    Overwrite with mine
                  </Button>
                </>
              ) : (
                <Button size="sm" variant="secondary" onClick={() => void autosave.flush()}>
                  Try again
                </Button>
              )}
            </div>
          ) : null}
          <div className="flex min-h-0 flex-1">
            <WorkflowCanvas readOnly={readOnly} />
          </div>
        </div>
      </CanvasLibraryProvider>

      <OpenApiImportDialog
        open={openApiOpen}
        onOpenChange={setOpenApiOpen}
        inspect={(source) => inspectOpenApi({ teamId: initial.teamId, source })}
        onImport={(tools) => {
          const ids = store.getState().addToolNodes(tools);
          toast.success(
            `Added ${ids.length} HTTP tool${ids.length === 1 ? "" : "s"}: connect ${ids.length === 1 ? "it" : "them"} to an agent and set the secret. Undo with Ctrl+Z.`,
          );
        }}
      />

      <HistoryDialog
        workflowId={initial.id}
        open={historyOpen}
        onOpenChange={setHistoryOpen}
        readOnly={readOnly}
        beforeRestore={autosave.flush}
        revision={() => autosave.revision.current}
        onRestored={(restored) => {
          store.getState().load(restored.graph);
          autosave.adopt(restored.revision);
        }}
      />

      <Dialog open={versionOpen} onOpenChange={setVersionOpen}>
        <DialogContent>
          <form
            className="grid gap-4"
            onSubmit={async (event) => {
              event.preventDefault();
              if (!(await autosave.flush())) {
                toast.error("Save the workflow first: the latest changes could not be saved.");
                return;
              }
              saveVersion.mutate({ workflowId: initial.id, revision: autosave.revision.current, message });
            }}
          >
            <DialogHeader>
              <DialogTitle>Save version</DialogTitle>
              <DialogDescription>
                Freeze the current graph as an immutable version you can restore later.
              </DialogDescription>
            </DialogHeader>
            <Input
              autoFocus
              aria-label="Version message"
              placeholder="What changed?"
              maxLength={500}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
            <DialogFooter>
              <Button type="button" variant="ghost" onClick={() => setVersionOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={saveVersion.isPending}>
                Save version
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>

      <Dialog open={importError !== null} onOpenChange={(open) => !open && setImportError(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Import failed</DialogTitle>
            <DialogDescription>Nothing was changed.</DialogDescription>
          </DialogHeader>
          <p className="text-sm" data-testid="import-error">
            {importError?.message}
          </p>
          {importError && importError.issues.length > 1 ? (
            <ul className="max-h-40 list-disc overflow-y-auto pl-5 text-xs text-muted-foreground">
              {importError.issues.slice(1, 8).map((issue) => (
                <li key={`${issue.path.join(".")}-${issue.message}`}>{issue.message}</li>
              ))}
            </ul>
          ) : null}
          <DialogFooter>
            <Button onClick={() => setImportError(null)}>OK</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </CanvasStoreProvider>
  );
}
