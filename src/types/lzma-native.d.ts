declare module 'lzma-native' {
  interface LzmaOptions {
    preset?: number;
    check?: number;
    threads?: number;
  }
  export function compress(data: Buffer | string, options: LzmaOptions | number, callback: (result: Buffer) => void): void;
  export function decompress(data: Buffer, options: object | undefined, callback: (result: Buffer, error?: Error) => void): void;
  const lzma: { compress: typeof compress; decompress: typeof decompress; CHECK_CRC64: number; CHECK_CRC32: number };
  export default lzma;
}
