import "server-only";
import type { Socket } from "socket.io";
import { userFromCookieHeader } from "./session-cookie";
import type { SessionUser } from "./session-version";

/** What an authenticated socket carries in `socket.data`. */
export type SocketData = { user: SessionUser };

/**
 * Socket.IO handshake middleware: accept only connections whose cookie holds a valid Auth.js session
 * (signature, expiry and current session version); everything else is refused with "unauthorized".
 */
export async function socketAuth(socket: Socket, next: (error?: Error) => void): Promise<void> {
  try {
    const user = await userFromCookieHeader(socket.handshake.headers.cookie);
    if (!user) return next(new Error("unauthorized"));
    (socket.data as SocketData).user = user;
    next();
  } catch {
    next(new Error("unauthorized"));
  }
}
