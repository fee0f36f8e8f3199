import { redirect } from "next/navigation";
import { auth } from "~/server/auth";

/** The landing page sends people where they can start: their workflows, or the sign-in form. */
export default async function Home() {
  const session = await auth();
  redirect(session ? "/workflows" : "/sign-in");
}
