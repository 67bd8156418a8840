import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * aws-ses-v2-local speaks SES v1's SendEmail / SendRawEmail and SESv2, but not
 * v1 GetSendQuota, which the trigger paces its sends by, nor
 * GetIdentityVerificationAttributes, which `bench preflight` checks the sender
 * with. This front answers GetSendQuota (AWS Query protocol, XML) from the
 * local account's quota (AWS_SES_ACCOUNT, the same document the emulator's
 * GetAccount serves), GetIdentityVerificationAttributes from
 * AWS_SES_IDENTITIES (a JSON list of verified identities; unset: every
 * identity is verified, as the emulator sends as anyone), and passes every
 * other request through unchanged.
 */
export async function startSesQuotaProxy(backend: string): Promise<Server> {
  const target = new URL(backend);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = req.method === 'POST' ? params.get('Action') : null;
      if (action === 'GetSendQuota') {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(sendQuotaXml());
        return;
      }
      if (action === 'GetIdentityVerificationAttributes') {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(verificationXml(params));
        return;
      }
      const forward = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      forward.on('error', (error) => res.writeHead(502).end(error.message));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

export const urlOfServer = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function sendQuotaXml(): string {
  const quota = (
    JSON.parse(process.env.AWS_SES_ACCOUNT ?? '{}') as {
      SendQuota?: { Max24HourSend?: number; MaxSendRate?: number; SentLast24Hours?: number };
    }
  ).SendQuota;
  return [
    '<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">',
    '<GetSendQuotaResult>',
    `<SentLast24Hours>${quota?.SentLast24Hours ?? 0}</SentLast24Hours>`,
    `<Max24HourSend>${quota?.Max24HourSend ?? 200}</Max24HourSend>`,
    `<MaxSendRate>${quota?.MaxSendRate ?? 1}</MaxSendRate>`,
    '</GetSendQuotaResult>',
    '<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata>',
    '</GetSendQuotaResponse>',
  ].join('');
}

/** Known identities only, as SES answers: an identity never added is left out of the map. */
function verificationXml(params: URLSearchParams): string {
  const requested = [...params.entries()]
    .filter(([key]) => /^Identities\.member\.\d+$/.test(key))
    .map(([, value]) => value);
  const listed = process.env.AWS_SES_IDENTITIES;
  const verified = listed === undefined ? undefined : new Set(JSON.parse(listed) as string[]);
  const entries = requested
    .filter((identity) => verified === undefined || verified.has(identity))
    .map(
      (identity) =>
        `<entry><key>${escapeXml(identity)}</key><value><VerificationStatus>Success</VerificationStatus></value></entry>`,
    );
  return [
    '<GetIdentityVerificationAttributesResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">',
    `<GetIdentityVerificationAttributesResult><VerificationAttributes>${entries.join('')}</VerificationAttributes></GetIdentityVerificationAttributesResult>`,
    '<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata>',
    '</GetIdentityVerificationAttributesResponse>',
  ].join('');
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
