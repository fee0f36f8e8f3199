/**
 * `npm run secrets:rotate`
 *
 * Re-encrypt every team secret under SECRETS_KEY. To rotate: set SECRETS_KEY_PREVIOUS to the old
 * key and SECRETS_KEY to the new one (servers and workers with both keep working meanwhile), run
 * this once, then drop SECRETS_KEY_PREVIOUS. Rows already under SECRETS_KEY are left as they are;
 * a row no configured key opens stops the command with its name (nothing after it is changed).
 * Uses DATABASE_URL, or the embedded database of TROUPE_DATA_DIR (stop the server first: the
 * embedded database has one owner).
 */
import { db, startDatabase } from "~/server/db";
import { secretsKeyring } from "~/server/secrets/keys";
import { rotateSecrets } from "~/server/secrets/team-secrets";

async function main(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    console.error("usage: SECRETS_KEY=<new> SECRETS_KEY_PREVIOUS=<old> npm run secrets:rotate");
    return argv.includes("--help") || argv.includes("-h") ? 0 : 2;
  }
  const keyring = secretsKeyring();
  const database = await startDatabase();
  try {
    const { reencrypted, alreadyCurrent } = await rotateSecrets(db, keyring);
    console.log(
      `secrets:rotate: re-encrypted ${reencrypted} secret${reencrypted === 1 ? "" : "s"} under key ${keyring.current.id}; ${alreadyCurrent} already used it`,
    );
    return 0;
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`secrets:rotate: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
