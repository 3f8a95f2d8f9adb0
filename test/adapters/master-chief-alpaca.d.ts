// @master-chief/alpaca ships its typings in @types/, but its package.json "exports" has no "types"
// condition, so NodeNext resolution cannot find them; this re-exports what the tests use from there.
/* eslint-disable @typescript-eslint/consistent-type-imports -- an ambient module cannot `import type` a relative path; import() types are the only way */
declare module "@master-chief/alpaca" {
  type Typings = typeof import("../../node_modules/@master-chief/alpaca/@types/index.js");
  export const AlpacaClient: Typings["AlpacaClient"];
  export type AlpacaClient = InstanceType<Typings["AlpacaClient"]>;
  export const AlpacaStream: Typings["AlpacaStream"];
  export type AlpacaStream = InstanceType<Typings["AlpacaStream"]>;
  export type Bar = import("../../node_modules/@master-chief/alpaca/@types/index.js").Bar;
  export type DefaultCredentials = import("../../node_modules/@master-chief/alpaca/@types/index.js").DefaultCredentials;
}
