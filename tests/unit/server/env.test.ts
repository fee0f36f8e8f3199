import { describe, expect, it } from "vitest";
import { parseEnv } from "~/env";

describe("tenant bounds in the environment", () => {
  it("reads ALLOW_LOCAL_EXECUTOR as team slugs, off by default, and refuses 'on for everyone'", () => {
    expect(parseEnv({}).ALLOW_LOCAL_EXECUTOR).toEqual([]);
    expect(parseEnv({ ALLOW_LOCAL_EXECUTOR: "false" }).ALLOW_LOCAL_EXECUTOR).toEqual([]);
    expect(parseEnv({ ALLOW_LOCAL_EXECUTOR: "" }).ALLOW_LOCAL_EXECUTOR).toEqual([]);
    expect(parseEnv({ ALLOW_LOCAL_EXECUTOR: "lab, ops-1a2b3c4d" }).ALLOW_LOCAL_EXECUTOR).toEqual([
      "lab",
      "ops-1a2b3c4d",
    ]);
    for (const everyone of ["true", "1"]) {
      expect(() => parseEnv({ ALLOW_LOCAL_EXECUTOR: everyone })).toThrow(
        /ALLOW_LOCAL_EXECUTOR: ALLOW_LOCAL_EXECUTOR names the teams .* never on for every team/,
      );
    }
    expect(() => parseEnv({ ALLOW_LOCAL_EXECUTOR: "lab,Not A Slug" })).toThrow(
      /"Not A Slug" is not a team slug/,
    );
  });

  it("bounds sandboxes by default: 512 MB each, images from SANDBOX_IMAGES, operator maxima", () => {
    const defaults = parseEnv({});
    expect(defaults.SANDBOX_MEMORY_MB).toBe(512);
    expect(defaults.SANDBOX_IMAGES).toEqual([]);
    expect(defaults.SANDBOX_MAX_MEMORY_MB).toBe(2048);
    expect(defaults.SANDBOX_MAX_CPUS).toBe(2);
    expect(defaults.SANDBOX_MAX_TIMEOUT_SECONDS).toBe(300);
    expect(parseEnv({ SANDBOX_IMAGES: " a:1, b:2 ,," }).SANDBOX_IMAGES).toEqual(["a:1", "b:2"]);
    expect(() => parseEnv({ SANDBOX_MEMORY_MB: "10" })).toThrow(/SANDBOX_MEMORY_MB/);
  });

  it("reads TRUST_PROXY as a number of proxies, none by default", () => {
    expect(parseEnv({}).TRUST_PROXY).toBe(0);
    expect(parseEnv({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(parseEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(() => parseEnv({ TRUST_PROXY: "yes" })).toThrow(/TRUST_PROXY is false, true, or a number/);
  });

  it("has bounded defaults for runs and sign-up", () => {
    expect(parseEnv({})).toMatchObject({
      TEAM_MAX_CONCURRENT_RUNS: 5,
      TEAM_MAX_RUNS_PER_HOUR: 100,
      RUN_DEFAULT_COST_CAP_USD: 5,
      RUN_MAX_TOKENS: 2_000_000,
      RUN_MAX_TIME_LIMIT_SECONDS: 3600,
      SIGNUP: "open",
    });
    expect(() => parseEnv({ SIGNUP: "sometimes" })).toThrow(/SIGNUP/);
  });
});

describe("observability in the environment", () => {
  it("traces nothing and keeps content off by default; metrics have no token and the worker port 9464", () => {
    const defaults = parseEnv({});
    expect(defaults.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(defaults.OTEL_EXPORTER_OTLP_PROTOCOL).toBe("http/json");
    expect(defaults.OTEL_EXPORTER_OTLP_HEADERS).toEqual({});
    expect(defaults.OTEL_CAPTURE_CONTENT).toBe(false);
    expect(defaults.METRICS_TOKEN).toBeUndefined();
    expect(defaults.WORKER_HTTP_PORT).toBe(9464);
    expect(parseEnv({ OTEL_CAPTURE_CONTENT: "true" }).OTEL_CAPTURE_CONTENT).toBe(true);
  });

  it("reads OTLP headers as key=value pairs and refuses other protocols, endpoints and short tokens", () => {
    expect(
      parseEnv({ OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic YTpi==, x-tenant = acme%20co" })
        .OTEL_EXPORTER_OTLP_HEADERS,
    ).toEqual({ Authorization: "Basic YTpi==", "x-tenant": "acme co" });
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_HEADERS: "novalue" })).toThrow(/key=value/);
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: Troupe exports traces as http\/json/,
    );
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => parseEnv({ METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN must be at least 16 characters/,
    );
  });
});
