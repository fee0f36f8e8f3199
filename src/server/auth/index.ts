import "server-only";
import NextAuth from "next-auth";
import { cache } from "react";
import { createAuthConfig } from "./config";

const { auth: uncachedAuth, handlers, signIn, signOut } = NextAuth(() => createAuthConfig());

/** The current session (deduplicated per request), or null when signed out. */
const auth = cache(uncachedAuth);

export { auth, handlers, signIn, signOut };
