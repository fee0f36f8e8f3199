import { describe, expect, it } from "vitest";
import { signUpRefusal } from "~/server/auth/sign-up-policy";

describe("signUpRefusal", () => {
  it("lets anyone sign up when open", () => {
    expect(signUpRefusal({}, "open")).toBeNull();
  });

  it("refuses everyone when closed, invitation or not", () => {
    const closed = "Sign-up is closed on this server. Ask its administrator for an account.";
    expect(signUpRefusal({}, "closed")).toBe(closed);
    expect(signUpRefusal({ invitationAccepted: true }, "closed")).toBe(closed);
  });

  it("lets only someone with an accepted invitation sign up when by invitation", () => {
    expect(signUpRefusal({}, "invite")).toBe(
      "Sign-up on this server is by invitation only. Open the invitation link you were sent, or ask a team admin for one.",
    );
    expect(signUpRefusal({ invitationAccepted: false }, "invite")).not.toBeNull();
    expect(signUpRefusal({ invitationAccepted: true }, "invite")).toBeNull();
  });
});
