import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "@playwright/test";
import { strToU8, unzipSync, zipSync } from "fflate";
import { newWorkflowFromTemplate, nodeOf } from "./helpers/canvas";
import { screenshots } from "./helpers/screenshots";

const fixtureDir = join(import.meta.dirname, "../fixtures/smolagents-saved-agent");

/** The fixture folder (written by smolagents' save()) as a zip under one top-level folder. */
function fixtureZip(): Buffer {
  const entries: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else entries[`saved/${relative(fixtureDir, path)}`] = strToU8(readFileSync(path, "utf8"));
    }
  };
  walk(fixtureDir);
  return Buffer.from(zipSync(entries));
}

// The first sign-up of a fresh server is slow on a busy machine (cold database and password hashing):
// warm it with one before the test, so the test's own sign-up is timed like any other.
test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Warm Up");
  await page.getByLabel("E-mail").fill(`warm-${Date.now()}@example.com`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/workflows$/, { timeout: 120_000 });
  await page.close();
});

test("prompt templates in the inspector, export an agent for smolagents, import a saved folder and a tool.py", async ({
  page,
}) => {
  await newWorkflowFromTemplate(page, {
    person: "Smol Agent",
    workflow: "Interop",
    template: "code-agent-web-search",
  });
  await nodeOf(page, "agent").click();

  // The templates start collapsed, showing the defaults; an unknown placeholder is named on the canvas.
  const section = page.getByTestId("prompt-templates");
  await expect(section).toContainText("defaults");
  await section.getByText("Prompt templates").click();
  const task = page.getByTestId("prompt-input-managed_agent.task");
  await expect(task).toHaveAttribute("placeholder", /You're a helpful agent named '\{\{name\}\}'/);
  await task.fill("Agent {{name}}: do {{job}} for {{task}}");
  await expect(page.getByTestId("prompt-template-managed_agent.task")).toContainText(
    "Prompt template managed_agent.task: unknown placeholder {{job}}; it may use {{name}}, {{task}}",
  );
  await expect(page.getByTestId("run-button")).toBeDisabled();
  await page.getByTestId("prompt-template-managed_agent.task").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${screenshots}/prompt-templates.png` });
  await task.fill("Agent {{name}}: do {{task}}");
  await expect(section).toContainText("1 changed");
  await expect(page.getByTestId("prompt-template-managed_agent.task").getByRole("alert")).toHaveCount(0);

  // Export: a zip holding the saved-agent folder, the override carried as Jinja.
  const downloading = page.waitForEvent("download");
  await page.getByTestId("smolagents-export-button").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("web_agent.smolagents.zip");
  const path = await download.path();
  const files = unzipSync(new Uint8Array(readFileSync(path)));
  expect(Object.keys(files).sort()).toEqual(
    [
      "web_agent/__init__.py",
      "web_agent/agent.json",
      "web_agent/prompts.yaml",
      "web_agent/requirements.txt",
      "web_agent/tools/__init__.py",
      "web_agent/tools/final_answer.py",
      "web_agent/tools/visit_webpage.py",
      "web_agent/tools/web_search.py",
    ].sort(),
  );
  const agent = JSON.parse(new TextDecoder().decode(files["web_agent/agent.json"]));
  expect(agent.prompt_templates.managed_agent.task).toBe("Agent {{ name }}: do {{ task }}");
  expect(agent.model).toEqual({ class: "OpenAIServerModel", data: { model_id: "gpt-4o-mini" } });
  await expect(page.getByTestId("smolagents-export-warnings")).toContainText(
    "the key secret OPENAI_API_KEY is not exported",
  );

  // Import the folder smolagents saved: a manager managing a helper, with notes on what did not carry over.
  await page.getByTestId("import-smolagents-zip-input").setInputFiles({
    name: "saved.zip",
    mimeType: "application/zip",
    buffer: fixtureZip(),
  });
  // The canvas holds the template: the import asks before replacing it.
  const question = page.getByTestId("confirm-dialog");
  await expect(question).toContainText('The smolagents agent "manager" replaces the');
  await question.getByRole("button", { name: "Replace the canvas" }).click();
  const notes = page.getByRole("dialog", { name: "Imported, with notes" });
  await expect(notes).toContainText('Imported the smolagents agent "manager"');
  await expect(notes).toContainText("managed_agents/helper/agent.json: prompt template managed_agent.report");
  await page.screenshot({ path: `${screenshots}/smolagents-import.png` });
  await notes.getByRole("button", { name: "OK" }).click();
  await expect(nodeOf(page, "agent")).toHaveCount(2);
  await expect(page.locator(".react-flow__edge")).toHaveCount(5);

  // A single tool.py with a @tool function becomes a Python tool node.
  await page.getByTestId("import-smolagents-tool-input").setInputFiles({
    name: "tool.py",
    mimeType: "text/x-python",
    buffer: Buffer.from(
      'from smolagents import tool\n\n@tool\ndef shout(text: str) -> str:\n    """Shouts.\n\n    Args:\n        text: what to shout\n    """\n    return text.upper()\n',
    ),
  });
  await expect(nodeOf(page, "tool")).toHaveCount(3);
  await expect(page.getByText('Added the Python tool "shout"')).toBeVisible();
});
