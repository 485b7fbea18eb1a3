/** CRC-32C (Castagnoli), the hash of cluster slots: slot = crc32c(session id bytes) mod 1024. */

/** Slots of a cluster (docs/protocol.md, Cluster mode). */
export const slotCount = 1024;

// The reflected polynomial 0x1EDC6F41, one table entry per byte value.
const table = (() => {
    const entries = new Uint32Array(256);
    for (let byte = 0; byte < 256; byte++) {
        let crc = byte;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
        entries[byte] = crc >>> 0;
    }
    return entries;
})();

/** CRC-32C of a string's UTF-8 bytes (session ids are ASCII, but stay exact for any text). */
export function crc32c(text: string): number {
    let crc = 0xffffffff;
    for (const byte of utf8(text)) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
}

/** The slot of a session id. */
export function slotOf(session: string): number {
    return crc32c(session) % slotCount;
}

function* utf8(text: string): Generator<number> {
    for (const char of text) {
        const code = char.codePointAt(0)!;
        if (code < 0x80) {
            yield code;
        } else if (code < 0x800) {
            yield 0xc0 | (code >> 6);
            yield 0x80 | (code & 0x3f);
        } else if (code < 0x10000) {
            yield 0xe0 | (code >> 12);
            yield 0x80 | ((code >> 6) & 0x3f);
            yield 0x80 | (code & 0x3f);
        } else {
            yield 0xf0 | (code >> 18);
            yield 0x80 | ((code >> 12) & 0x3f);
            yield 0x80 | ((code >> 6) & 0x3f);
            yield 0x80 | (code & 0x3f);
        }
    }
}
