"use client";

import { useState } from "react";
import { cn } from "~/components/ui/cn";
import { API_KEY_VARIABLE, apiSnippets, type SnippetTarget } from "~/lib/api-snippets";
import { CodeBlock } from "./copy-button";

/** Copy-ready code for an endpoint, one tab per language or client. */
export function EndpointSnippets({ target }: { target: SnippetTarget }) {
  const snippets = apiSnippets(target);
  const [selected, setSelected] = useState(snippets[0]!.id);
  const current = snippets.find((snippet) => snippet.id === selected) ?? snippets[0]!;
  return (
    <div className="flex flex-col gap-3" data-testid="endpoint-snippets">
      <div role="tablist" aria-label="Snippets" className="flex flex-wrap gap-1 border-b border-border">
        {snippets.map((snippet) => (
          <button
            key={snippet.id}
            type="button"
            role="tab"
            id={`snippet-tab-${snippet.id}`}
            aria-selected={snippet.id === current.id}
            aria-controls="snippet-panel"
            onClick={() => setSelected(snippet.id)}
            className={cn(
              "-mb-px border-b-2 px-3 py-1.5 text-sm font-medium outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring",
              snippet.id === current.id
                ? "border-primary text-foreground"
                : "border-transparent text-muted-foreground hover:text-foreground",
            )}
          >
            {snippet.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="snippet-panel" aria-labelledby={`snippet-tab-${current.id}`}>
        <CodeBlock code={current.code} testId="snippet-code" label={`Copy ${current.label}`} />
      </div>
      <p className="text-xs text-muted-foreground">
        {current.id === "mcp" ? (
          <>Replace the placeholder with a key from the API keys page.</>
        ) : (
          <>
            Set <code className="font-mono">{API_KEY_VARIABLE}</code> to a key from the API keys page before
            running this.
          </>
        )}
      </p>
    </div>
  );
}
