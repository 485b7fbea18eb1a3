/** Turning a reply line into a command's result or error. */
import { Command } from "./commands.js";
import { errorFromReply, SeatdError } from "./errors.js";

/** The parsed payload of an OK line; the error of an ERR line. */
export function settle<T>(command: Command<T>, line: string): T {
    if (line === "OK") return command.parse("");
    if (line.startsWith("OK ")) return command.parse(line.slice(3));
    if (line.startsWith("ERR ")) throw errorFromReply(line);
    throw new SeatdError("PROTOCOL", `unexpected reply to ${command.line.split(" ")[0]}: ${line}`);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
