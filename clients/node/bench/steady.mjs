// seat-load steady's workload through the Node client, to compare the two on the same seatd (bench/run.sh).
// C connections (one Client each) keep D flows each in flight, pipelined on the connection; each flow loops:
// HOLD <session> <customer> <k random seats> of a random session, and on OK, RELEASE it. Only OK replies count
// as work; a TAKEN HOLD is a conflict, counted apart. Replies in the first --warmup seconds are not counted.
//
//   node bench/steady.mjs --port 7070 --connections 50 --depth 16 --seconds 10
import { Client, TakenError } from "../dist/index.js";

const options = { host: "127.0.0.1", port: 7070, connections: 50, depth: 1, seconds: 10, warmup: 1, sessions: 100,
    rows: 20, seatsPerRow: 25, seatsPerHold: 2, seed: 1 };
for (let index = 2; index < process.argv.length; index += 2) {
    const name = process.argv[index].replace(/^--/, "").replace(/-(\w)/g, (_, letter) => letter.toUpperCase());
    if (!(name in options)) throw new Error(`unknown option ${process.argv[index]}`);
    options[name] = typeof options[name] === "number" ? Number(process.argv[index + 1]) : process.argv[index + 1];
}

// SplitMix64 on BigInt would be slow; a 32-bit xorshift is plenty for picking seats.
let state = options.seed >>> 0 || 1;
function random(n) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % n;
}

const rowLabels = Array.from({ length: options.rows }, (_, row) => String.fromCharCode(65 + row));
const seats = rowLabels.flatMap((row) => Array.from({ length: options.seatsPerRow }, (_, n) => `${row}${n + 1}`));
const run = Math.random().toString(36).slice(2, 8);
const admin = new Client({ host: options.host, port: options.port });
const hall = `nb-${run}`;
await admin.createHall(hall, rowLabels.map((row) => `${row}=${options.seatsPerRow}`));
const sessions = Array.from({ length: options.sessions }, (_, n) => `nb-${run}-${n}`);
await Promise.all(sessions.map((session) => admin.createSession(session, hall)));

const counts = { ok: 0, conflicts: 0, errors: 0 };
let measuring = false;
let stopping = false;

async function flow(client, customer) {
    while (!stopping) {
        const session = sessions[random(sessions.length)];
        const picked = new Set();
        while (picked.size < options.seatsPerHold) picked.add(random(seats.length));
        const wanted = [...picked].sort((a, b) => a - b).map((seat) => seats[seat]);
        let hold;
        try {
            hold = await client.hold(session, customer, wanted);
            if (measuring) counts.ok++;
        } catch (error) {
            if (error instanceof TakenError) { if (measuring) counts.conflicts++; continue; }
            if (measuring) counts.errors++;
            continue;
        }
        // Released even when stopping, so the sessions end empty.
        try {
            await client.release(session, hold.id);
            if (measuring) counts.ok++;
        } catch {
            if (measuring) counts.errors++;
        }
    }
}

const clients = Array.from({ length: options.connections },
    () => new Client({ host: options.host, port: options.port }));
await Promise.all(clients.map((client) => client.ping()));
const flows = clients.flatMap((client, c) =>
    Array.from({ length: options.depth }, (_, d) => flow(client, `nc${c}-${d}`)));
await new Promise((resolve) => setTimeout(resolve, options.warmup * 1000));
measuring = true;
const started = process.hrtime.bigint();
await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
measuring = false;
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
stopping = true;
await Promise.all(flows);

const avails = await Promise.all(sessions.map((session) => admin.avail(session)));
const left = avails.reduce((sum, avail) => sum + avail.held + avail.sold, 0);
await Promise.all(sessions.map((session) => admin.dropSession(session)));
for (const client of [admin, ...clients]) client.close();
const rate = counts.ok / elapsedS;
console.log(`node-steady: ${options.connections} connections, depth ${options.depth}, ` +
    `${options.sessions} sessions of ` +
    `${options.rows}x${options.seatsPerRow}, k=${options.seatsPerHold}, ${options.seconds} s`);
console.log(JSON.stringify({ ok: counts.ok, ok_per_second: Math.round(rate), conflicts: counts.conflicts,
    errors: counts.errors, seconds: Number(elapsedS.toFixed(3)), seats_left: left }));
if (counts.errors > 0 || left > 0) process.exitCode = 1;
