"use client";

import { Pause, Play, Wifi } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import type { RunEvent } from "~/agents/events";
import { Button } from "~/components/ui/button";
import { cn } from "~/components/ui/cn";
import { formatDuration } from "~/lib/run-format";
import { REPLAY_SPEEDS, type ReplaySpeed, replayDuration, replayVisibleCount } from "~/lib/run-replay";

/** A replay of a finished run: playing or paused, at a speed, this far from the first event. */
export type Replay = { playing: boolean; speed: ReplaySpeed; elapsedMs: number };

/**
 * The replay of a finished run at its original timing: the replay state (null while showing
 * everything), its total length, and the events shown at its position.
 */
export function useRunReplay(events: readonly RunEvent[]) {
  const [replay, setReplay] = useState<Replay | null>(null);
  const total = replayDuration(events);
  useEffect(() => {
    if (!replay?.playing) return;
    const tick = 50;
    const timer = setInterval(() => {
      setReplay((current) => {
        if (!current?.playing) return current;
        const elapsedMs = current.elapsedMs + tick * current.speed;
        return elapsedMs >= total
          ? { ...current, elapsedMs: total, playing: false }
          : { ...current, elapsedMs };
      });
    }, tick);
    return () => clearInterval(timer);
  }, [replay?.playing, total]);
  const shown = useMemo(
    () => (replay ? events.slice(0, replayVisibleCount(events, replay.elapsedMs)) : events),
    [events, replay],
  );
  return { replay, setReplay, total, shown };
}

/** Play, pause, speed (×1, ×4, ×16) and position of a replay; "Show all" ends it. */
export function ReplayBar({
  replay,
  total,
  onChange,
}: {
  replay: Replay | null;
  total: number;
  onChange: (replay: Replay | null) => void;
}) {
  const [idleSpeed, setIdleSpeed] = useState<ReplaySpeed>(1);
  const speed = replay?.speed ?? idleSpeed;
  return (
    <div
      data-testid="replay-bar"
      className="flex flex-wrap items-center gap-3 rounded-lg border border-border bg-subtle px-4 py-2.5 text-sm"
    >
      {replay?.playing ? (
        <Button size="sm" variant="secondary" onClick={() => onChange({ ...replay, playing: false })}>
          <Pause /> Pause
        </Button>
      ) : (
        <Button
          size="sm"
          variant="secondary"
          onClick={() =>
            onChange({
              speed,
              playing: true,
              elapsedMs: replay && replay.elapsedMs < total ? replay.elapsedMs : 0,
            })
          }
        >
          <Play /> {replay ? "Play" : "Replay"}
        </Button>
      )}
      <fieldset className="flex items-center gap-1" aria-label="Replay speed">
        {REPLAY_SPEEDS.map((option) => (
          <button
            key={option}
            type="button"
            aria-pressed={speed === option}
            onClick={() => {
              setIdleSpeed(option);
              if (replay) onChange({ ...replay, speed: option });
            }}
            className={cn(
              "rounded px-2 py-0.5 text-xs font-medium",
              speed === option ? "bg-foreground text-background" : "text-muted-foreground hover:bg-muted",
            )}
          >
            ×{option}
          </button>
        ))}
      </fieldset>
      <input
        type="range"
        aria-label="Replay position"
        min={0}
        max={Math.max(total, 1)}
        value={replay?.elapsedMs ?? total}
        onChange={(event) =>
          onChange({ playing: false, speed, elapsedMs: Number(event.currentTarget.value) })
        }
        className="min-w-40 flex-1 accent-indigo-600"
      />
      <span className="tabular-nums text-xs text-muted-foreground">
        {formatDuration(replay?.elapsedMs ?? total)} / {formatDuration(total)}
      </span>
      {replay ? (
        <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
          <Wifi /> Show all
        </Button>
      ) : null}
    </div>
  );
}
