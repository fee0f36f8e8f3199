import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "~/components/layout/logo";
import { env } from "~/env";
import { openApiDocument } from "~/server/publish/openapi";
import { type FieldRow, fieldsOf, operationsOf, variantsOf } from "./reference";

export const metadata: Metadata = { title: "API reference" };
/** The examples carry this installation's address (APP_URL), read when the page is served. */
export const dynamic = "force-dynamic";

const METHOD_STYLES: Record<string, string> = {
  get: "bg-primary/10 text-primary",
  post: "bg-success/10 text-success",
  delete: "bg-destructive/10 text-destructive",
};

function Method({ method }: { method: string }) {
  return (
    <span
      className={`inline-block min-w-14 rounded px-2 py-0.5 text-center font-mono text-xs font-semibold uppercase ${METHOD_STYLES[method] ?? "bg-muted text-foreground"}`}
    >
      {method}
    </span>
  );
}

function Code({ children }: { children: ReactNode }) {
  return <code className="rounded bg-muted px-1 py-0.5 font-mono text-[0.8em]">{children}</code>;
}

/** Text with `code` spans, as the document's descriptions write them. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/).map((part, index) =>
        /^`[^`]+`$/.test(part) ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string
          <Code key={index}>{part.slice(1, -1)}</Code>
        ) : (
          part
        ),
      )}
    </>
  );
}

function FieldTable({ rows, first = "Field" }: { rows: (FieldRow & { in?: string })[]; first?: string }) {
  if (!rows.length) return null;
  return (
    <table className="w-full border-collapse text-sm">
      <thead>
        <tr className="border-b border-border text-left text-xs text-muted-foreground">
          <th className="py-1.5 pr-4 font-medium">{first}</th>
          <th className="py-1.5 pr-4 font-medium">Type</th>
          <th className="py-1.5 font-medium">Description</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.in ?? ""}${row.name}`} className="border-b border-border/60 align-top">
            <td className="py-1.5 pr-4 font-mono text-xs whitespace-nowrap">
              {row.name}
              {row.required ? <span className="text-destructive"> *</span> : null}
              {row.in ? <span className="ml-1 text-muted-foreground">({row.in})</span> : null}
            </td>
            <td className="py-1.5 pr-4 font-mono text-xs break-words text-muted-foreground">{row.type}</td>
            <td className="py-1.5 text-muted-foreground">
              <Prose text={row.description ?? ""} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SchemaLink({ name }: { name: string }) {
  return /^[A-Z]\w*$/.test(name) ? (
    <a href={`#schema-${name}`} className="font-mono text-xs text-primary hover:underline">
      {name}
    </a>
  ) : (
    <span className="font-mono text-xs">{name}</span>
  );
}

/**
 * The HTTP API's reference, rendered from the same OpenAPI document `/api/v1/openapi.json` serves:
 * authentication, errors, every operation (parameters, body, answers, a curl command) and every schema.
 * Public, like the document.
 */
