/** How long someone has to wait, for a message: "a few seconds", "about 1 minute", "about 12 minutes". */
export function waitInWords(ms: number): string {
  if (ms < 30_000) return "a few seconds";
  const minutes = Math.ceil(ms / 60_000);
  return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
}
