import type { LayoutResponse } from "./layout-protocol";
import { handleLayoutMessage } from "./layout-worker-handler";

/** The worker's global scope, as much of it as this file uses. */
interface LayoutWorkerScope {
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  postMessage(response: LayoutResponse): void;
}

/** The canvas's layout worker: ELK runs here, off the page's main thread (see layout-protocol.ts). */
const scope = self as unknown as LayoutWorkerScope;
scope.onmessage = (event) => {
  void handleLayoutMessage(event.data, (response) => scope.postMessage(response));
};
