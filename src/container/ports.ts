// Free host ports for `-p CONTAINER` and `-P`: the kernel picks one, berth releases it and hands it to slirp4netns.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { BerthError } from '../util/errors.ts';

export async function freePort(protocol: 'tcp' | 'udp', hostIp: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => reject(new BerthError('RUNTIME', `cannot find a free ${protocol} port on ${hostIp}: ${e.message}`, { cause: e }));
    if (protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', fail);
      socket.bind(0, hostIp, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
      return;
    }
    const server = createServer();
    server.once('error', fail);
    server.listen(0, hostIp, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
