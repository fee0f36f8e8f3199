import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "~/components/ui/markdown";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe("Markdown (model-written text)", () => {
  it("renders a plan's headings and lists as elements, not as raw marks", () => {
    const html = render(
      "## 1. Facts survey\n### 1.1. Facts given\n- Stockholm\n- Oslo\n\n1. Ask `researcher`",
    );
    expect(html).toContain("<h3");
    expect(html).toContain("1. Facts survey</h3>");
    expect(html).toMatch(/<ul[^>]*>\s*<li>Stockholm<\/li>/);
    expect(html).toMatch(/<ol[^>]*>\s*<li>Ask <code[^>]*>researcher<\/code><\/li>\s*<\/ol>/);
    expect(html).not.toContain("##");
  });

  it("drops raw HTML instead of rendering it", () => {
    const html = render('Hello <img src=x onerror="alert(1)"> <script>alert(2)</script> world');
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("onerror");
    expect(html).toContain("Hello");
  });

  it("neutralises javascript: links and opens others in a new tab without the opener", () => {
    const html = render("[click](javascript:alert(1)) and [docs](https://example.com/a)");
    expect(html).not.toContain("javascript:");
    expect(html).toContain('href="https://example.com/a"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });
});
