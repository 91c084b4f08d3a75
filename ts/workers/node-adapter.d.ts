/** Comlink ships node-adapter.d.ts beside node-adapter.mjs; TypeScript pairs an .mjs only with a .d.mts. */
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/esm/node-adapter';
  export default nodeEndpoint;
}
