"""A client that stops reading: the server keeps a bounded queue for it (room
states replace each other; other messages count against the bound), closes it
once past the bound, and its room-mates keep receiving states throughout."""
import asyncio
import json
import socket
import time
import unittest

import websockets

from harness import Client, Server, create_room, http, pb


async def scenario(server):
    room = create_room(server, label="slow reader")
    a = await Client(server, room["invites"]["partner_a"]).connect()
    await a.hello()
    c = await Client(server, room["invites"]["clinician"]).connect()
    await c.hello()

    # Partner B: a small receive buffer, then never reads again.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    b = await websockets.connect(server.ws_url, sock=sock, max_queue=1, read_limit=4096, ping_interval=None)
    # Text frames: the server answers in JSON, the larger encoding.
    await b.send(json.dumps({"seq": "1", "hello": {"invite_token": room["invites"]["partner_b"]}}))
    while True:
        m = json.loads(await asyncio.wait_for(b.recv(), 10))
        if "welcome" in m:
            break

    # The clinician sends B far more prompts than any buffer holds.
    began = time.time()
    text = "Notice your feet on the floor and let your shoulders drop. " * 4
    for _ in range(900):
        m = pb.ClientMessage(seq=c.next_seq())
        m.send_prompt.text = text[:280]
        m.send_prompt.audience = pb.AUDIENCE_PARTNER_B
        await c.send(m)
        await asyncio.sleep(0.025)  # under the clinician's message rate
    deadline = time.time() + 20
    closed = 0
    while time.time() < deadline:
        status, text_metrics = http("GET", server.http + "/metrics", key=None)
        for line in text_metrics.splitlines():
            if line.startswith("attune_slow_consumers_closed_total "):
                closed = float(line.split()[1])
        if closed >= 1:
            break
        await asyncio.sleep(0.5)
    assert closed >= 1, "the server never closed the client that stopped reading"
    # B's seat shows as disconnected to the others.
    await asyncio.sleep(1.5)
    presence = a.of("presence")[-1].presence
    assert any(mm.role == pb.ROLE_PARTNER_B and not mm.connected for mm in presence.members), presence
    # A kept receiving room states about once a second the whole time.
    elapsed = time.time() - began
    states = [m for m in a.of("room_state") if m.server_time_us / 1e6 >= began]
    assert len(states) >= int(elapsed) - 2, (len(states), elapsed)
    assert not c.of("error") or all(e.error.code != pb.ERROR_CODE_RATE_LIMITED for e in c.of("error"))
    b.transport.abort()


class SlowReader(unittest.TestCase):
    def test_a_reader_that_stops_is_closed_and_the_room_carries_on(self):
        with Server() as server:
            asyncio.run(scenario(server))


if __name__ == "__main__":
    unittest.main()
