import { isIP, isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Which addresses a request made on a user's behalf may reach. Only public unicast addresses pass,
 * unless the operator allows a host or range (OUTBOUND_ALLOW). Address classes come from
 * `ipaddr.js`; host names are normalised by the WHATWG URL parser, the same one that parses the
 * requests, so `2130706433`, `0x7f.1` and `[::ffff:127.0.0.1]` are all seen as 127.0.0.1.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One operator exception, parsed from an OUTBOUND_ALLOW entry. */
export type AllowRule =
  /** A host name exactly as requested (the request may then reach whatever it resolves to). */
  | { kind: "host"; host: string; port?: number }
  /** One address, optionally on one port. */
  | { kind: "address"; address: Address; port?: number }
  /** A CIDR range, any port. */
  | { kind: "range"; range: [Address, number] };

const describeRange: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT (shared) address",
  private: "a private address",
  reserved: "a reserved address",
  uniqueLocal: "a unique-local address",
  benchmarking: "a benchmarking address",
  teredo: "a Teredo tunnel address",
  deprecatedSiteLocal: "a site-local address",
};

/** An IPv4 address from four bytes (the tail of a mapped, NAT64 or 6to4 IPv6 address). */
function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

const nat64WellKnown = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const globalUnicast = ipaddr.IPv6.parseCIDR("2000::/3");

/**
 * Why an address may not be reached ("a loopback address", "an IPv4-mapped address of 10.0.0.1,
 * a private address"), or undefined for a public unicast address.
 */
export function addressProblem(address: string): string | undefined {
  let parsed: Address;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return "not an IP address";
  }
  if (parsed.kind() === "ipv4") {
    const range = parsed.range();
    return range === "unicast" ? undefined : (describeRange[range] ?? "a special-purpose address");
  }
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  const embedded = (label: string, v4: ipaddr.IPv4) => {
    const problem = addressProblem(v4.toString());
    return problem ? `${label} of ${v4.toString()}, ${problem}` : undefined;
  };
  const [, p1 = 0, p2 = 0, , , , p6 = 0, p7 = 0] = v6.parts;
  switch (range) {
    case "ipv4Mapped":
    case "rfc6145":
      return embedded("an IPv4-mapped address", ipv4FromParts(p6, p7));
    case "rfc6052":
      return v6.match(nat64WellKnown)
        ? embedded("a NAT64 address", ipv4FromParts(p6, p7))
        : "a local-use NAT64 address";
    case "6to4":
      return embedded("a 6to4 address", ipv4FromParts(p1, p2));
    case "unicast":
      return v6.match(globalUnicast) ? undefined : "a reserved address";
    default:
      return describeRange[range] ?? "a special-purpose address";
  }
}

/** IPv4-mapped IPv6 addresses compare as the IPv4 address they carry. */
function normalise(address: string): Address {
  return ipaddr.process(address);
}

/**
 * Parse one OUTBOUND_ALLOW entry: a host name, an IPv4 address, a bracketed IPv6 address (each
 * with an optional `:port`), a bare IPv6 address, or a CIDR range (any port). Throws a message
 * naming the entry when it is none of these.
 */
export function parseAllowEntry(entry: string): AllowRule {
  const text = entry.trim();
  const invalid = (why: string) =>
    new Error(`"${text}" is not a host, address or CIDR range (${why}); e.g. localhost:11434 or 10.0.0.0/8`);
  if (text.includes("/")) {
    if (!ipaddr.isValidCIDR(text)) throw invalid("bad CIDR range");
    const [address, bits] = ipaddr.parseCIDR(text);
    return { kind: "range", range: [address, bits] };
  }
  if (text.includes("*")) throw invalid("wildcards are not supported: list each host");
  if (isIPv6(text)) return { kind: "address", address: normalise(text) };
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match?.[1]) throw invalid("unexpected characters");
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) throw invalid("port out of range");
  let host: string;
  try {
    const url = new URL(`http://${match[1]}/`);
    if (url.username || url.password) throw new Error();
    host = url.hostname;
  } catch {
    throw invalid("bad host name");
  }
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(bare)) return { kind: "address", address: normalise(bare), ...(port ? { port } : {}) };
  return { kind: "host", host: host.replace(/\.$/, ""), ...(port ? { port } : {}) };
}

/** Parse a list of OUTBOUND_ALLOW entries; the error names the first bad one. */
export function parseAllowList(entries: readonly string[]): AllowRule[] {
  return entries.filter((entry) => entry.trim() !== "").map(parseAllowEntry);
}

/** True when a host-name rule allows `hostname:port` whatever it resolves to. */
export function hostAllowed(rules: readonly AllowRule[], hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return rules.some(
    (rule) => rule.kind === "host" && rule.host === host && (rule.port === undefined || rule.port === port),
  );
}

/** True when an address rule or range allows connecting to `address:port`. */
export function addressAllowed(rules: readonly AllowRule[], address: string, port: number): boolean {
  let parsed: Address;
  try {
    parsed = normalise(address);
  } catch {
    return false;
  }
  return rules.some((rule) => {
    if (rule.kind === "host") return false;
    if (rule.kind === "address") {
      return (
        rule.address.kind() === parsed.kind() &&
        rule.address.toNormalizedString() === parsed.toNormalizedString() &&
        (rule.port === undefined || rule.port === port)
      );
    }
    return rule.range[0].kind() === parsed.kind() && parsed.match(rule.range);
  });
}

/**
 * The refusal for connecting to `hostname:port` at `addresses` (what it resolved to), or undefined
 * when every address is public or allowed. One forbidden address refuses the host: a name that
 * resolves to both a public and a private address is not a public name.
 */
export function destinationProblem(
  rules: readonly AllowRule[],
  hostname: string,
  port: number,
  addresses: readonly string[],
): string | undefined {
  if (hostAllowed(rules, hostname, port)) return undefined;
  const literal = isIP(hostname) !== 0;
  for (const address of addresses) {
    if (addressAllowed(rules, address, port)) continue;
    const problem = addressProblem(address);
    if (problem) {
      return literal
        ? `Refused: ${address} is ${problem}`
        : `Refused: ${hostname} resolves to ${address}, ${problem}`;
    }
  }
  return undefined;
}
