import { expect, test } from "@playwright/test";
import { newAccount, signUp } from "./helpers/accounts";
import { nodeOf, openNewWorkflow } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

test("import two operations of an OpenAPI file as HTTP tools; a private document URL is refused", async ({
  page,
}) => {
  await signUp(page, newAccount("OpenAPI Importer"));
  await openNewWorkflow(page, "Pet shop");
  await page.getByTestId("openapi-import-button").click();
  const dialog = page.getByTestId("openapi-dialog");

  // The server fetches document URLs through the guarded fetch: loopback is refused.
  await dialog.getByLabel("OpenAPI document URL").fill("http://127.0.0.1:3419/openapi.json");
  await dialog.getByRole("button", { name: "Read" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(
    "Could not fetch the document: Refused: 127.0.0.1 is a loopback address",
  );

  await dialog.getByTestId("openapi-file").setInputFiles("tests/fixtures/openapi/petstore-3.1.json");
  await expect(dialog).toContainText("Petstore");
  await expect(dialog).toContainText("4 operations");
  await expect(dialog.getByLabel("Server URL")).toHaveValue("https://petstore.example.com/v1");
  await dialog.getByTestId("openapi-op-listPets").check();
  await dialog.getByTestId("openapi-op-createPet").check();
  await expect(dialog.getByLabel(/Secret for query_key/)).toHaveValue("PETSTORE_QUERY_KEY");
  await expect(dialog.getByLabel(/Secret for bearerAuth/)).toHaveValue("PETSTORE_BEARER_AUTH");
  await page.screenshot({ path: `${screenshots}/openapi-import.png` });
  await dialog.getByTestId("openapi-add").click();

  const tools = nodeOf(page, "tool");
  await expect(tools).toHaveCount(2);
  await expect(tools.nth(0)).toContainText("listPets");
  await expect(tools.nth(1)).toContainText("createPet");
  // Not on top of each other.
  const [a, b] = [await tools.nth(0).boundingBox(), await tools.nth(1).boundingBox()];
  expect(a && b && (Math.abs(a.x - b.x) >= a.width || Math.abs(a.y - b.y) >= a.height)).toBe(true);

  // The node names its secret, which this team does not have yet.
  await page.getByRole("button", { name: "Fit view" }).click();
  await page.locator(".react-flow__pane").click({ position: { x: 200, y: 520 } });
  await tools.nth(1).getByText("createPet", { exact: true }).first().click();
  const inspector = page.getByTestId("node-inspector");
  await expect(inspector.getByTestId("field-auth-secret")).toHaveValue("PETSTORE_BEARER_AUTH");
  await expect(inspector).toContainText("The secret PETSTORE_BEARER_AUTH is not set on this server");
  await page.screenshot({ path: `${screenshots}/openapi-tools.png` });
});
