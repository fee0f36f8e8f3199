export * from "./guarded-fetch";
export * from "./outbound-policy";
