/** autocannon ships no types; the bench describes the part it uses where it calls it. */
declare module "autocannon";
