/**
 * A TCP proxy in front of seatd that can cut a connection after a request went through and before its reply comes
 * back: the ambiguous failure of rule 5, made on purpose.
 */
import * as net from "node:net";

export class CuttingProxy {
    readonly port: number;
    /** Replies to drop (each drop closes that client connection): armed by the test. */
    dropReplies = 0;
    private readonly server: net.Server;
    private readonly sockets = new Set<net.Socket>();

    private constructor(server: net.Server, port: number) {
        this.server = server;
        this.port = port;
    }

    static start(targetPort: number): Promise<CuttingProxy> {
        return new Promise((resolve) => {
            let proxy: CuttingProxy;
            const server = net.createServer((client) => proxy.accept(client, targetPort));
            server.listen(0, "127.0.0.1", () => {
                proxy = new CuttingProxy(server, server.address()!.port);
                resolve(proxy);
            });
        });
    }

    private accept(client: net.Socket, targetPort: number): void {
        const upstream = net.createConnection({ host: "127.0.0.1", port: targetPort });
        this.sockets.add(client);
        this.sockets.add(upstream);
        client.on("data", (chunk) => upstream.write(chunk));
        upstream.on("data", (chunk) => {
            if (this.dropReplies > 0) {
                this.dropReplies--;
                client.destroy();
                upstream.destroy();
                return;
            }
            client.write(chunk);
        });
        const close = () => {
            client.destroy();
            upstream.destroy();
        };
        for (const socket of [client, upstream]) {
            socket.on("error", close);
            socket.on("close", close);
        }
    }

    close(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
