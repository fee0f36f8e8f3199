import { expect, test } from "@playwright/test";
import { newAccount } from "./helpers/accounts";
import { screenshots } from "./helpers/screenshots";

/**
 * Images given with a run from the app: attached in the run dialog (a file that is neither image nor
 * audio is refused by name), previewed, removable, sent with the task, and shown on the run page.
 */

test.setTimeout(180_000);

/** A 24×24 gradient PNG. */
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAADnklEQVR42hXUqxpFERSF0Z1lWZZlWZZlWZZlWZZlWf6zLHuO43iA8Vm3+X0f4kN+qA/9YT7sh/vwH+EjfqSP/FE+6kf76B/jY36sDz72x/m4H98nEAIpUAItMAIrcAIvCIIoSIIsKIIqaIIuGIIpWAIEW3AEVzxIIiRSoiRaYiRW4iReEiRRkiRZUiRV0iRdMiRTsiRItuRIrnyQQiikQim0wiiswim8IiiiIimyoiiqoim6YiimYilQbMVRXPUgjdBIjdJojdFYjdN4TdBETdJkTdFUTdN0zdBMzdKg2ZqjufpBBmGQBmXQBmOwBmfwhmCIhmTIhmKohmbohmGYhmXAsA3HcM2DLMIiLcqiLcZiLc7iLcESLcmSLcVSLc3SLcMyLcuCZVuO5doHOYRDOpRDO4zDOpzDO4IjOpIjO4qjOpqjO4ZjOpYDx3Ycx3UP8giP9CiP9hiP9TiP9wRP9CRP9hRP9TRP9wzP9CwPnu05nusfFBABGVABHTABG3ABHwiBGEiBHCiBGmiBHhiBGVgBAjtwAjc8KCIiMqIiOmIiNuIiPhIiMZIiOVIiNdIiPTIiM7IiRHbkRG58UEIkZEIldMIkbMIlfCIkYiIlcqIkaqIlemIkZmIlSOzESdz0oIzIyIzK6IzJ2IzL+EzIxEzK5EzJ1EzL9MzIzMzKkNmZk7n5QQVRkAVV0AVTsAVX8IVQiIVUyIVSqIVW6IVRmIVVoLALp3DLgyqiIiuqoiumYiuu4iuhEiupkiulUiut0iujMiurQmVXTuXWBzVEQzZUQzdMwzZcwzdCIzZSIzdKozZaozdGYzZWg8ZunMZtD+qIjuyoju6Yju24ju+ETuykTu6UTu20Tu+MzuysDp3dOZ3bHzQQAzlQAz0wAztwAz8IgzhIgzwogzpogz4YgzlYAwZ7cAZ3PGgiJnKiJnpiJnbiJn4SJnGSJnlSJnXSJn0yJnOyJkz25EzufNBCLORCLfTCLOzCLfwiLOIiLfKiLOqiLfpiLOZiLVjsxVnc9aB/YL6oeyH14uUFwzvpd4zvjN4BvNV9S/fW5Q36jeg197XlFfS+8pD/23Dgvvj+NmIjN2qjN2ZjN27jN2ETN2mTN2VTN23TN2MzN2v/mb05m7sfdBAHeVAHfTAHe3AHfwiHeEiHfCiHemiHfhiHeVjn/5l9OId7HnQRF3lRF30xF3txF38Jl3hJl3wpl3ppl34Zl3lZ91/SvpzLvfwAj0rHrlvy/HQAAAAASUVORK5CYII=",
  "base64",
);

test("an image attached in the run dialog is sent with the task and shown on the run page", async ({
  page,
}) => {
  // Signing up as the helper does, with room for a first sign-up on a busy machine (hashing, seeding).
  const account = newAccount("Run Inputs");
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(account.name);
  await page.getByLabel("E-mail").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/workflows$/, { timeout: 60_000 });
  const demoRow = page.getByTestId("workflow-row").filter({ hasText: "Demo: research team" });
  await demoRow.getByRole("link").click();
  await expect(page).toHaveURL(/\/workflows\/[a-z0-9]+$/);

  await page.getByTestId("run-button").click();
  const dialog = page.getByRole("dialog", { name: /Run “Demo: research team”/ });
  const input = dialog.getByTestId("run-media-input");
  await input.setInputFiles([
    { name: "gradient.png", mimeType: "image/png", buffer: png },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") },
  ]);
  await expect(dialog.getByTestId("run-media-problem")).toHaveText(
    "notes.txt is not an image or audio file.",
  );
  await expect(dialog.getByTestId("run-media-image")).toHaveCount(1);
  // Removing and attaching again: the dialog keeps what is listed.
  await dialog.getByRole("button", { name: "Remove gradient.png" }).click();
  await expect(dialog.getByTestId("run-media-image")).toHaveCount(0);
  await input.setInputFiles([{ name: "gradient.png", mimeType: "image/png", buffer: png }]);
  const preview = dialog.getByTestId("run-media-image").getByRole("img", { name: "gradient.png" });
  await expect(preview).toBeVisible();
  expect(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(24);
  await page.screenshot({ path: `${screenshots}/run-inputs-dialog.png` });

  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  const shown = page.getByTestId("run-media").getByTestId("run-media-image");
  await expect(shown).toHaveCount(1);
  await expect(shown).toHaveAttribute("src", `data:image/png;base64,${png.toString("base64")}`);
  expect(await shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(24);
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "succeeded", {
    timeout: 90_000,
  });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${screenshots}/run-inputs-run-page.png` });
});
