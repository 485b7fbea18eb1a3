/** seatd's TypeScript client: see README.md, docs/clients.md for the rules it follows. */
export { Client } from "./client.js";
export type { ClientOptions, ClientMethods } from "./client.js";
export { ClusterClient } from "./cluster.js";
export type { ClusterOptions, ClusterMethods } from "./cluster.js";
export { Pipeline } from "./pipeline.js";
export type { PipelineMethods } from "./pipeline.js";
export { Watch } from "./watch.js";
export type { WatchOptions } from "./watch.js";
export { commands, token } from "./commands.js";
export type {
    AvailPart, Command, HoldOptions, Selection, SelectOptions, SellOptions, SessionOptions,
} from "./commands.js";
export * from "./errors.js";
export * from "./replies.js";
export { crc32c, slotOf, slotCount } from "./crc32c.js";

import { Client, ClientOptions } from "./client.js";
import { ClusterClient } from "./cluster.js";

/**
 * A connected client: a `Client` for one address (`{host, port}`), a `ClusterClient` when given `addresses`.
 */
export function connect(options: ClientOptions): Promise<Client>;
export function connect(options: ClientOptions & { addresses: string[] }): Promise<ClusterClient>;
export function connect(options: ClientOptions & { addresses?: string[] }): Promise<Client | ClusterClient> {
    if (options.addresses !== undefined) return ClusterClient.connect({ ...options, addresses: options.addresses });
    return Client.connect(options);
}
