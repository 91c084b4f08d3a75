/**
 * The message-port shape Comlink talks through (a Web Worker, a MessagePort, Node's worker adapter),
 * declared here so the public types need neither comlink (bundled into the JS) nor the DOM library.
 * Structurally it is comlink's `Endpoint`: either can be passed where the other is expected.
 */

/** Something that posts messages and dispatches 'message' events. */
export interface Endpoint {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: string, listener: unknown, options?: object): void;
  removeEventListener(type: string, listener: unknown, options?: object): void;
  start?: () => void;
}
