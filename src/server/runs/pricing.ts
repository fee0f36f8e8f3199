/**
 * Model prices and run usage accounting. The implementation lives in `~/lib/run-usage` so the
 * dashboard folds live events with the same code the worker stores totals with.
 */
import "server-only";

export * from "~/lib/run-usage";
