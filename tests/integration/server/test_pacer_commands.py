"""The pacer and prompts through the real server with hand-driven clients:
who may start, stop and retune the pacer; absurd patterns and rates are
refused and change nothing; two phones with clocks seconds apart draw the
same pacer phase for the same true instant; the clinician's hand-sent prompt
reaches only its addressee, is acknowledged, and is in the stored summary."""
import asyncio
import time
import unittest

from harness import Client, Server, create_room, pb, stored_session


def pacer_command(client, action, pattern=None, target=0.0):
    m = pb.ClientMessage(seq=client.next_seq())
    m.pacer.action = action
    if pattern:
        m.pacer.pattern.inhale_s, m.pacer.pattern.hold_in_s, m.pacer.pattern.exhale_s, m.pacer.pattern.hold_out_s = pattern
    if target:
        m.pacer.target_rate_bpm = target
    return m


def phase_seen_by(client, pacer, true_us):
    """The phase a phone draws at a true instant: its own clock reading,
    converted to server time with the offset the server told it."""
    offset = client.of("clock_offset")[-1].clock_offset.offset_us
    local = true_us + client.clock_skew_us
    server_t = local - offset
    p = pacer.pattern
    period_us = (p.inhale_s + p.hold_in_s + p.exhale_s + p.hold_out_s) * 1e6
    return ((server_t - pacer.epoch_us) % period_us) / period_us, period_us


async def scenario(server):
    room = create_room(server, label="pacer", observers=1)
    inv = room["invites"]
    a = await Client(server, inv["partner_a"]).connect()
    a.clock_skew_us, a.reply_jitter_ms = 3_700_000, 20
    b = await Client(server, inv["partner_b"], "json").connect()
    b.clock_skew_us, b.reply_jitter_ms = -1_250_000, 20
    c = await Client(server, inv["clinician"]).connect()
    o = await Client(server, inv["observers"][0]).connect()
    for x in (a, b, c, o):
        await x.hello()
    for x in (a, b):
        for _ in range(3):
            await x.expect("clock_offset", 15)

    START, STOP, RETUNE = pb.PacerCommand.ACTION_START, pb.PacerCommand.ACTION_STOP, pb.PacerCommand.ACTION_RETUNE
    # Refused, and nothing changes.
    refused = [
        (a, pacer_command(a, RETUNE, (5, 0, 5, 0)), pb.ERROR_CODE_FORBIDDEN),
        (a, pacer_command(a, START, (4, 0, 6, 0)), pb.ERROR_CODE_FORBIDDEN),
        (b, pacer_command(b, START, target=5.0), pb.ERROR_CODE_FORBIDDEN),
        (o, pacer_command(o, START), pb.ERROR_CODE_FORBIDDEN),
        (c, pacer_command(c, START, (0, 0, 6, 0)), pb.ERROR_CODE_INVALID),       # no inhale
        (c, pacer_command(c, START, (-4, 0, 6, 0)), pb.ERROR_CODE_INVALID),      # negative
        (c, pacer_command(c, START, (0.75, 0, 0.75, 0)), pb.ERROR_CODE_INVALID), # 40 breaths/min
        (c, pacer_command(c, START, (12, 0, 13, 0)), pb.ERROR_CODE_INVALID),     # 2.4 breaths/min
        (c, pacer_command(c, START, target=45.0), pb.ERROR_CODE_INVALID),
        (c, pacer_command(c, 0), pb.ERROR_CODE_INVALID),
    ]
    for client, message, code in refused:
        await client.send(message)
        err = await client.expect_error(code)
        assert err.in_reply_to == message.seq
    ack = pb.ClientMessage(seq=a.next_seq())
    ack.prompt_ack.prompt_id = "pr_999"
    await a.send(ack)
    await a.expect_error(pb.ERROR_CODE_INVALID)
    hand = pb.ClientMessage(seq=a.next_seq())
    hand.send_prompt.text = "hello"
    hand.send_prompt.audience = pb.AUDIENCE_PARTNER_B
    await a.send(hand)
    await a.expect_error(pb.ERROR_CODE_FORBIDDEN)
    assert not any(x.of("pacer") for x in (a, b, c, o)), "a refused command must not change the pacer"

    # A partner starts it: everyone gets the same PacerState.
    await a.send(pacer_command(a, START))
    states = [(await x.expect("pacer")).pacer for x in (a, b, c, o)]
    assert all(s.running and s.epoch_us == states[0].epoch_us for s in states)
    assert states[0].started_by == pb.ROLE_PARTNER_A
    assert 3 <= states[0].rate_bpm <= 30 and states[0].target_rate_bpm == 6

    # Two phones, clocks 4.95 s apart, draw the same phase at the same true instant.
    true_us = int(time.time() * 1e6)
    pa, period = phase_seen_by(a, states[0], true_us)
    pb_, _ = phase_seen_by(b, states[1], true_us)
    gap = min(abs(pa - pb_), 1 - abs(pa - pb_)) * period
    assert gap < 10_000, f"phases differ by {gap / 1000:.1f} ms"

    # The clinician retunes to 6 breaths/min: continuous phase, new rate.
    before = states[2]
    await c.send(pacer_command(c, RETUNE, (5, 0, 5, 0)))
    after = (await c.expect("pacer")).pacer
    assert abs(after.rate_bpm - 6.0) < 1e-9 and after.running
    assert after.epoch_us != before.epoch_us

    # A hand-sent prompt reaches only partner B; B acknowledges it.
    hand = pb.ClientMessage(seq=c.next_seq())
    hand.send_prompt.text = "Take your time. There is no rush here."
    hand.send_prompt.audience = pb.AUDIENCE_PARTNER_B
    await c.send(hand)
    prompt = (await b.expect("prompt")).prompt
    assert prompt.text == hand.send_prompt.text and prompt.from_clinician
    ack = pb.ClientMessage(seq=b.next_seq())
    ack.prompt_ack.prompt_id = prompt.prompt_id
    await b.send(ack)
    # Automatic prompts off: the room state says so.
    off = pb.ClientMessage(seq=c.next_seq())
    off.auto_prompts.enabled = False
    await c.send(off)
    await asyncio.sleep(1.5)
    assert c.of("room_state")[-1].room_state.auto_prompts is False
    assert not a.of("prompt") and not o.of("prompt")

    # Partner B stops the pacer.
    await b.send(pacer_command(b, STOP))
    for _ in range(5):
        if not (await a.expect("pacer")).pacer.running:
            break
    else:
        raise AssertionError("the pacer did not stop")

    leave = pb.ClientMessage(seq=a.next_seq())
    leave.leave.end_session = True
    await a.send(leave)
    await a.expect("summary")
    status, stored = stored_session(server, a.welcome.session_id)
    assert status == 200
    prompts = stored["summary"]["prompts"]
    assert len(prompts) == 1 and prompts[0]["recipient"] == "ROLE_PARTNER_B" and prompts[0]["from_clinician"]
    assert int(prompts[0]["acked_at_ms"]) > 0
    assert stored["summary"]["pacer"]["starts"] == 1


class PacerCommands(unittest.TestCase):
    def test_pacer_permissions_phase_and_hand_sent_prompts(self):
        with Server() as server:
            asyncio.run(scenario(server))


if __name__ == "__main__":
    unittest.main()
