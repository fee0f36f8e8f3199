"use client";

import { Paperclip, X } from "lucide-react";
import { useId, useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import { type PickedMedia, pickMediaFile, RUN_INPUT_LIMITS } from "~/lib/run-media";
import { trpcBounds } from "~/lib/trpc-bounds";

/**
 * Bytes of files one run started from the app may carry: what fits, base64-encoded, in one tRPC
 * request beside the task (the HTTP API takes more, see RUN_INPUT_LIMITS.bodyBytes).
 */
export const APP_MEDIA_BYTES = Math.floor(((trpcBounds.maxBodyBytes - 128 * 1024) * 3) / 4);

function readDataUri(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error(`Could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/**
 * Images and audio given with a run: picked or dropped, checked against the run limits as they
 * come (a refused file is named with the reason), previewed (thumbnails, audio players) and
 * removable. Images go to vision models with the task; audio reaches the agent as the extra value
 * `audio`, for `speech_to_text`.
 */
export function RunMediaPicker({
  files,
  onChange,
  disabled,
}: {
  files: readonly PickedMedia[];
  onChange: (files: PickedMedia[]) => void;
  disabled?: boolean;
}) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);

  const add = async (list: FileList | null) => {
    if (!list?.length) return;
    const next = [...files];
    const refused: string[] = [];
    for (const file of Array.from(list)) {
      const verdict = pickMediaFile(file, next, APP_MEDIA_BYTES);
      if (!verdict.ok) {
        refused.push(verdict.reason);
        continue;
      }
      try {
        next.push({ kind: verdict.kind, name: file.name, size: file.size, dataUri: await readDataUri(file) });
      } catch (error) {
        refused.push(error instanceof Error ? error.message : `Could not read ${file.name}`);
      }
    }
    setProblems(refused);
    onChange(next);
  };

  return (
    <div className="flex flex-col gap-1.5">
      <span className="text-sm font-medium">Images and audio (optional)</span>
      <section
        aria-label="Drop images or audio here"
        data-testid="run-media-drop"
        onDragOver={(event) => {
          event.preventDefault();
          if (!disabled) setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          if (!disabled) void add(event.dataTransfer.files);
        }}
        className={cn(
          "flex flex-col gap-2 rounded-md border border-dashed border-input p-3 text-xs text-muted-foreground",
          dragging && "border-ring bg-muted",
        )}
      >
        <div className="flex items-center gap-2">
          <Button
            type="button"
            variant="secondary"
            size="sm"
            disabled={disabled}
            onClick={() => input.current?.click()}
          >
            <Paperclip /> Add files
          </Button>
          <span>
            or drop them here. Up to {RUN_INPUT_LIMITS.images} images and {RUN_INPUT_LIMITS.audio} audio
            files, {RUN_INPUT_LIMITS.mediaBytes / (1024 * 1024)} MB each,{" "}
            {(APP_MEDIA_BYTES / (1024 * 1024)).toFixed(1)} MB in all.
          </span>
          <input
            ref={input}
            id={inputId}
            data-testid="run-media-input"
            type="file"
            accept="image/*,audio/*"
            multiple
            className="hidden"
            onChange={(event) => {
              const picked = event.currentTarget.files;
              void add(picked).finally(() => {
                if (input.current) input.current.value = "";
              });
            }}
          />
        </div>
        {files.length ? (
          <ul className="flex flex-wrap gap-2" data-testid="run-media-list">
            {files.map((file, index) => (
              <li
                // biome-ignore lint/suspicious/noArrayIndexKey: the same file may be picked twice
                key={`${file.name}-${index}`}
                data-testid={`run-media-${file.kind}`}
                className="relative flex items-center gap-2 rounded-md border border-border bg-background p-1 pr-7"
              >
                {file.kind === "image" ? (
                  // biome-ignore lint/performance/noImgElement: a local data URI preview
                  <img src={file.dataUri} alt={file.name} className="size-12 rounded object-cover" />
                ) : (
                  // biome-ignore lint/a11y/useMediaCaption: the user's own recording
                  <audio controls src={file.dataUri} className="h-8 w-48" aria-label={file.name} />
                )}
                <span className="max-w-32 truncate text-foreground" title={file.name}>
                  {file.name}
                </span>
                <button
                  type="button"
                  aria-label={`Remove ${file.name}`}
                  disabled={disabled}
                  className="absolute top-1 right-1 rounded p-0.5 hover:bg-muted"
                  onClick={() => {
                    setProblems([]);
                    onChange(files.filter((_, i) => i !== index));
                  }}
                >
                  <X className="size-3.5" />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {problems.map((problem) => (
        <p key={problem} role="alert" className="text-xs text-destructive" data-testid="run-media-problem">
          {problem}
        </p>
      ))}
    </div>
  );
}
