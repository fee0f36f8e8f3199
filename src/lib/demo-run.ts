/**
 * What the browser needs to know about the first-run demo workflow (src/server/onboarding/demo-workflow.ts):
 * its name, and the task its recorded answers were written for, which the Run dialog prefills.
 */
export const DEMO_WORKFLOW_NAME = "Demo: research team";

export const DEMO_TASK =
  "Which of the three Nordic capitals Stockholm, Oslo and Copenhagen is the largest, and how does it compare with the average of the three?";
