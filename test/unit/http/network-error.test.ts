/** A failed connection reads as one human line: no OpenSSL text, no newline. */
import { describe, expect, it } from 'vitest';
import { describeNetworkError } from '../../../src/http/network-error.js';

const OPENSSL =
  '80FCA16A847F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
const context = { timeoutMs: 5000, urlKey: 'iiq.baseUrl', caFileKey: 'iiq.caFile' };
const viaFetch = (code: string, message: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });
const direct = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('describeNetworkError', () => {
  it.each([
    [
      'https:// to a plain-HTTP port (fetch)',
      viaFetch('ERR_SSL_WRONG_VERSION_NUMBER', OPENSSL),
      'TLS handshake failed: the server does not answer TLS on this port (an https:// URL to a plain-HTTP port? check iiq.baseUrl)',
    ],
    [
      'https:// to a plain-HTTP port (undici request)',
      direct('ERR_SSL_WRONG_VERSION_NUMBER', OPENSSL),
      'TLS handshake failed: the server does not answer TLS on this port',
    ],
    [
      'packet length too long',
      direct(
        'ERR_SSL_PACKET_LENGTH_TOO_LONG',
        '...:error:0A0000C6:SSL routines:tls_get_more_records:packet length too long:ssl/record/rec_layer_s3.c:1:\n',
      ),
      'does not answer TLS on this port',
    ],
    [
      'another OpenSSL reason',
      direct(
        'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
        '...:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:ssl/record/rec_layer_s3.c:1605:SSL alert number 40\n',
      ),
      'TLS handshake failed: sslv3 alert handshake failure',
    ],
    [
      'self-signed',
      viaFetch('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      "TLS certificate not trusted: the server has a self-signed certificate; set iiq.caFile to the issuing CA's PEM file",
    ],
    [
      'internal CA',
      direct('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      'unable to verify the first certificate',
    ],
    ['expired', direct('CERT_HAS_EXPIRED', 'certificate has expired'), "the server's certificate has expired"],
    [
      'wrong host name',
      direct('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      'the certificate does not name this host',
    ],
    [
      'refused',
      viaFetch('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      'connection refused (is the service up, and iiq.baseUrl right?)',
    ],
    [
      'unknown host',
      viaFetch('ENOTFOUND', 'getaddrinfo ENOTFOUND iiq.example.invalid'),
      'host not found (check iiq.baseUrl, DNS and the proxy settings)',
    ],
    ['timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'no answer within 5 s (timeout)'],
    ['anything else, on one line', direct('EWEIRD', 'first line\nsecond line'), 'EWEIRD first line second line'],
  ])('%s', (_name, error, expected) => {
    const line = describeNetworkError(error, context);
    expect(line).toContain(expected);
    expect(line).not.toMatch(/\n|SSL routines|0A00010B|\.c:\d+/);
  });

  it("without a CA-file key (PagerDuty) it points at Node's trust store instead", () => {
    expect(
      describeNetworkError(direct('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), {
        timeoutMs: 1000,
        urlKey: 'pagerduty.eventsUrl',
      }),
    ).toContain('NODE_EXTRA_CA_CERTS');
  });
});
