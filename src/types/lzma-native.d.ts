declare module 'lzma-native' {
  import type { Duplex } from 'node:stream';
  interface LzmaOptions {
    preset?: number;
    check?: number;
    threads?: number;
  }
  interface LzmaFilter {
    id: number;
    options?: { dictSize?: number; mode?: number; mf?: number; niceLen?: number; depth?: number; lc?: number; lp?: number; pb?: number };
  }
  export function compress(data: Buffer | string, options: LzmaOptions | number, callback: (result: Buffer) => void): void;
  export function decompress(data: Buffer, options: object | undefined, callback: (result: Buffer, error?: Error) => void): void;
  export function createStream(coder: 'streamEncoder', options: { filters: LzmaFilter[]; check?: number }): Duplex;
  const lzma: {
    compress: typeof compress;
    decompress: typeof decompress;
    createStream: typeof createStream;
    CHECK_CRC64: number;
    CHECK_CRC32: number;
    FILTER_LZMA2: number;
    MODE_FAST: number;
    MF_HC3: number;
    MF_HC4: number;
  };
  export default lzma;
}
