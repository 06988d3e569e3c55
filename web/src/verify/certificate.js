// A certificate's data as its QR code carries it in the URL fragment (backend/domain/certificates.py writes it;
// docs/certificates.md describes it), and each activity's on-chain id recomputed from its record exactly as the
// backend and the ActivityRegistry do: centreId (32 bits) | serial (64 bits) | the low 160 bits of
// keccak256("vb:id:" ‖ salt ‖ canonical record JSON).
import { keccak_256 } from "@noble/hashes/sha3.js";

const utf8 = new TextEncoder();
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class Reader {
  constructor(bytes) { this.bytes = bytes; this.at = 0; }
  take(n) {
    if (this.at + n > this.bytes.length) throw new Error("truncated");
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  big() {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.take(1)[0];
      n |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return n;
      if (shift > 63n) throw new Error("varint too long");
    }
  }
  num() {
    const n = this.big();
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("number too large");
    return Number(n);
  }
  text() { return new TextDecoder("utf-8", { fatal: true }).decode(this.take(this.num())); }
}

/** The EIP-55 checksummed form of 20 address bytes (the record names the volunteer so). */
export function checksum(addressBytes) {
  const lower = hex(addressBytes);
  const hash = hex(keccak_256(utf8.encode(lower)));
  return "0x" + Array.from(lower, (c, i) => (parseInt(hash[i], 16) >= 8 ? c.toUpperCase() : c)).join("");
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** Python's datetime.isoformat() of a UTC time: "2026-11-03T01:02:03+00:00", ".000456" before "+" if micros. */
export function isoUtc(seconds, micros) {
  const d = new Date(seconds * 1000);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${base}${micros ? "." + pad(micros, 6) : ""}+00:00`;
}

/** The record the on-chain hashes commit to: canonical JSON (sorted keys, no spaces, UTF-8 as is). */
export function canonicalRecord(volunteer, line) {
  return `{"category":${line.category},"description":${JSON.stringify(line.description)},` +
    `"occurredAt":${JSON.stringify(isoUtc(line.seconds, line.micros))},"place":${JSON.stringify(line.place)},` +
    `"units":${line.units},"volunteer":${JSON.stringify(volunteer)}}`;
}

export function activityId(volunteer, line) {
  const record = utf8.encode(canonicalRecord(volunteer, line));
  const prefix = utf8.encode("vb:id:");
  const input = new Uint8Array(prefix.length + 32 + record.length);
  input.set(prefix, 0);
  input.set(line.salt, prefix.length);
  input.set(record, prefix.length + 32);
  const low = BigInt("0x" + hex(keccak_256(input))) & ((1n << 160n) - 1n);
  const id = (BigInt(line.centreId) << 224n) | (line.serial << 160n) | low;
  return "0x" + id.toString(16).padStart(64, "0");
}

/** The code printed on the paper, from the same bytes: 60 bits of keccak256("vb:certificate:" ‖ data). */
export function certificateCode(payload) {
  const prefix = utf8.encode("vb:certificate:");
  const input = new Uint8Array(prefix.length + payload.length);
  input.set(prefix, 0);
  input.set(payload, prefix.length);
  let n = BigInt("0x" + hex(keccak_256(input).subarray(0, 8))) >> 4n;
  let chars = "";
  for (let i = 0; i < 12; i++) {
    chars = CODE_ALPHABET[Number(n & 31n)] + chars;
    n >>= 5n;
  }
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

const DAY_MS = 86_400_000;
const KST_MS = 9 * 3_600_000;

/** A Korean date (YYYY-MM-DD) from unix seconds, or from days since 1970-01-01. */
export function kstDate(seconds) {
  return new Date(seconds * 1000 + KST_MS).toISOString().slice(0, 10);
}
export function dayDate(days) {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** {volunteer, from, to, lines: [{kind, centreId, serial, category, units, seconds, date, id, and salt, micros, place,
 * description (kind 0: the record) or claim (kind 1: compact)}], code} from the fragment's text; throws if it is not
 * a certificate. */
export function decodeCertificate(fragment) {
  const payload = fromBase64Url(fragment);
  const r = new Reader(payload);
  if (r.take(1)[0] !== 1) throw new Error("unknown version");
  const volunteer = checksum(r.take(20));
  const from = dayDate(r.num());
  const to = dayDate(r.num());
  const count = r.num();
  if (count > 200) throw new Error("too many lines");
  const lines = [];
  for (let i = 0; i < count; i++) {
    const kind = r.num();
    if (kind !== 0 && kind !== 1) throw new Error("unknown kind of line");
    const line = { kind, centreId: r.num(), serial: r.big() };
    if (line.centreId < 1 || line.centreId >= 2 ** 32 || line.serial >= 2n ** 64n) throw new Error("out of range");
    if (kind === 1) {
      // Compact: the id itself; its category, units and day are checked against the attestation's log.
      const low = BigInt("0x" + hex(r.take(20)));
      Object.assign(line, { category: r.num(), units: r.num(), seconds: r.num() });
      line.id = "0x" + ((BigInt(line.centreId) << 224n) | (line.serial << 160n) | low).toString(16).padStart(64, "0");
      line.claim = { id: line.id, volunteer, category: line.category, units: line.units,
        day: Math.floor(line.seconds / 86_400) };
    } else {
      Object.assign(line, { salt: r.take(32).slice(), category: r.num(), units: r.num(), seconds: r.num(), micros: r.num() });
      line.place = r.text();
      line.description = r.text();
      if (line.micros > 999_999) throw new Error("out of range");
      line.id = activityId(volunteer, line);
    }
    line.date = kstDate(line.seconds);
    lines.push(line);
  }
  if (r.at !== payload.length) throw new Error("trailing bytes");
  return { volunteer, from, to, lines, code: certificateCode(payload) };
}
