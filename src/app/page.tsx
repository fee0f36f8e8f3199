import type { Metadata } from "next";
import Image from "next/image";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Logo } from "~/components/layout/logo";
import { buttonVariants } from "~/components/ui/button";
import { auth } from "~/server/auth";

export const metadata: Metadata = { title: { absolute: "Troupe — teams of LLM agents" } };

const points = [
  {
    title: "Design",
    text: "Wire manager agents, managed agents, tools, models and sandboxes on a canvas.",
  },
  {
    title: "Run",
    text: "Agents write Python that runs in a sandbox; every step streams live with its tokens and cost.",
  },
  { title: "Share", text: "Keep the tools and agents your team builds in one library, versioned." },
];

/**
 * The front door: a signed-in person goes to their workflows; a visitor sees what Troupe is, the demo
 * run's picture, and the way in.
 */
export default async function Home() {
  if (await auth()) redirect("/workflows");
  return (
    <main className="min-h-dvh bg-subtle">
      <header className="mx-auto flex max-w-6xl items-center justify-between px-6 py-5">
        <Logo className="text-lg" />
        <nav className="flex items-center gap-2">
          <Link href="/sign-in" className={buttonVariants({ variant: "ghost" })}>
            Sign in
          </Link>
          <Link href="/sign-up" className={buttonVariants({ variant: "primary" })}>
            Sign up
          </Link>
        </nav>
      </header>
      <section className="mx-auto grid max-w-6xl items-center gap-10 px-6 pb-16 pt-8 lg:grid-cols-[2fr_3fr]">
        <div>
          <h1 className="text-4xl font-semibold tracking-tight text-foreground">
            Design, run, share and publish teams of LLM agents.
          </h1>
          <p className="mt-4 text-base text-muted-foreground">
            Troupe is a studio for agent teams that write and run code. Start with the demo research team: it
            runs offline, so you can watch a complete live run before adding a provider key.
          </p>
          <div className="mt-6 flex gap-3">
            <Link href="/sign-up" className={buttonVariants({ variant: "primary", size: "lg" })}>
              Create an account
            </Link>
            <Link href="/sign-in" className={buttonVariants({ variant: "secondary", size: "lg" })}>
              Sign in
            </Link>
          </div>
          <ul className="mt-10 grid gap-4">
            {points.map((point) => (
              <li key={point.title}>
                <span className="font-medium text-foreground">{point.title}.</span>{" "}
                <span className="text-muted-foreground">{point.text}</span>
              </li>
            ))}
          </ul>
        </div>
        <Image
          src="/landing/demo-run.png"
          alt="A finished run of the demo research team: its plan, steps, tokens and cost per agent"
          width={1280}
          height={800}
          priority
          className="w-full rounded-xl border border-border shadow-lg"
        />
      </section>
    </main>
  );
}
