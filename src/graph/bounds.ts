import { z } from "zod";

/** The largest value of a Postgres `integer` column (revisions, sequence and version numbers). */
export const MAX_DB_INT = 2_147_483_647;

/** An integer a Postgres `integer` column holds, from `min`: larger input is refused, never a driver error. */
export const databaseInt = (min: number) => z.number().int().min(min).max(MAX_DB_INT);
