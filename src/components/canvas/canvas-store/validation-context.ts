import type { ToolCatalog } from "~/graph";
import type { StoreKernel } from "./kernel";
import type { ValidationContextActions } from "./state";

/**
 * Whether two catalogs list the same entries (the same objects, in order). The editor builds a new
 * catalog object from the same library list it created the store with; revalidating a large graph
 * for it would cost a whole validation at load for nothing.
 */
function sameCatalog(a: ToolCatalog, b: ToolCatalog): boolean {
  const sameEntries = (x: readonly object[] = [], y: readonly object[] = []) =>
    x === y ||
    (x.length === y.length &&
      x.every((entry, i) =>
        Object.entries(entry).every(([key, value]) => (y[i] as Record<string, unknown>)[key] === value),
      ));
  const sameNames = (x: readonly string[], y: readonly string[]) =>
    x === y || (x.length === y.length && x.every((name, i) => name === y[i]));
  return (
    a === b ||
    (sameNames(a.builtinTools, b.builtinTools) &&
      sameEntries(a.libraryTools, b.libraryTools) &&
      sameEntries(a.libraryAgents, b.libraryAgents))
  );
}

/** The server's facts the graph is validated against; a change revalidates the graph. */
export function validationContextSlice({ set, get, revalidate }: StoreKernel): ValidationContextActions {
  const revalidateNow = () => {
    const { nodes, edges } = get();
    set(revalidate(nodes, edges));
  };
  return {
    setKnownSecrets(names, installationKeys, teamSecrets) {
      set({ knownSecrets: names, installationKeys, teamSecrets });
      revalidateNow();
    },

    setMcpStdioCommands(commands) {
      const current = get().mcpStdioCommands;
      if (current && current.join(",") === commands.join(",")) return;
      set({ mcpStdioCommands: commands });
      revalidateNow();
    },

    setAllowLocalExecutor(allowed) {
      if (allowed === get().allowLocalExecutor) return;
      set({ allowLocalExecutor: allowed });
      revalidateNow();
    },

    setCatalog(catalog) {
      if (sameCatalog(catalog, get().catalog)) return;
      set({ catalog });
      revalidateNow();
    },
  };
}
