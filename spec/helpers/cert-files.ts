import fs from "node:fs";
import path from "node:path";
import type { CertPair } from "../../src/index.js";

/** Writes a writeCert() pair's certificate and key as PEM files for nngcat (`--cert`/`--key`/`--cacert`); returns their paths. */
export function writeCertFiles(dir: string, tag: string, pair: CertPair): { cert: string; key: string } {
  const cert = path.join(dir, `${tag}.crt`);
  const key = path.join(dir, `${tag}.key`);
  fs.writeFileSync(cert, pair.server[0]);
  fs.writeFileSync(key, pair.server[1]);
  return { cert, key };
}
