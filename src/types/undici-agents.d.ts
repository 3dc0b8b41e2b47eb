// undici publishes its Agent's type from its index only; this names the same class for the
// direct import in src/http/dispatcher.ts.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
