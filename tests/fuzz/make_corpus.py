#!/usr/bin/python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed).

Run with /usr/bin/python3 (Debian's python3-protobuf). The protobuf
bindings come from a build directory (build/python, made by every build),
or, if none exists, are generated into a temporary folder with protoc:

    /usr/bin/python3 tests/fuzz/make_corpus.py [--build-dir build]

Seeds are small valid and nearly valid inputs: the fuzzer mutates from
them, and ctest replays them on every run ("fuzz-corpus: <target>").
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NOW = 1795868310000  # the fixed "server now" of the fuzz targets (fuzz_common.hpp)


def load_pb(build_dir):
    py = os.path.join(build_dir, "python")
    if not os.path.exists(os.path.join(py, "attune", "v1", "attune_pb2.py")):
        py = tempfile.mkdtemp(prefix="attune-pb-")
        protos = [os.path.join("attune", "v1", f) for f in os.listdir(os.path.join(ROOT, "proto", "attune", "v1"))
                  if f.endswith(".proto")]
        subprocess.run(["protoc", "--python_out=" + py, "-I", os.path.join(ROOT, "proto")] + protos, check=True)
    sys.path.insert(0, py)
    from attune.v1 import attune_pb2  # noqa: E402
    from google.protobuf import json_format  # noqa: E402
    return attune_pb2, json_format


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def client_messages(pb):
    msgs = {}
    m = pb.ClientMessage(seq=1)
    m.hello.invite_token = "1v4AxLC71Twc3fVLpnAa-S_DOzxDndAxwoKa8WZk0HA"
    m.hello.client_name = "Maya's phone"
    m.hello.client_version = "1.4.2"
    s = m.hello.streams.add(kind=pb.STREAM_KIND_RR, unit="ms", nominal_rate_hz=1.2, device="Polar H10")
    msgs["hello"] = m

    m = pb.ClientMessage(seq=2)
    m.hello.invite_token = "tok"
    m.hello.resume_token = "oqoQanRSfAitVdFl-kurz2FkpWfUPMj80caDpsCanaA"
    msgs["hello_resume"] = m

    m = pb.ClientMessage(seq=42)
    b = m.samples
    b.beats.add(t_ms=NOW - 900, rr_ms=742.0)
    b.beats.add(t_ms=NOW - 173, rr_ms=727.0, flags=1)
    b.scalars.add(kind=pb.STREAM_KIND_HEART_RATE, t_ms=NOW, value=82)
    b.scalars.add(kind=pb.STREAM_KIND_EDA, t_ms=NOW, value=4.7)
    b.scalars.add(kind=pb.STREAM_KIND_MOTION, t_ms=NOW, value=0.03)
    b.scalars.add(kind=pb.STREAM_KIND_BREATH_EVENTS, t_ms=NOW, value=0)
    w = b.waveforms.add(kind=pb.STREAM_KIND_RESPIRATION, t0_ms=NOW - 300, rate_hz=25)
    w.values.extend([512.0, 514.5, 517.25, 519.0, 520.5, 521.0, 520.75, 519.5, 517.0, 514.25, 511.0, 508.5])
    msgs["samples_full"] = m

    m = pb.ClientMessage(seq=43)
    for i in range(8):
        m.samples.beats.add(t_ms=NOW - 8000 + i * 1000, rr_ms=800 + i)
    msgs["samples_beats"] = m

    m = pb.ClientMessage(seq=44)
    m.samples.beats.add(t_ms=NOW, rr_ms=float("nan"))
    msgs["samples_nan"] = m

    m = pb.ClientMessage(seq=45)
    m.samples.beats.add(t_ms=-(2 ** 63), rr_ms=800)
    msgs["samples_time_min"] = m

    m = pb.ClientMessage(seq=46)
    m.samples.scalars.add(kind=pb.STREAM_KIND_EDA, t_ms=2 ** 63 - 1, value=1)
    msgs["samples_time_max"] = m

    m = pb.ClientMessage(seq=47)
    m.samples.waveforms.add(kind=pb.STREAM_KIND_RESPIRATION, t0_ms=NOW, rate_hz=1.0).values.extend([1.0, 2.0])
    m.samples.waveforms.add(kind=pb.STREAM_KIND_RESPIRATION, t0_ms=NOW + 1000, rate_hz=250.0).values.extend([3.0])
    msgs["samples_waveforms"] = m

    m = pb.ClientMessage(seq=50)
    m.marker.t_ms = NOW
    m.marker.label = "conversation starts"
    msgs["marker"] = m

    m = pb.ClientMessage(seq=51)
    m.leave.end_session = True
    m.leave.reason = "done"
    msgs["leave"] = m

    for name in ("pacer", "prompt_ack", "clock_reply", "send_prompt", "auto_prompts"):
        field = pb.ClientMessage.DESCRIPTOR.fields_by_name.get(name)
        if field is None:
            continue
        m = pb.ClientMessage(seq=60)
        getattr(m, name).SetInParent()
        msgs["payload_" + name] = m
    if "pacer" in pb.ClientMessage.DESCRIPTOR.fields_by_name:
        m = pb.ClientMessage(seq=61)
        m.pacer.action = 3
        m.pacer.pattern.inhale_s = 4
        m.pacer.pattern.exhale_s = 6
        m.pacer.target_rate_bpm = 6
        msgs["pacer_retune"] = m
    return msgs


def frames(pb, json_format):
    msgs = client_messages(pb)
    for name, m in msgs.items():
        write("frame_binary", name + ".bin", m.SerializeToString())
        write("frame_json", name + ".json", json_format.MessageToJson(m, preserving_proto_field_name=True, indent=None))
    # camelCase names and numbers where strings are canonical
    write("frame_json", "camel_case.json",
          '{"seq":7,"samples":{"beats":[{"tMs":%d,"rrMs":800.5,"flags":2}],'
          '"scalars":[{"kind":"STREAM_KIND_EDA","tMs":"%d","value":1e0}]}}' % (NOW, NOW))
    write("frame_json", "nan_strings.json",
          '{"samples":{"beats":[{"t_ms":"%d","rr_ms":"NaN"}],"scalars":[{"kind":2,"t_ms":"%d","value":"-Infinity"}]}}'
          % (NOW, NOW))
    write("frame_json", "unknown_fields.json",
          '{"leave":{"end_session":true,"x":1},"extra":{"a":[1,"two",null,true,{"b":[]}]},"seq":"9"}')
    write("frame_json", "escapes.json",
          '{"hello":{"invite_token":"a\\"b\\\\c\\u00e9\\ud83d\\ude00","client_name":"[{\\"]}"}}')
    write("frame_json", "nested_31.json", '{"x":' + "[" * 31 + "]" * 31 + ',"leave":{}}')
    write("frame_json", "nested_40.json", '{"x":' + "[" * 40 + "]" * 40 + ',"leave":{}}')
    write("frame_json", "no_payload.json", '{"seq":"1"}')
    write("frame_json", "enum_number.json", '{"samples":{"scalars":[{"kind":5,"t_ms":"%d","value":3}]}}' % NOW)
    write("frame_json", "empty.json", "")
    # protobuf's parser also takes 'single-quoted' strings (see regressions/frame_json)
    write("frame_json", "single_quotes.json", "{'seq':'5','leave':{'end_session':true,'reason':'\"x\"'}}")
    write("frame_binary", "empty.bin", b"")
    write("frame_binary", "unknown_field.bin", msgs["leave"].SerializeToString() + b"\xa8\x1f\x01")
    write("frame_binary", "truncated.bin", msgs["samples_full"].SerializeToString()[:-5])


def ble():
    def hrm(flags, hr, energy=None, rr=()):
        out = bytes([flags])
        out += struct.pack("<H", hr) if flags & 1 else bytes([hr])
        if energy is not None:
            out += struct.pack("<H", energy)
        for r in rr:
            out += struct.pack("<H", r)
        return out
    write("ble_hr", "hr8.bin", hrm(0x00, 72))
    write("ble_hr", "hr16.bin", hrm(0x01, 300))
    write("ble_hr", "contact_detected.bin", hrm(0x06, 60))
    write("ble_hr", "contact_not_detected.bin", hrm(0x04, 60))
    write("ble_hr", "energy.bin", hrm(0x08, 80, energy=0x1234))
    write("ble_hr", "rr_two.bin", hrm(0x16, 75, rr=(819, 800)))
    write("ble_hr", "all_fields.bin", hrm(0x1F, 72, energy=10, rr=(1024, 512, 65535)))
    write("ble_hr", "rr_many.bin", hrm(0x10, 60, rr=[1024] * 9))
    write("ble_hr", "rr_flag_no_rr.bin", hrm(0x10, 70))
    write("ble_hr", "empty.bin", b"")
    write("ble_hr", "flags_only.bin", b"\x01")
    write("ble_hr", "odd_trailing.bin", hrm(0x10, 70, rr=(1024,)) + b"\x01")


def csv():
    write("replay_csv", "basic.csv",
          "participant,stream,t_ms,value\n"
          "A,rr,1000,812\nB,rr,1100,790.5\nC,hr,1200,71\nA,resp,1220,512.25\nB,eda,1300,4.7\nA,motion,1400,0.03\n")
    write("replay_csv", "comments_blank_crlf.csv",
          "# recorded 2026-11-28\r\n\r\nparticipant, stream , t_ms ,value\r\n# a comment\r\nA,rr,1000,800\r\n\r\nB,rr,1001,1e3\r\n")
    write("replay_csv", "bad_lines.csv",
          "participant,stream,t_ms,value\n"
          "A,rr,1000\nX,rr,1,1\nA,ecg,1,1\nA,rr,1.5,800\nA,rr,1,nan\nA,rr,1,inf\nA,rr,-5,800\nA,rr,1,\n"
          "A,rr,99999999999999999999,1\n,,,\nA,rr,2,800,extra\n")
    write("replay_csv", "no_header.csv", "A,rr,1000,800\n")
    write("replay_csv", "empty.csv", "")
    write("replay_csv", "header_only.csv", "participant,stream,t_ms,value")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    pb, json_format = load_pb(args.build_dir)
    for t in ("frame_binary", "frame_json", "ble_hr", "replay_csv"):
        shutil.rmtree(os.path.join(HERE, "corpus", t), ignore_errors=True)
    frames(pb, json_format)
    ble()
    csv()
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        n = len(os.listdir(os.path.join(HERE, "corpus", t)))
        print(f"corpus/{t}: {n} seeds")


if __name__ == "__main__":
    main()
