/** Slugs are URL path segments: lower-case letters, digits and single hyphens, 2–48 characters. */
export const ENDPOINT_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,47}$/;

/** What a slug must look like, in words (the server's refusal and the publish dialog's hint). */
export const ENDPOINT_SLUG_RULE =
  "A slug is 2–48 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.";

/**
 * A slug suggested from a workflow's name: accents dropped, lower-cased, every run of other characters
 * one hyphen, cut to 48 characters; "endpoint" when nothing usable is left.
 */
export function suggestEndpointSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return ENDPOINT_SLUG_PATTERN.test(slug) ? slug : "endpoint";
}
