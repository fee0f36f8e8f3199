import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { addressLimitKey, clientAddress } from "~/server/client-address";

const request = (peer: string, forwardedFor?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  }) as unknown as IncomingMessage;

describe("clientAddress", () => {
  it("is the connection's address when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress(request("192.0.2.7", "203.0.113.1"), 0)).toBe("192.0.2.7");
    expect(clientAddress(request("::ffff:192.0.2.7"), 0)).toBe("192.0.2.7");
  });

  it("behind trusted proxies, is the entry that many from the right: what the outermost proxy saw", () => {
    // The client wrote "6.6.6.6"; the one proxy appended the address it saw.
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 203.0.113.9"), 1)).toBe("203.0.113.9");
    // A CDN appended the client, the load balancer appended the CDN: two trusted proxies.
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 203.0.113.9, 198.51.100.4"), 2)).toBe("203.0.113.9");
    expect(clientAddress(request("10.0.0.2", ["6.6.6.6", "203.0.113.9"]), 1)).toBe("203.0.113.9");
  });

  it("with fewer entries than trusted proxies, is the leftmost; with none, the connection's address", () => {
    expect(clientAddress(request("10.0.0.2", "203.0.113.9"), 3)).toBe("203.0.113.9");
    expect(clientAddress(request("10.0.0.2"), 1)).toBe("10.0.0.2");
  });
});

describe("addressLimitKey", () => {
  it("counts IPv4 per address and IPv6 per /64, in one spelling", () => {
    expect(addressLimitKey("203.0.113.9")).toBe("203.0.113.9");
    expect(addressLimitKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(addressLimitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressLimitKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressLimitKey("unknown")).toBe("unknown");
  });
});
