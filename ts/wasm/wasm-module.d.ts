/** A `.wasm` import, as @rollup/plugin-wasm provides it: without imports it compiles the module. */
declare module '*.wasm' {
  const compile: (imports?: WebAssembly.Imports) => Promise<WebAssembly.Module | WebAssembly.WebAssemblyInstantiatedSource>;
  export default compile;
}
