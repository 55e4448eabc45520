#!/usr/bin/env python3
"""A small runtime-spec seccomp agent for the tests.

seccomp_agent.py SOCKET LOG [--reply errno:N|continue] [--id ID] [--metadata M]
                 [--bundle B] [--timeout SECONDS]

Listens on SOCKET, accepts one connection, receives the notify fd and the
container process state, checks the state (lines "state ok" or
"state bad: why" go to LOG), then answers every notification with the
errno or lets the call continue, logging "notif NR". Exits when the
filtered processes are gone (NOTIF_RECV fails) or at the timeout.
"""
import argparse
import fcntl
import json
import os
import select
import socket
import struct
import sys
import time

# _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
# on x86_64: dir 3 << 30 | size << 16 | '!' << 8 | nr, with sizes 80 and 24.
SECCOMP_IOCTL_NOTIF_RECV = (3 << 30) | (80 << 16) | (0x21 << 8) | 0
SECCOMP_IOCTL_NOTIF_SEND = (3 << 30) | (24 << 16) | (0x21 << 8) | 1
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
assert SECCOMP_IOCTL_NOTIF_RECV == 0xC0502100 and SECCOMP_IOCTL_NOTIF_SEND == 0xC0182101


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def check_state(msg, args):
    problems = []
    if msg.get("ociVersion") in (None, ""):
        problems.append("no ociVersion")
    if msg.get("fds") != ["seccompFd"]:
        problems.append("fds is %r" % (msg.get("fds"),))
    if not isinstance(msg.get("pid"), int) or msg["pid"] <= 0:
        problems.append("pid is %r" % (msg.get("pid"),))
    if args.metadata is not None and msg.get("metadata") != args.metadata:
        problems.append("metadata is %r" % (msg.get("metadata"),))
    st = msg.get("state")
    if not isinstance(st, dict):
        problems.append("no state object")
    else:
        if args.id is not None and st.get("id") != args.id:
            problems.append("state.id is %r" % (st.get("id"),))
        if st.get("status") != "creating":
            problems.append("state.status is %r" % (st.get("status"),))
        if st.get("pid") != msg.get("pid"):
            problems.append("state.pid %r != pid %r" % (st.get("pid"), msg.get("pid")))
        if args.bundle is not None and st.get("bundle") != args.bundle:
            problems.append("state.bundle is %r" % (st.get("bundle"),))
        if not os.path.exists("/proc/%d" % msg.get("pid", 0)):
            problems.append("pid %r is not a process here" % (msg.get("pid"),))
    return problems


def serve_notifications(fd, args, deadline):
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        req = bytearray(80)  # must be zeroed for the kernel
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req, True)
        except OSError:
            return  # the filtered processes are gone
        notif_id, _pid, _flags, nr = struct.unpack_from("<QIIi", req, 0)
        log(args.log, "notif %d" % nr)
        if args.reply == "continue":
            resp = struct.pack("<QqiI", notif_id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        else:
            errno = int(args.reply.split(":", 1)[1])
            resp = struct.pack("<QqiI", notif_id, 0, -errno, 0)
        buf = bytearray(resp)
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, buf, True)
        except OSError as e:
            log(args.log, "send failed: %s" % e)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("log")
    p.add_argument("--reply", default="errno:1")
    p.add_argument("--id")
    p.add_argument("--metadata")
    p.add_argument("--bundle")
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    deadline = time.monotonic() + args.timeout

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    srv.listen(1)
    log(args.log, "listening")
    srv.settimeout(args.timeout)
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        log(args.log, "no connection")
        return 1
    conn.settimeout(max(deadline - time.monotonic(), 1))
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 4)
    while True:  # the rest of the message, up to end of stream
        more = conn.recv(65536)
        if not more:
            break
        data += more
    conn.close()
    if len(fds) != 1:
        log(args.log, "state bad: %d fds received" % len(fds))
        return 1
    try:
        msg = json.loads(data.decode())
    except ValueError as e:
        log(args.log, "state bad: not JSON: %s: %r" % (e, data[:200]))
        return 1
    problems = check_state(msg, args)
    log(args.log, "state ok" if not problems else "state bad: " + "; ".join(problems))
    serve_notifications(fds[0], args, deadline)
    os.close(fds[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
