import type { LaunchOptions } from "@playwright/test";

/**
 * How tests and benches start Debian's Chromium (CHROMIUM_PATH): nothing is downloaded, and
 * nothing reaches for the network this machine does not have (without the background-networking
 * flags Chromium's own connections are refused many at a time).
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
} satisfies LaunchOptions;
