// Ports for a server about to start: whether one is free, and a free one to give it. Shared by `npm start`
// (scripts/start.mjs) and the tests' wrangler dev helper (test/helpers/wrangler-dev.ts).
import { createServer } from "node:net";

/** Whether `host:port` can be listened on: false when taken; true too when the host has no such address (no IPv6). */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRNOTAVAIL" || err.code === "EAFNOSUPPORT"));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether nothing listens on `port` on localhost (either address). */
export async function portFree(port: number): Promise<boolean> {
  return (await canListen(port, "127.0.0.1")) && (await canListen(port, "::1"));
}

/**
 * A port nobody listens on right now, for a server started next. Picked at random below 32768: Linux
 * hands out ports for a bind to port 0 and for outgoing connections from 32768 up, so a port it gave
 * could be given to another program, or taken by an outgoing connection, in the seconds before the
 * server binds it ("Address already in use"). The OS picks only when 50 random ports were all taken.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portFree(port)) return port;
  }
  return osPickedPort();
}

/** A port the OS picks (bind 0, read it, close). */
function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: no address"));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
