#!/usr/bin/env python3
"""Checks a JetStream stream that seatd published to, with a client nobody at seatd wrote (nats-py).

Usage: check_stream.py --port P --stream S --expect FILE

FILE holds one line per event seatd's log has, in seq order: "<seq> <type> <session> <hold> <customer> <items,...>".
The stream must hold exactly those events, once each, in that order, each with the Nats-Msg-Id header
"<data directory id>-<seq>" (one id for all) and a JSON payload that says the same. Prints a summary; exits 1 on
the first difference.
"""
import argparse
import asyncio
import json
import sys

import nats


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--expect", required=True)
    args = parser.parse_args()
    with open(args.expect) as file:
        expected = [line.split(" ") for line in file.read().splitlines() if line]

    connection = await nats.connect(f"nats://127.0.0.1:{args.port}")
    stream = connection.jetstream()
    info = await stream.stream_info(args.stream)
    if info.state.messages != len(expected):
        print(f"the stream holds {info.state.messages} messages, the log {len(expected)} events")
        return 1
    directory_ids = set()
    for index, want in enumerate(expected):
        message = await stream.get_msg(args.stream, seq=info.state.first_seq + index)
        payload = json.loads(message.data)
        msg_id = (message.headers or {}).get("Nats-Msg-Id", "")
        directory_id, _, msg_seq = msg_id.rpartition("-")
        directory_ids.add(directory_id)
        items = want[5].split(",") if len(want) > 5 and want[5] else []
        got = [str(payload["seq"]), payload["type"], payload["session"], payload["hold"] or "-", payload["customer"], items]
        if got != [want[0], want[1], want[2], want[3], want[4], items] or msg_seq != want[0]:
            print(f"message {index + 1} is {got} (id {msg_id}), expected {want}")
            return 1
        if message.subject != f"seatd.{payload['type']}.{payload['session']}":
            print(f"message {index + 1} has subject {message.subject}")
            return 1
    if len(directory_ids) != 1:
        print(f"messages carry {len(directory_ids)} data directory ids")
        return 1
    await connection.close()
    print(f"nats-py: {len(expected)} events, once each, in seq order")
    return 0


sys.exit(asyncio.run(main()))
