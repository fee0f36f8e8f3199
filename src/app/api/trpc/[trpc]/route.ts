import { auth } from "~/server/auth";
import { createTrpcHandler } from "~/server/http/trpc-handler";

/** The tRPC endpoint; its checks (origin, content type, size, batch) are in createTrpcHandler. */
const handler = createTrpcHandler({ getSession: () => auth() });

export { handler as GET, handler as POST };
