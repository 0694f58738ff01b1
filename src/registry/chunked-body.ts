// HTTP/1.1 chunked transfer coding, decoded as bytes arrive: the data of each chunk is handed on
// as views of the input (no copies), the size lines, CRLFs and trailers are consumed.
const MAX_LINE = 8 * 1024;

function framingError(message: string): Error {
  return Object.assign(new Error(`malformed chunked body: ${message}`), { code: 'UND_ERR_SOCKET' });
}

export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-end' | 'trailers' | 'done' = 'size';
  private line = '';
  private left = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  /** Takes the next bytes; `onData` gets the body's pieces. Returns how many bytes were used (less only once done). */
  push(input: Buffer, onData: (data: Buffer) => void): number {
    let off = 0;
    while (off < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, input.length - off);
        onData(input.subarray(off, off + n));
        this.left -= n;
        off += n;
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const nl = input.indexOf(0x0a, off);
      const end = nl === -1 ? input.length : nl;
      this.line += input.toString('latin1', off, end);
      off = nl === -1 ? input.length : nl + 1;
      if (this.line.length > MAX_LINE) throw framingError(`a line of more than ${MAX_LINE} bytes`);
      if (nl === -1) break;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.takeLine(line);
    }
    return off;
  }

  private takeLine(line: string): void {
    switch (this.state) {
      case 'size': {
        const hex = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw framingError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.left = parseInt(hex, 16);
        this.state = this.left === 0 ? 'trailers' : 'data';
        return;
      }
      case 'data-end':
        if (line !== '') throw framingError('no CRLF after a chunk');
        this.state = 'size';
        return;
      case 'trailers':
        if (line === '') this.state = 'done';
        return;
      default:
        return;
    }
  }
}
