import { Bot } from "lucide-react";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ShareChat } from "~/components/chat/share-chat";
import { db } from "~/server/db";
import { shareLinkInfo } from "~/server/publish/share";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ token: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { token } = await params;
  const info = await shareLinkInfo(db, token);
  return {
    title: info ? `Chat with ${info.slug}` : "Chat",
    // A share link is for the people it was given to: keep it out of search engines.
    robots: { index: false, follow: false },
    referrer: "no-referrer",
  };
}

/**
 * The public chat of an endpoint's share link: no sign-in, outside the app's layout, and embeddable in
 * an <iframe> on any site (next.config.mjs allows framing for /share/* only). A link that is off,
 * unknown or whose endpoint is unpublished is a 404 page.
 */
export default async function SharePage({ params }: Params) {
  const { token } = await params;
  const info = await shareLinkInfo(db, token);
  if (!info) notFound();
  return (
    <div className="flex h-dvh flex-col bg-muted/30">
      <header className="flex items-center gap-3 border-b border-border bg-background px-4 py-3">
        <span className="flex size-8 items-center justify-center rounded-lg bg-violet-100 text-violet-700">
          <Bot aria-hidden className="size-4" />
        </span>
        <div className="min-w-0">
          <h1 className="truncate text-sm font-semibold" data-testid="share-title">
            {info.slug}
          </h1>
          {info.description ? (
            <p className="truncate text-xs text-muted-foreground">{info.description}</p>
          ) : null}
        </div>
      </header>
      <main className="mx-auto flex min-h-0 w-full max-w-3xl flex-1 flex-col bg-background">
        <ShareChat token={token} />
      </main>
      <footer className="py-1.5 text-center text-[11px] text-muted-foreground">
        Answers are written by an AI agent and may be wrong. Made with Troupe.
      </footer>
    </div>
  );
}
