import "server-only";
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";

/**
 * Who is on the other end of a request, for per-address rate limits. The web process
 * (src/server/main.ts) works it out once per request and sets it in this header, replacing anything
 * the client sent under that name, so code behind Next (server actions, route handlers, Auth.js)
 * reads it from the request headers and a client cannot choose it.
 */
export const CLIENT_ADDRESS_HEADER = "x-troupe-client-address";

/**
 * The client's address: the connection's peer, or, behind `trustedProxies` reverse proxies that
 * each append the address they saw to X-Forwarded-For, the entry that many from the right (what the
 * outermost trusted proxy saw; the entries left of it are whatever the client wrote). With fewer
 * entries than proxies, the leftmost. With no trusted proxy, X-Forwarded-For is ignored.
 */
export function clientAddress(
  request: Pick<IncomingMessage, "headers" | "socket">,
  trustedProxies: number,
): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  if (trustedProxies === 0) return normalise(peer);
  const header = request.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  // Nearest first: the peer (the last proxy), then what each proxy appended, right to left.
  const chain = [peer, ...forwarded.reverse()];
  return normalise(chain[Math.min(trustedProxies, chain.length - 1)]!);
}

/** An address as one spelling: IPv4-mapped IPv6 (::ffff:1.2.3.4) as IPv4, IPv6 compressed; anything else as is. */
function normalise(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).toString() : address;
}

/**
 * The key a per-address limit counts under: an IPv4 address, or an IPv6 address's /64 (one
 * subscriber's network: its 2^64 addresses are all one client's to choose from).
 */
export function addressLimitKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`);
  return `${network.toString()}/64`;
}
