import { describe, expect, it } from "vitest";
import { auditCsv } from "~/server/teams/audit";

describe("audit log CSV", () => {
  it("quotes commas, quotes and line breaks, and defuses spreadsheet formulas", () => {
    const csv = auditCsv([
      {
        createdAt: new Date("2026-12-01T03:00:00Z"),
        action: "team.renamed",
        actor: "+ada@example.com",
        target: 'Crew, "the best"\nreally',
        details: { from: "=1+1", to: "-2" },
        ip: null,
      },
    ]);
    expect(csv).toBe(
      [
        "time,action,actor,target,details,ip",
        `2026-12-01T03:00:00.000Z,team.renamed,'+ada@example.com,"Crew, ""the best""\nreally","{""from"":""=1+1"",""to"":""-2""}",`,
        "",
      ].join("\r\n"),
    );
  });
});
