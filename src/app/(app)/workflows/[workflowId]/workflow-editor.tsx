"use client";

import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ArrowLeft,
  Copy,
  Download,
  FileUp,
  Globe,
  History,
  LayoutTemplate,
  MessagesSquare,
  Rocket,
  Save,
} from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ChangeEvent, useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import {
  type CanvasLibrary,
  CanvasLibraryProvider,
  type CanvasMcp,
  CanvasMcpProvider,
  CanvasStoreProvider,
  createCanvasStore,
  libraryCatalog,
  libraryRefsOf,
  OpenApiImportDialog,
  WorkflowCanvas,
} from "~/components/canvas";
import { PlaygroundPanel } from "~/components/chat/playground-panel";
import { useCurrentTeam } from "~/components/layout/team-context";
import { PublishDialog } from "~/components/publish/publish-dialog";
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
import { errorMessageOf } from "~/lib/input-errors";
import { can } from "~/lib/permissions";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { HistoryDialog } from "./history-dialog";
import {
  canvasLibraryItem,
  LIBRARY_PAGE_FOR_CANVAS,
  missingLibraryRefs,
  withPinnedVersions,
} from "./library-versions";
import { SaveStatusLabel } from "./save-status";
import { smolagentsImporters } from "./smolagents-import";
import { useAutosave } from "./use-autosave";
import { useReplaceCanvas } from "./use-replace-canvas";

type Loaded = RouterOutputs["workflow"]["load"];

