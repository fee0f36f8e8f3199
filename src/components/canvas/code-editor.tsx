"use client";

import { python } from "@codemirror/lang-python";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { useMemo } from "react";

/** CodeMirror 6, bundled (no CDN): Python for tool sources, wrapped plain text for instructions. */
export function CodeEditor({
  value,
  onChange,
  language,
  label,
  minHeight = "8rem",
  readOnly = false,
  testId,
}: {
  value: string;
  onChange: (value: string) => void;
  language: "python" | "text";
  label: string;
  minHeight?: string;
  readOnly?: boolean;
  testId?: string;
}) {
  const extensions = useMemo(
    () => (language === "python" ? [python()] : [EditorView.lineWrapping]),
    [language],
  );
  return (
    <div data-testid={testId} className="overflow-hidden rounded-md border border-input text-[13px]">
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        readOnly={readOnly}
        aria-label={label}
        minHeight={minHeight}
        maxHeight="24rem"
        basicSetup={{
          lineNumbers: language === "python",
          foldGutter: false,
          highlightActiveLine: language === "python",
          highlightActiveLineGutter: language === "python",
          autocompletion: language === "python",
        }}
      />
    </div>
  );
}
