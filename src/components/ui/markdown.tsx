import ReactMarkdown, { type Components } from "react-markdown";
import { cn } from "./cn";

/** Compact styles for model-written Markdown inside cards (headings stay small, lists keep markers). */
const components: Components = {
  h1: ({ children }) => <h3 className="mt-3 text-sm font-semibold text-foreground first:mt-0">{children}</h3>,
  h2: ({ children }) => <h3 className="mt-3 text-sm font-semibold text-foreground first:mt-0">{children}</h3>,
  h3: ({ children }) => <h4 className="mt-2 text-sm font-medium text-foreground first:mt-0">{children}</h4>,
  h4: ({ children }) => <h4 className="mt-2 text-sm font-medium text-foreground first:mt-0">{children}</h4>,
  p: ({ children }) => <p className="mt-1.5 first:mt-0">{children}</p>,
  ul: ({ children }) => <ul className="mt-1 list-disc pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="mt-1 list-decimal pl-5">{children}</ol>,
  code: ({ children }) => (
    <code className="rounded bg-zinc-100 px-1 font-mono text-[12.5px]">{children}</code>
  ),
  pre: ({ children }) => (
    <pre className="mt-1.5 overflow-auto rounded-md bg-zinc-100 px-3 py-2 font-mono text-xs">{children}</pre>
  ),
  a: ({ children, href }) => (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer nofollow"
      className="underline underline-offset-2"
    >
      {children}
    </a>
  ),
};

/**
 * Markdown written by a model (plans, answers), rendered safely: raw HTML in the text is dropped, not
 * rendered, and link targets pass react-markdown's URL filter (no `javascript:`).
 */
export function Markdown({ text, className }: { text: string; className?: string }) {
  return (
    <div className={cn("text-sm leading-6 text-zinc-700", className)}>
      <ReactMarkdown skipHtml components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