export default function ApiReferencePage() {
  const baseUrl = env.APP_URL?.replace(/\/+$/, "") ?? `http://localhost:${env.PORT}`;
  const document = openApiDocument({ serverUrl: baseUrl });
  const operations = operationsOf(document, baseUrl);
  const schemas = (document.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
  return (
    <main className="min-h-dvh bg-subtle">
      <header className="border-b border-border bg-background">
        <div className="mx-auto flex max-w-5xl items-center justify-between px-6 py-4">
          <Link href="/">
            <Logo />
          </Link>
          <a href="/api/v1/openapi.json" className="text-sm text-primary hover:underline">
            openapi.json
          </a>
        </div>
      </header>
      <div className="mx-auto grid max-w-5xl gap-8 px-6 py-10 lg:grid-cols-[12rem_1fr]">
        <nav className="text-sm lg:sticky lg:top-6 lg:self-start" aria-label="Operations">
          <p className="mb-2 text-xs font-medium uppercase tracking-wide text-muted-foreground">Operations</p>
          <ul className="flex flex-col gap-1.5">
            {operations.map((operation) => (
              <li key={operation.id}>
                <a href={`#${operation.id}`} className="hover:underline">
                  {operation.summary}
                </a>
              </li>
            ))}
          </ul>
          <p className="mb-2 mt-6 text-xs font-medium uppercase tracking-wide text-muted-foreground">
            Schemas
          </p>
          <ul className="flex flex-col gap-1.5">
            {Object.keys(schemas).map((name) => (
              <li key={name}>
                <a href={`#schema-${name}`} className="font-mono text-xs hover:underline">
                  {name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="flex min-w-0 flex-col gap-8">
          <section>
            <h1 className="text-2xl font-semibold tracking-tight">API reference</h1>
            <p className="mt-2 text-sm text-muted-foreground">
              Run the workflows your team has published as endpoints, from any HTTP client. Base URL{" "}
              <Code>{baseUrl}</Code>.
            </p>
            <div className="mt-4 grid gap-3 text-sm">
              <p>
                <strong>Authentication.</strong> Send a team API key (an admin creates it on the team&apos;s
                endpoints page; it is shown once) as <Code>Authorization: Bearer trp_…</Code>. A key may be
                limited to some endpoints, to a number of calls per minute and to a monthly cost.
              </p>
              <p>
                <strong>Answers.</strong> A run call waits for the run and answers <Code>200</Code> with its
                result when it has ended — also when it failed, was cancelled or timed out:{" "}
                <Code>status</Code> and <Code>error</Code> say so — or <Code>202</Code> with the run id to
                poll when it takes longer. <Code>&quot;async&quot;: true</Code> answers <Code>202</Code> at
                once; <Code>&quot;stream&quot;: true</Code> streams the run&apos;s events (Server-Sent Events,
                resumable with <Code>Last-Event-ID</Code>).
              </p>
              <p>
                <strong>Errors</strong> are JSON <Code>{"{ error: { code, message, param? } }"}</Code>: 400
                invalid input (<Code>param</Code> names the field), 401 no valid key, 403 endpoint outside the
                key&apos;s scope, 404 unknown or unpublished, 413 body too large, 415 not JSON, 422 the
                workflow cannot run, 429 a limit reached (wait <Code>Retry-After</Code> seconds).
              </p>
              <p>
                <strong>Browsers.</strong> Cross-origin calls are refused unless the endpoint lists the
                page&apos;s origin among its allowed origins.
              </p>
            </div>
          </section>
          {operations.map((operation) => (
            <section
              key={operation.id}
              id={operation.id}
              className="scroll-mt-6 rounded-lg border border-border bg-background shadow-card"
            >
              <div className="flex flex-col gap-2 border-b border-border px-6 py-4">
                <h2 className="text-base font-semibold tracking-tight">{operation.summary}</h2>
                <p className="flex flex-wrap items-center gap-2">
                  <Method method={operation.method} />
                  <span className="font-mono text-sm break-all">{operation.path}</span>
                  {operation.authenticated ? null : (
                    <span className="text-xs text-muted-foreground">no key needed</span>
                  )}
                </p>
                {operation.description ? (
                  <p className="text-sm text-muted-foreground">
                    <Prose text={operation.description} />
                  </p>
                ) : null}
              </div>
              <div className="flex flex-col gap-5 px-6 py-5">
                {operation.parameters.length ? (
                  <div>
                    <h3 className="mb-1 text-sm font-medium">Parameters</h3>
                    <FieldTable rows={operation.parameters} first="Name" />
                  </div>
                ) : null}
                {operation.body ? (
                  <div>
                    <h3 className="mb-1 text-sm font-medium">
                      Body (JSON, <SchemaLink name={operation.body.schema} />)
                    </h3>
                    <FieldTable rows={operation.body.fields} />
                  </div>
                ) : null}
                <div>
                  <h3 className="mb-1 text-sm font-medium">Responses</h3>
                  <ul className="flex flex-col gap-1.5 text-sm">
                    {operation.responses.map((response) => (
                      <li key={response.status} className="flex flex-wrap gap-x-3">
                        <span className="w-10 font-mono font-semibold">{response.status}</span>
                        <span className="min-w-0 flex-1 text-muted-foreground">
                          <Prose text={response.description} />{" "}
                          {response.mediaTypes.map((media) => (
                            <span key={media.type} className="mr-2 whitespace-nowrap">
                              <span className="font-mono text-xs">{media.type}</span>{" "}
                              <SchemaLink name={media.schema} />
                            </span>
                          ))}
                          {response.headers.length ? (
                            <span className="font-mono text-xs">headers: {response.headers.join(", ")}</span>
                          ) : null}
                        </span>
                      </li>
                    ))}
                  </ul>
                </div>
                <div>
                  <h3 className="mb-1 text-sm font-medium">Example</h3>
                  <pre className="overflow-x-auto rounded-md bg-foreground p-3 font-mono text-xs text-background">
                    {operation.curl}
                  </pre>
                </div>
              </div>
            </section>
          ))}
          <section className="flex flex-col gap-4">
            <h2 className="text-xl font-semibold tracking-tight">Schemas</h2>
            {Object.entries(schemas).map(([name, schema]) => {
              const variants = variantsOf(schema);
              return (
                <div
                  key={name}
                  id={`schema-${name}`}
                  className="scroll-mt-6 rounded-lg border border-border bg-background px-6 py-4 shadow-card"
                >
                  <h3 className="font-mono text-sm font-semibold">{name}</h3>
                  {typeof schema.description === "string" ? (
                    <p className="mt-1 text-sm text-muted-foreground">{schema.description}</p>
                  ) : null}
                  <div className="mt-2">
                    {variants.length ? (
                      <div className="flex flex-col gap-3">
                        <p className="text-sm text-muted-foreground">
                          One of, by its <Code>type</Code>:
                        </p>
                        {variants.map((variant) => (
                          <details key={variant.name} className="text-sm">
                            <summary className="cursor-pointer font-mono text-xs">{variant.name}</summary>
                            <div className="mt-1 pl-4">
                              <FieldTable rows={variant.fields} />
                            </div>
                          </details>
                        ))}
                      </div>
                    ) : (
                      <FieldTable rows={fieldsOf(schema, schemas)} />
                    )}
                  </div>
                </div>
              );
            })}
          </section>
        </div>
      </div>
    </main>
  );
}
