"use client";

import {
  Activity,
  FlaskConical,
  LibraryBig,
  type LucideIcon,
  Plug,
  Settings,
  Users,
  Workflow,
} from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "~/components/ui/cn";
import type { RouterOutputs } from "~/trpc/react";
import { Logo } from "./logo";
import { TeamSwitcher } from "./team-switcher";
import { UserMenu } from "./user-menu";

const navigation: { href: string; label: string; icon: LucideIcon }[] = [
  { href: "/workflows", label: "Workflows", icon: Workflow },
  { href: "/runs", label: "Runs", icon: Activity },
  { href: "/evals", label: "Evaluate", icon: FlaskConical },
  { href: "/endpoints", label: "Endpoints", icon: Plug },
  { href: "/library", label: "Library", icon: LibraryBig },
  { href: "/team", label: "Team", icon: Users },
  { href: "/settings", label: "Settings", icon: Settings },
];

/** The app's left rail: brand, current team, navigation and the user menu. */
export function AppSidebar({
  user,
  teams,
}: {
  user: { name: string | null; email: string | null };
  teams: RouterOutputs["team"]["list"];
}) {
  const pathname = usePathname();
  return (
    <aside className="flex h-dvh w-60 shrink-0 flex-col border-r border-border bg-subtle">
      <div className="flex h-14 items-center px-4">
        <Link
          href="/workflows"
          className="rounded-md outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <Logo />
        </Link>
      </div>
      <div className="px-3 pb-3">
        <TeamSwitcher teams={teams} />
      </div>
      <nav aria-label="Main" className="flex flex-1 flex-col gap-0.5 px-3">
        {navigation.map(({ href, label, icon: Icon }) => {
          const active = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <Link
              key={href}
              href={href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring",
                active
                  ? "bg-background text-foreground shadow-card ring-1 ring-border"
                  : "text-muted-foreground hover:bg-muted hover:text-foreground",
              )}
            >
              <Icon aria-hidden className={cn("size-4", active ? "text-primary" : "")} />
              {label}
            </Link>
          );
        })}
      </nav>
      <div className="border-t border-border p-2">
        <UserMenu name={user.name} email={user.email} />
      </div>
    </aside>
  );
}
