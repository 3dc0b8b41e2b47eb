// undici publishes its agents' types from its index only; these name the same classes (and the
// CONNECT method) for the direct imports in src/http/dispatcher.ts.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import { EnvHttpProxyAgent } from 'undici';
  export default EnvHttpProxyAgent;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import { Dispatcher } from 'undici';
  export default Dispatcher;
}
declare module 'undici/lib/api/api-connect.js' {
  /** The method undici's index installs as Dispatcher.prototype.connect (it uses `this`). */
  const connect: (this: unknown, ...args: unknown[]) => unknown;
  export default connect;
}
