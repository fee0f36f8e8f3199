import { memo } from "react";
import { cn } from "~/components/ui/cn";
import { highlightPython, type PythonTokenType } from "~/lib/highlight-python";

const colours: Record<PythonTokenType, string> = {
  keyword: "text-purple-700 font-medium",
  builtin: "text-sky-700",
  string: "text-emerald-700",
  comment: "text-zinc-400 italic",
  number: "text-orange-700",
  decorator: "text-pink-700",
  function: "text-blue-700",
  text: "",
};

/** A read-only, highlighted block of Python (a code action). */
export const PythonCode = memo(function PythonCode({
  code,
  className,
}: {
  code: string;
  className?: string;
}) {
  return (
    <pre
      className={cn(
        "overflow-x-auto rounded-md border border-border bg-zinc-50 px-3 py-2.5 font-mono text-[12.5px] leading-5 text-zinc-800",
        className,
      )}
    >
      <code data-language="python">
        {highlightPython(code).map((token, i) =>
          token.type === "text" ? (
            token.text
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: tokens are positional and never reorder
            <span key={i} className={colours[token.type]}>
              {token.text}
            </span>
          ),
        )}
      </code>
    </pre>
  );
});
