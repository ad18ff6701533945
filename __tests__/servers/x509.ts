// A self-signed X.509 certificate and RS256 JWTs, with node:crypto only.
//
// Node can parse certificates (crypto.X509Certificate) but not create them, so the certificate is
// assembled here with a minimal DER encoder: a v3 TBSCertificate (RFC 5280 §4.1) holding the
// key's SubjectPublicKeyInfo as exported by Node, signed with sha256WithRSAEncryption.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'

// ------------------------------------------------------------------------------------------- DER
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length
  let len: Buffer
  if (n < 0x80) {
    len = Buffer.from([n])
  } else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    len = Buffer.from([0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([Buffer.from([tag]), len, content])
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items))
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner)
const octets = (b: Buffer): Buffer => tlv(0x04, b)
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]))
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]))
const NULL = Buffer.from([0x05, 0x00])
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, sign bit kept clear). */
function uint(magnitude: Buffer): Buffer {
  let i = 0
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++
  let b = magnitude.subarray(i)
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b])
  return tlv(0x02, b)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out = [parts[0] * 40 + parts[1]]
  for (const p of parts.slice(2)) {
    const groups: number[] = []
    for (let v = p; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128)
      if (v < 128) break
    }
    out.push(...groups.map((g, k) => (k < groups.length - 1 ? g | 0x80 : g)))
  }
  return tlv(0x06, Buffer.from(out))
}

/** UTCTime (YYMMDDHHMMSSZ) up to 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
function time(d: Date): Buffer {
  const iso = d.toISOString() // 2026-11-26T19:37:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') // 20261126193700
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'))
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), NULL)

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value))
}

// ----------------------------------------------------------------------------------- certificate
export interface SigningIdentity {
  privateKey: KeyObject
  publicKey: KeyObject
  /** DER of the self-signed certificate. */
  certificateDer: Buffer
  /** The same certificate as PEM (what a registry's rootcertbundle holds). */
  certificatePem: string
}

/**
 * A fresh RSA-2048 key pair and a self-signed CA certificate for it (subject = issuer = CN),
 * valid from one hour ago for `validDays` days.
 */
export function createSigningIdentity(commonName: string, validDays = 2): SigningIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))))
  const serial = randomBytes(16)
  serial[0] = (serial[0] & 0x7f) | 0x01 // positive, 16 significant bytes
  const now = Date.now()
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const keyId = createHash('sha1')
    .update(publicKey.export({ type: 'pkcs1', format: 'der' }))
    .digest()
  const extensions = seq(
    // basicConstraints: cA TRUE (critical)
    extension('2.5.29.19', true, seq(bool(true))),
    // keyUsage: digitalSignature (bit 0) + keyCertSign (bit 5) -> 1000 0100, 2 unused bits
    extension('2.5.29.15', true, bits(Buffer.from([0x84]), 2)),
    // subjectKeyIdentifier
    extension('2.5.29.14', false, octets(keyId))
  )
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))), // v3
    uint(serial),
    SHA256_WITH_RSA,
    name,
    seq(time(new Date(now - 3600_000)), time(new Date(now + validDays * 86400_000))),
    name,
    spki,
    explicit(3, extensions)
  )
  const signature = sign('sha256', tbs, privateKey) // RSASSA-PKCS1-v1_5
  const certificateDer = seq(tbs, SHA256_WITH_RSA, bits(signature))
  const b64 = certificateDer.toString('base64')
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`
  return { privateKey, publicKey, certificateDer, certificatePem }
}

// ------------------------------------------------------------------------------------------- JWT
const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url')

/**
 * An RS256 JWS in compact form whose header carries the signing certificate in `x5c` (standard
 * base64 DER, RFC 7515 §4.1.6), the way the Distribution registry expects to find the key.
 */
export function signJwt(identity: SigningIdentity, claims: object): string {
  const header = {
    typ: 'JWT',
    alg: 'RS256',
    x5c: [identity.certificateDer.toString('base64')]
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  return `${input}.${b64url(sign('sha256', Buffer.from(input), identity.privateKey))}`
}

/** Header and claims of a compact JWS, without verifying anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: unknown } {
  const [h, c] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(c ?? '', 'base64url').toString('utf8'))
  }
}
