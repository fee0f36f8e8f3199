import type { StoreKernel } from "./kernel";
import type { ValidationContextActions } from "./state";

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
      if (catalog === get().catalog) return;
      set({ catalog });
      revalidateNow();
    },
  };
}
