"""A premiere rush: thousands of buyers, 300 seats. Each buyer holds 1-4 seats (picked or ANY), pays or walks away,
and confirms or releases; every change carries an idempotency key. TAKEN and SOLD_OUT are the rush's expected
answers (their own statistics, not failures).

    locust --headless -u 200 -r 100 -t 20s -f clients/python/examples/locustfile.py --host seatd://127.0.0.1:7070

At test start it creates its hall and session (EXISTS means an earlier run or worker did: fine). At the end it
checks that the seats sold, as AVAIL counts them, are the sold seats of every buyer's LIST, and that they match
the CONFIRMs this run saw answered. SEATD_SESSION names the session (default: a new one per run; give every
worker of a distributed run the same one).
"""

from __future__ import annotations

import itertools
import os
import random
import time
import uuid
from typing import Any, Dict

from locust import between, events, task

import seatd
from seatd.locust import SeatdUser, parse_host

HALL = "premiere-hall"
ROWS = "ABCDEFGHIJ"
SEATS_PER_ROW = 30
SESSION = os.environ.get("SEATD_SESSION", f"premiere-{int(time.time())}")
# CONFIRMs answered OK (seats), and seats of CONFIRMs cut short when the run stopped (sold or not).
tally: Dict[str, int] = {"sold": 0, "unanswered": 0}
buyer_numbers = itertools.count(1)


def admin_client(environment: Any) -> seatd.Client:
    host, port = parse_host(environment.host)
    return seatd.Client(host, port, auth=os.environ.get("SEATD_AUTH"))


@events.test_start.add_listener
def create_hall_and_session(environment: Any, **_: Any) -> None:
    with admin_client(environment) as client:
        try:
            client.create_hall(HALL, *(f"{row}={SEATS_PER_ROW}" for row in ROWS), "cat:vip=E8-E23,F8-F23")
        except seatd.Exists:
            pass
        try:
            client.create_session(SESSION, HALL, ttl=120)
        except seatd.Exists:
            pass


@events.test_stop.add_listener
def check_sold_seats(environment: Any, **_: Any) -> None:
    with admin_client(environment) as client:
        avail = client.avail(SESSION)
        listed = sum(len(h.seats) for n in range(1, next(buyer_numbers))
                     for h in client.list(SESSION, f"buyer-{n}") if h.state == "sold")
    low, high = tally["sold"], tally["sold"] + tally["unanswered"]
    ok = avail.sold == listed and low <= avail.sold <= high
    print(f"check: AVAIL {SESSION}: free={avail.free} held={avail.held} sold={avail.sold}; sold seats in the "
          f"buyers' LISTs {listed}; CONFIRMs answered OK {low} seats (+{tally['unanswered']} cut at stop): "
          f"{'OK' if ok else 'MISMATCH'}")
    if not ok:
        environment.process_exit_code = 1


class Buyer(SeatdUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.customer = f"buyer-{next(buyer_numbers)}"

    @task
    def buy(self) -> None:
        count = random.randint(1, 4)
        try:
            if random.random() < 0.7:
                row = random.choice(ROWS)
                first = random.randint(1, SEATS_PER_ROW - count + 1)
                seats = [f"{row}{n}" for n in range(first, first + count)]
                hold = self.client.hold(SESSION, self.customer, seats, key=uuid.uuid4().hex)
            else:
                hold = self.client.hold(SESSION, self.customer, any=count, key=uuid.uuid4().hex)
        except (seatd.Taken, seatd.SoldOut):
            return
        time.sleep(random.uniform(0.05, 0.5))  # the payment page
        if random.random() < 0.8:
            tally["unanswered"] += len(hold.seats)
            try:
                booking = self.client.confirm(SESSION, hold.id, ref=f"pay-{hold.id}", key=f"pay-{hold.id}")
            finally:
                tally["unanswered"] -= len(hold.seats)
            tally["sold"] += len(booking.seats)
        else:
            self.client.release(SESSION, hold.id, key=f"abandon-{hold.id}")
