/**
 * `Pipeline`: requests collected and sent in one write; `exec()` resolves to every reply in request order, a
 * `SeatdError` in the place of each `ERR` (rule 1). A failed connection rejects the whole `exec()`: which requests
 * were carried out is then unknown, so it is not sent again.
 */
import { Command, commands, CommandName } from "./commands.js";
import { SeatdError } from "./errors.js";
import { settle } from "./settle.js";

/** One method per command, adding it to the batch. */
export type PipelineMethods = {
    [K in CommandName]: (...args: Parameters<(typeof commands)[K]>) => Pipeline;
};

export interface Pipeline extends PipelineMethods {}

export class Pipeline {
    private readonly commands: Command<unknown>[] = [];
    private readonly send: (batch: Command<unknown>[]) => Promise<Promise<string>[]>;

    constructor(send: (batch: Command<unknown>[]) => Promise<Promise<string>[]>) {
        this.send = send;
    }

    get length(): number {
        return this.commands.length;
    }

    /** Adds a command built elsewhere (the methods named after the commands call this). */
    push(command: Command<unknown>): this {
        this.commands.push(command);
        return this;
    }

    /** Sends the batch and resolves to the replies in order: parsed values, or errors in place of ERR. */
    async exec(): Promise<unknown[]> {
        const batch = this.commands.splice(0);
        const lines = await Promise.all(await this.send(batch));
        return lines.map((line, index) => {
            try {
                return settle(batch[index]!, line);
            } catch (error) {
                if (error instanceof SeatdError) return error;
                throw error;
            }
        });
    }
}

for (const name of Object.keys(commands) as CommandName[]) {
    const build = commands[name] as (...args: unknown[]) => Command<unknown>;
    (Pipeline.prototype as unknown as Record<string, unknown>)[name] = function (this: Pipeline, ...args: unknown[]) {
        return this.push(build(...args));
    };
}
