import "server-only";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { apiKeyRouter } from "./routers/api-key";
import { endpointRouter } from "./routers/endpoint";
import { evaluationRouter } from "./routers/evaluation";
import { libraryRouter } from "./routers/library";
import { mcpRouter } from "./routers/mcp";
import { openapiRouter } from "./routers/openapi";
import { pricingRouter } from "./routers/pricing";
import { runRouter } from "./routers/run";
import { secretRouter } from "./routers/secret";
import { teamRouter } from "./routers/team";
import { userRouter } from "./routers/user";
import { workflowRouter } from "./routers/workflow";

/** Every router of the API, mounted by noun. */
export const appRouter = createTRPCRouter({
  apiKey: apiKeyRouter,
  endpoint: endpointRouter,
  evaluation: evaluationRouter,
  library: libraryRouter,
  mcp: mcpRouter,
  openapi: openapiRouter,
  pricing: pricingRouter,
  run: runRouter,
  secret: secretRouter,
  team: teamRouter,
  user: userRouter,
  workflow: workflowRouter,
});

export type AppRouter = typeof appRouter;

/** A server-side caller: `createCaller(context).workflow.list({ teamId })`. */
export const createCaller = createCallerFactory(appRouter);
