import type { Metadata } from "next";
import type { ReactNode } from "react";
import "~/styles/globals.css";
import { Toaster } from "~/components/ui/toaster";
import { TRPCReactProvider } from "~/trpc/react";

export const metadata: Metadata = {
  title: { default: "Troupe", template: "%s · Troupe" },
  description: "Design, run, share and publish teams of LLM agents.",
};

/** The root document: providers shared by every page. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh">
        <TRPCReactProvider>{children}</TRPCReactProvider>
        <Toaster />
      </body>
    </html>
  );
}