/** The workflow page: header (name, save state, versions, import/export, run) over the canvas builder. */
export function WorkflowEditor({ initial }: { initial: Loaded }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const readOnly = !can(initial.role, "edit");
  // Publishing needs the `publish` action in the workflow's team (the current team's allowed actions).
  const currentTeam = useCurrentTeam();
  const canPublish = currentTeam.id === initial.teamId && currentTeam.actions.includes("publish");
  const [publishOpen, setPublishOpen] = useState(false);
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
  const [importError, setImportError] = useState<{
    message: string;
    issues: GraphIssue[];
    imported?: true;
  } | null>(null);
  const { confirmReplace, replaceCanvas, confirmDialog } = useReplaceCanvas(store);
  const smolagents = useMemo(
    () => smolagentsImporters(store, replaceCanvas, setImportError),
    [store, replaceCanvas],
  );
  const zipInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const toolInput = useRef<HTMLInputElement>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [openApiOpen, setOpenApiOpen] = useState(false);
  const inspectOpenApi = useMutation(trpc.openapi.inspect.mutationOptions()).mutateAsync;
  const [versionOpen, setVersionOpen] = useState(false);
  const [playgroundOpen, setPlaygroundOpen] = useState(false);
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
  const stdioCommands = limits?.mcpStdioCommands;
  useEffect(() => {
    if (stdioCommands) store.getState().setMcpStdioCommands(stdioCommands);
  }, [stdioCommands, store]);
  // MCP servers: the inspector's "Refresh tools" asks through the server; stdio is for admins.
  const discoverTools = useMutation(trpc.mcp.discoverTools.mutationOptions());
  const discover = discoverTools.mutateAsync;
  const mcp = useMemo<CanvasMcp>(
    () => ({
      canConfigureCommands: initial.role === "admin" || initial.role === "owner",
      discoverTools: readOnly
        ? undefined
        : async (server) => (await discover({ teamId: initial.teamId, server })).tools,
    }),
    [discover, initial.role, initial.teamId, readOnly],
  );

  const saveVersion = useMutation(
    trpc.workflow.saveVersion.mutationOptions({
      onSuccess: (version) => {
        setVersionOpen(false);
        setMessage("");
        toast.success(`Saved version ${version.number}.`);
      },
      onError: (error) => toast.error(errorMessageOf(error)),
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
    const what = result.name ? `The workflow "${result.name}"` : file.name;
    if (!(await replaceCanvas(result.document, what))) return;
    toast.success(
      `Imported ${result.name ? `"${result.name}"` : file.name}${result.migratedFrom !== undefined ? ` (migrated from version ${result.migratedFrom})` : ""}. Undo with Ctrl+Z.`,
    );
  };

  const router = useRouter();
  const duplicate = useMutation(trpc.workflow.duplicate.mutationOptions());
  /** Save pending edits, copy the workflow (working copy, description) and open the copy. */
  const onDuplicate = async () => {
    if (!(await autosave.flush())) {
      toast.error("Save the workflow first: the latest changes could not be saved.");
      return;
    }
    try {
      const copy = await duplicate.mutateAsync({ workflowId: initial.id });
      toast.success(`Duplicated as "${copy.name}"; you are editing the copy.`);
      router.push(`/workflows/${copy.id}`);
    } catch (error) {
      toast.error(errorMessageOf(error));
    }
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
        <CanvasMcpProvider mcp={mcp}>
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
                        onSelect={async () => {
                          const what = `The template "${t.name}"`;
                          if (!(await replaceCanvas(structuredClone(t.document), what))) return;
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
                <DropdownMenu>
                  <DropdownMenuTrigger asChild>
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={readOnly}
                      aria-label="Import"
                      title="Import a workflow file or a smolagents agent or tool"
                      data-testid="import-menu"
                    >
                      <FileUp /> <span className="hidden 2xl:inline">Import</span>
                    </Button>
                  </DropdownMenuTrigger>
                  <DropdownMenuContent align="end">
                    <DropdownMenuItem data-testid="import-json" onSelect={() => fileInput.current?.click()}>
                      Workflow file (.json)
                    </DropdownMenuItem>
                    <DropdownMenuItem
                      data-testid="import-smolagents-zip"
                      onSelect={() => zipInput.current?.click()}
                    >
                      smolagents agent (.zip of a saved folder)
                    </DropdownMenuItem>
                    <DropdownMenuItem
                      data-testid="import-smolagents-folder"
                      onSelect={() => folderInput.current?.click()}
                    >
                      smolagents agent (its folder)
                    </DropdownMenuItem>
                    <DropdownMenuItem
                      data-testid="import-smolagents-tool"
                      onSelect={() => toolInput.current?.click()}
                    >
                      smolagents tool (tool.py)
                    </DropdownMenuItem>
                  </DropdownMenuContent>
                </DropdownMenu>
                <input
                  ref={zipInput}
                  type="file"
                  accept=".zip,application/zip"
                  className="hidden"
                  data-testid="import-smolagents-zip-input"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    e.target.value = "";
                    if (file) void smolagents.zip(file);
                  }}
                />
                <input
                  ref={folderInput}
                  type="file"
                  multiple
                  className="hidden"
                  data-testid="import-smolagents-folder-input"
                  {...{ webkitdirectory: "" }}
                  onChange={(e) => {
                    const files = [...(e.target.files ?? [])];
                    e.target.value = "";
                    if (files.length) void smolagents.folder(files);
                  }}
                />
                <input
                  ref={toolInput}
                  type="file"
                  accept=".py,text/x-python"
                  className="hidden"
                  data-testid="import-smolagents-tool-input"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    e.target.value = "";
                    if (file) void smolagents.tool(file);
                  }}
                />
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
                  disabled={readOnly || duplicate.isPending}
                  onClick={() => void onDuplicate()}
                  aria-label="Duplicate"
                  title="Make a copy of this workflow and open it"
                >
                  <Copy /> <span className="hidden 2xl:inline">Duplicate</span>
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
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={readOnly}
                  onClick={() => setVersionOpen(true)}
                >
                  <Save /> Save version
                </Button>
                {canPublish ? (
                  <Button
                    variant="secondary"
                    size="sm"
                    title="Publish a saved version as an API endpoint"
                    onClick={() => setPublishOpen(true)}
                  >
                    <Rocket /> Publish
                  </Button>
                ) : null}
                <Button
                  variant={playgroundOpen ? "secondary" : "ghost"}
                  size="sm"
                  aria-pressed={playgroundOpen}
                  title="Chat with this workflow, with memory between messages"
                  data-testid="playground-toggle"
                  onClick={() => setPlaygroundOpen((open) => !open)}
                >
                  <MessagesSquare /> Playground
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
                You are a viewer in this team: this canvas is read-only. Ask a team admin for the editor role
                to change or run it.
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
              {playgroundOpen ? (
                <PlaygroundPanel
                  workflowId={initial.id}
                  disabledReason={runBlocker}
                  beforeStart={autosave.flush}
                  onClose={() => setPlaygroundOpen(false)}
                />
              ) : null}
            </div>
          </div>
        </CanvasMcpProvider>
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
        beforeRestore={async (number) =>
          (await confirmReplace(`Version ${number}`)) && (await autosave.flush())
        }
        revision={() => autosave.revision.current}
        onRestored={(restored) => {
          // On the undo stack like a template: Ctrl+Z puts the previous graph back (and autosaves it).
          store.getState().replaceDocument(restored.graph);
          autosave.adopt(restored.revision);
        }}
      />

      {canPublish ? (
        <PublishDialog
          open={publishOpen}
          onOpenChange={setPublishOpen}
          teamId={initial.teamId}
          workflowId={initial.id}
          workflowName={initial.name}
          beforeSave={autosave.flush}
          revision={() => autosave.revision.current}
        />
      ) : null}

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
            <DialogTitle>{importError?.imported ? "Imported, with notes" : "Import failed"}</DialogTitle>
            <DialogDescription>
              {importError?.imported ? "Undo with Ctrl+Z." : "Nothing was changed."}
            </DialogDescription>
          </DialogHeader>
          <p className="text-sm" data-testid="import-error">
            {importError?.message}
          </p>
          {importError && importError.issues.length > 1 ? (
            <ul className="max-h-40 list-disc overflow-y-auto pl-5 text-xs text-muted-foreground">
              {importError.issues.slice(1, importError.imported ? 30 : 8).map((issue) => (
                <li key={`${issue.path.join(".")}-${issue.message}`}>{issue.message}</li>
              ))}
            </ul>
          ) : null}
          <DialogFooter>
            <Button onClick={() => setImportError(null)}>OK</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
      {confirmDialog}
    </CanvasStoreProvider>
  );
}
