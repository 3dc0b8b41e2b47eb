/** The proxy variables the HTTP client honours (upper and lower case, as curl and undici read them). */
export interface ProxyEnv {
  HTTPS_PROXY?: string;
  https_proxy?: string;
  HTTP_PROXY?: string;
  http_proxy?: string;
  NO_PROXY?: string;
  no_proxy?: string;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;
const NO_PROXY_VARIABLES = ['NO_PROXY', 'no_proxy'] as const;

/**
 * What is wrong with the proxy variables, one line each naming the variable; empty when all are
 * usable. Checked with the config, so a proxy written without its scheme is exit 2 before
 * anything is contacted rather than a crash inside the HTTP client. Values are not echoed: a
 * proxy URL may carry a password. Pure.
 */
export function proxyEnvironmentProblems(env: ProxyEnv): string[] {
  const problems: string[] = [];
  for (const variable of PROXY_VARIABLES) {
    const value = env[variable]?.trim();
    if (!value) continue;
    const problem = proxyUrlProblem(value);
    if (problem) problems.push(`${variable} ${problem}`);
  }
  for (const variable of NO_PROXY_VARIABLES) {
    const value = env[variable]?.trim();
    if (!value) continue;
    const bad = value.split(/[,\s]+/).filter((entry) => entry.includes('://'));
    if (bad.length > 0) {
      problems.push(
        `${variable} lists ${bad.map((entry) => `"${entry}"`).join(', ')}: entries are host names or domains (such as iiq.corp.example or .corp.example), without a scheme`,
      );
    }
  }
  return problems;
}

function proxyUrlProblem(value: string): string | undefined {
  const example = 'such as http://proxy.corp.example:3128';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return `has no scheme: write the proxy as an http:// or https:// URL, ${example}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a valid URL: write it ${example}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `uses the scheme "${url.protocol.slice(0, -1)}": only http:// and https:// proxies are supported, ${example}`;
  }
  if (url.hostname === '') return `names no proxy host: write it ${example}`;
  return undefined;
}
