// The zip payload k0s (>= 1.36) appends to its executable (Makefile: `cat embedded-binaries-linux.zip
// >> k0s`, the zip written by hack/zip-files/main.go: one deflated entry per binary, named by its
// base name), and the reading side of k0s's stage.go: Go's archive/zip, which finds the end of
// central directory record at the end of the file and tolerates data before the zip (the program)
// whether the zip's offsets count from its own start (as appended) or from the file's (`zip -A`).
import { deflateRawSync, inflateRawSync, crc32 } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** Uncompressed size (what k0s compares with the staged file's size). */
  size: number;
  read(): Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A zip of `files` whose offsets count from its own first byte, as Go's zip.Writer writes it. */
export function zipPayload(files: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const packed = deflateRawSync(f.data, { level: 9 });
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The entries of the zip at the end of `file`, or undefined when there is none (k0s: "no payload attached"). */
export function zipEntries(file: Buffer): ZipEntry[] | undefined {
  const from = Math.max(0, file.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = file.length - 22; i >= from; i--) {
    if (file.readUInt32LE(i) === EOCD && i + 22 + file.readUInt16LE(i + 20) === file.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = file.readUInt16LE(eocd + 10);
  const cdSize = file.readUInt32LE(eocd + 12);
  const cdOffset = file.readUInt32LE(eocd + 16);
  // Go's archive/zip: data before the zip shifts every offset by the same amount.
  const base = eocd - cdSize - cdOffset;
  if (base < 0) return undefined;
  const entries: ZipEntry[] = [];
  let p = base + cdOffset;
  for (let i = 0; i < count; i++) {
    if (file.readUInt32LE(p) !== CENTRAL) return undefined;
    const method = file.readUInt16LE(p + 10);
    const packedSize = file.readUInt32LE(p + 20);
    const size = file.readUInt32LE(p + 24);
    const nameLen = file.readUInt16LE(p + 28);
    const extraLen = file.readUInt16LE(p + 30);
    const commentLen = file.readUInt16LE(p + 32);
    const local = base + file.readUInt32LE(p + 42);
    const name = file.subarray(p + 46, p + 46 + nameLen).toString();
    p += 46 + nameLen + extraLen + commentLen;
    entries.push({
      name, size,
      read: () => {
        if (file.readUInt32LE(local) !== LOCAL) throw new Error(`zip entry ${name}: no local header at ${local}`);
        const start = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
        const packed = file.subarray(start, start + packedSize);
        return method === 0 ? Buffer.from(packed) : inflateRawSync(packed);
      },
    });
  }
  return entries;
}
