"use client";

import { createContext, type ReactNode, useContext } from "react";
import { useStore } from "zustand";
import type { CanvasState, CanvasStore } from "./store";

const CanvasStoreContext = createContext<CanvasStore | null>(null);

/** Makes one canvas store available to the canvas, its nodes, palette and inspector. */
export function CanvasStoreProvider({ store, children }: { store: CanvasStore; children: ReactNode }) {
  return <CanvasStoreContext.Provider value={store}>{children}</CanvasStoreContext.Provider>;
}

/** The canvas store itself, for actions and `getState()` in handlers. */
export function useCanvasStore(): CanvasStore {
  const store = useContext(CanvasStoreContext);
  if (!store) throw new Error("useCanvasStore must be used under <CanvasStoreProvider>");
  return store;
}

/** Select a narrow slice of canvas state; the component re-renders only when it changes. */
export function useCanvas<T>(selector: (state: CanvasState) => T): T {
  return useStore(useCanvasStore(), selector);
}
