import { describe, expect, it } from "vitest";
import {
  addressProblem,
  destinationProblem,
  parseAllowEntry,
  parseAllowList,
} from "~/agents/net/outbound-policy";

describe("address classes", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["127.255.0.9", "a loopback address"],
    ["10.1.2.3", "a private address"],
    ["172.16.0.1", "a private address"],
    ["192.168.1.1", "a private address"],
    ["169.254.169.254", "a link-local address"],
    ["100.100.100.200", "a carrier-grade NAT (shared) address"],
    ["0.0.0.0", "an unspecified address"],
    ["255.255.255.255", "a broadcast address"],
    ["224.0.0.1", "a multicast address"],
    ["192.0.2.1", "a reserved address"],
    ["::1", "a loopback address"],
    ["::", "an unspecified address"],
    ["fe80::1", "a link-local address"],
    ["fd00::1", "a unique-local address"],
    ["fd00:ec2::254", "a unique-local address"],
    ["ff02::1", "a multicast address"],
    ["::ffff:127.0.0.1", "an IPv4-mapped address of 127.0.0.1, a loopback address"],
    ["::ffff:169.254.169.254", "an IPv4-mapped address of 169.254.169.254, a link-local address"],
    ["64:ff9b::a00:1", "a NAT64 address of 10.0.0.1, a private address"],
    ["64:ff9b:1::1", "a local-use NAT64 address"],
    ["2002:7f00:1::", "a 6to4 address of 127.0.0.1, a loopback address"],
    ["2001::1", "a Teredo tunnel address"],
    ["2001:db8::1", "a reserved address"],
    ["::7f00:1", "a reserved address"],
  ])("refuses %s as %s", (address, problem) => {
    expect(addressProblem(address)).toBe(problem);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "lets the public address %s through",
    (address) => {
      expect(addressProblem(address)).toBeUndefined();
    },
  );
});

describe("OUTBOUND_ALLOW entries", () => {
  it("parses hosts, addresses and ranges, normalising like the URL parser", () => {
    expect(parseAllowEntry("localhost:11434")).toEqual({ kind: "host", host: "localhost", port: 11434 });
    expect(parseAllowEntry("Ollama.Internal.")).toEqual({ kind: "host", host: "ollama.internal" });
    expect(parseAllowEntry("2130706433:80")).toMatchObject({ kind: "address", port: 80 });
    expect(parseAllowEntry("[::1]:8080")).toMatchObject({ kind: "address", port: 8080 });
    expect(parseAllowEntry("10.0.0.0/8")).toMatchObject({ kind: "range" });
  });

  it.each([
    ["not a host", "bad host name"],
    ["*.example.com", "wildcards are not supported"],
    ["localhost:0", "port out of range"],
    ["localhost:99999", "port out of range"],
    ["http://example.com", "bad CIDR range"],
    ["10.0.0.0/33", "bad CIDR range"],
  ])("refuses %s (%s)", (entry, why) => {
    expect(() => parseAllowEntry(entry)).toThrow(why);
  });

  it("opens exactly what an entry names", () => {
    const rules = parseAllowList(["localhost:11434", "127.0.0.1:8000", "10.0.0.0/8"]);
    expect(destinationProblem(rules, "localhost", 11434, ["127.0.0.1"])).toBeUndefined();
    expect(destinationProblem(rules, "localhost", 2375, ["127.0.0.1"])).toMatch(/loopback/);
    expect(destinationProblem(rules, "127.0.0.1", 8000, ["127.0.0.1"])).toBeUndefined();
    expect(destinationProblem(rules, "::ffff:127.0.0.1", 8000, ["::ffff:127.0.0.1"])).toBeUndefined();
    expect(destinationProblem(rules, "127.0.0.1", 8001, ["127.0.0.1"])).toBe(
      "Refused: 127.0.0.1 is a loopback address",
    );
    expect(destinationProblem(rules, "db.internal", 5432, ["10.9.8.7"])).toBeUndefined();
    expect(destinationProblem(rules, "db.internal", 5432, ["10.9.8.7", "169.254.169.254"])).toBe(
      "Refused: db.internal resolves to 169.254.169.254, a link-local address",
    );
  });
});
