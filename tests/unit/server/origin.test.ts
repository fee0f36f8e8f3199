import { describe, expect, it } from "vitest";
import { appOrigins, originRefusal } from "~/server/http/origin";

/** Which origins may send changes: APP_URL's, or the local ones (and in dev both). */
describe("app origins", () => {
  it("is APP_URL's origin alone in production", () => {
    expect(
      appOrigins({ APP_URL: "https://troupe.example/app/", PORT: 3000, NODE_ENV: "production" }),
    ).toEqual(["https://troupe.example"]);
  });

  it("is localhost and 127.0.0.1 at PORT without APP_URL, and also APP_URL's in dev", () => {
    expect(appOrigins({ APP_URL: undefined, PORT: 4000, NODE_ENV: "production" })).toEqual([
      "http://localhost:4000",
      "http://127.0.0.1:4000",
    ]);
    expect(appOrigins({ APP_URL: "https://troupe.example", PORT: 3000, NODE_ENV: "development" })).toEqual([
      "https://troupe.example",
      "http://localhost:3000",
      "http://127.0.0.1:3000",
    ]);
  });

  it("refuses a missing, foreign, look-alike or null origin in words, and accepts an allowed one", () => {
    const allowed = ["https://troupe.example"];
    expect(originRefusal("https://troupe.example", allowed)).toBeNull();
    expect(originRefusal(null, allowed)).toMatch(/no Origin header/);
    for (const origin of ["https://troupe.example.attacker.test", "http://troupe.example", "null"]) {
      expect(originRefusal(origin, allowed)).toBe(
        `Refused: requests from ${origin} may not change data here; only the app's own pages (https://troupe.example) may.`,
      );
    }
  });
});
