/**
 * What the processes' wiring (src/server/main.ts) sets before serving, set for the suites too: every
 * new personal team receives the demo workflow.
 */
import { setOnboarding } from "~/server/auth/onboarding";
import { seedDemoWorkflow } from "~/server/onboarding/demo-workflow";

setOnboarding(seedDemoWorkflow);
