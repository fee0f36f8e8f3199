"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";

/** Copies `value` to the clipboard and says so for two seconds. */
export function CopyButton({
  value,
  label = "Copy",
  size = "sm",
  variant = "secondary",
}: {
  value: string;
  label?: string;
  size?: "sm" | "icon";
  variant?: "secondary" | "ghost" | "primary";
}) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      type="button"
      size={size}
      variant={variant}
      aria-label={label}
      title={label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          toast.error("The browser did not allow copying: select the text and copy it by hand.");
        }
      }}
    >
      {copied ? <Check /> : <Copy />}
      {size === "icon" ? null : copied ? "Copied" : label}
    </Button>
  );
}

/** A block of code with a copy button in its corner. */
export function CodeBlock({ code, testId, label }: { code: string; testId?: string; label?: string }) {
  return (
    <div className="relative">
      <pre
        data-testid={testId}
        className="max-h-96 overflow-auto rounded-md border border-border bg-zinc-950 p-4 pr-24 font-mono text-xs leading-relaxed text-zinc-100"
      >
        <code>{code}</code>
      </pre>
      <div className="absolute top-2 right-2">
        <CopyButton value={code} label={label ?? "Copy"} />
      </div>
    </div>
  );
}
