// One-time codes of an authenticator app (RFC 6238: HMAC-SHA1, 30-second steps, six digits),
// written here from the RFC rather than taken from the server, so that the tests hold the
// server to the standard and not to itself. It imports nothing from Playwright: the global setup
// loads it too. The specs import it from ./support.
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;

/** The bytes of a base32 key (RFC 4648; case, spaces and padding ignored). */
function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text.toUpperCase().replace(/[\s=]/g, '')) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not a base32 key: ${JSON.stringify(text)}`);
    // Only the bits not yet taken out matter (fewer than 13): the mask keeps the number small.
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The code an app with the key `secretBase32` shows `offsetSteps` steps of 30 s from now
 * (`at`, in milliseconds since the epoch, for checking against the RFC's vectors). */
export function totp(secretBase32: string, offsetSteps = 0, at = Date.now()): string {
  const counter = Math.floor(at / 1000 / STEP_SECONDS) + offsetSteps;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(message).digest();
  // Dynamic truncation (RFC 4226, 5.3).
  const offset = mac[mac.length - 1] & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, '0');
}
