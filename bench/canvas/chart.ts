/**
 * Draw canvas-bench results side by side as an SVG bar chart: the share of frames over 33 ms per
 * interaction (the target, p95 < 33 ms, is that share under 5%), Chromium's CPU per step, and time
 * to interactive.
 *
 *   npx tsx bench/canvas/chart.ts bench/canvas/chart.svg "before=before.json" "after=results.json"
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";

const frameStatsSchema = z.object({ p95: z.number(), over33ms: z.string() });
const resultSchema = z.object({
  timeToInteractiveMs: z.object({ p50: z.number() }),
  dragFrameMs: frameStatsSchema,
  panFrameMs: frameStatsSchema,
  fittedDragFrameMs: frameStatsSchema,
  fittedPanFrameMs: frameStatsSchema,
  autoPanDragFrameMs: frameStatsSchema,
  chromiumCpuMsPerStep: z.record(z.string(), z.array(z.number())),
});
type BenchResult = z.infer<typeof resultSchema>;

const interactions = [
  { label: "drag", frames: "dragFrameMs", cpu: "drag" },
  { label: "pan", frames: "panFrameMs", cpu: "pan" },
  { label: "drag, fitted", frames: "fittedDragFrameMs", cpu: "fitted-drag" },
  { label: "pan, fitted", frames: "fittedPanFrameMs", cpu: "fitted-pan" },
  { label: "auto-pan", frames: "autoPanDragFrameMs", cpu: "auto-pan" },
] as const;

/** Series colours in order: give the series of one condition first, then the same builds again. */
const palette = ["#94a3b8", "#a78bfa", "#6d28d9", "#e2e8f0", "#ddd6fe", "#c4b5fd"];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const escapeXml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

type Panel = { title: string; unit: string; groups: string[]; values: number[][]; limit?: number };

/** One grouped bar panel: a bar per series in each group, an optional dashed limit line. */
function panel(p: Panel, x0: number, y0: number, width: number, height: number): string {
  const top = Math.max(...p.values.flat(), p.limit ?? 0) * 1.15 || 1;
  const plotTop = y0 + 28;
  const plotHeight = height - 28 - 34;
  const y = (v: number) => Math.round((plotTop + plotHeight - (v / top) * plotHeight) * 10) / 10;
  const groupWidth = width / p.groups.length;
  const series = p.values[0]?.length ?? 0;
  const barWidth = Math.min(28, (groupWidth - 16) / series);
  const parts = [
    `<text x="${x0}" y="${y0 + 14}" font-size="14" font-weight="600">${escapeXml(p.title)}</text>`,
    `<line x1="${x0}" x2="${x0 + width}" y1="${y(0)}" y2="${y(0)}" stroke="#475569"/>`,
  ];
  if (p.limit !== undefined) {
    parts.push(
      `<line x1="${x0}" x2="${x0 + width}" y1="${y(p.limit)}" y2="${y(p.limit)}" stroke="#dc2626" stroke-dasharray="5 4"/>`,
      `<text x="${x0 + 4}" y="${y(p.limit) - 4}" font-size="11" fill="#dc2626">target ${p.limit}${p.unit}</text>`,
    );
  }
  p.groups.forEach((group, g) => {
    const start = x0 + g * groupWidth + (groupWidth - barWidth * series) / 2;
    p.values[g]?.forEach((value, s) => {
      const bx = start + s * barWidth;
      parts.push(
        `<rect x="${bx + 1}" y="${y(value)}" width="${barWidth - 2}" height="${y(0) - y(value)}" fill="${palette[s % palette.length]}"/>`,
        `<text x="${bx + barWidth / 2}" y="${y(value) - 3}" font-size="9" text-anchor="middle">${Number(value.toFixed(value < 10 ? 1 : 0))}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + g * groupWidth + groupWidth / 2}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${escapeXml(group)}</text>`,
    );
  });
  return parts.join("\n");
}

function chart(series: { label: string; result: BenchResult }[]): string {
  const width = 960;
  const frames: Panel = {
    title: "Frames over 33 ms (two vsyncs or more), %",
    unit: "%",
    groups: interactions.map((i) => i.label),
    values: interactions.map((i) => series.map((s) => Number.parseFloat(s.result[i.frames].over33ms))),
    limit: 5,
  };
  const cpu: Panel = {
    title: "Chromium CPU per pointer move (all processes, median of runs), ms",
    unit: " ms",
    groups: interactions.map((i) => i.label),
    values: interactions.map((i) => series.map((s) => median(s.result.chromiumCpuMsPerStep[i.cpu] ?? [0]))),
  };
  const tti: Panel = {
    title: "Time to interactive, p50, s",
    unit: " s",
    groups: ["open the 500-node workflow"],
    values: [series.map((s) => s.result.timeToInteractiveMs.p50 / 1000)],
    limit: 1.5,
  };
  const legend = series
    .map((s, i) => {
      const x = 20 + (i % 3) * 310;
      const y = 12 + Math.floor(i / 3) * 20;
      return `<rect x="${x}" y="${y}" width="12" height="12" fill="${palette[i % palette.length]}"/><text x="${x + 16}" y="${y + 10}" font-size="12">${escapeXml(s.label)}</text>`;
    })
    .join("\n");
  const top = 20 + Math.ceil(series.length / 3) * 20;
  const title = `Canvas bench: ${series.map((s) => s.label).join(", ")}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${top + 680}" font-family="system-ui, sans-serif" fill="#0f172a">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
${legend}
${panel(frames, 20, top, width - 40, 230)}
${panel(cpu, 20, top + 240, width - 40, 230)}
${panel(tti, 20, top + 480, 420, 190)}
</svg>
`;
}

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: chart.ts out.svg "label=results.json" ...');
  process.exit(1);
}
const series = inputs.map((input) => {
  const [label, path] = input.split("=");
  if (!label || !path) throw new Error(`expected label=path, got "${input}"`);
  return { label, result: resultSchema.parse(JSON.parse(readFileSync(path, "utf8"))) };
});
writeFileSync(out, chart(series));
console.log(`wrote ${out}`);
