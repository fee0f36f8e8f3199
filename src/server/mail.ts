import "server-only";
import { createTransport } from "nodemailer";
import { env } from "~/env";

/** One plain-text mail. */
export type Mail = { to: string; subject: string; text: string };

/**
 * Send a mail through SMTP_URL, from SMTP_FROM. Returns false, sending nothing, when no SMTP server
 * is configured (callers then show what the mail would have carried, e.g. an invitation link).
 */
export async function sendMail(mail: Mail, smtpUrl = env.SMTP_URL): Promise<boolean> {
  if (!smtpUrl) return false;
  const transport = createTransport(smtpUrl);
  try {
    await transport.sendMail({ from: env.SMTP_FROM, ...mail });
    return true;
  } finally {
    transport.close();
  }
}
