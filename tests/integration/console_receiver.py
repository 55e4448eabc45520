#!/usr/bin/env python3
# console_receiver.py SOCKET OUTPUT [--input TEXT] [--ready FILE] [--timeout SECS]
#
# The client side of --console-socket, as containerd's shim or conmon: listen
# on the unix socket SOCKET, receive the pty master over SCM_RIGHTS, write
# TEXT (if given) to it, and copy everything the container writes to OUTPUT
# until the pty hangs up (every slave closed). --ready FILE is created once
# the socket listens. Exits 0 on hangup, 2 when no fd came, 3 on timeout.
import argparse
import os
import select
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("socket")
ap.add_argument("output")
ap.add_argument("--input", default=None)
ap.add_argument("--ready", default=None)
ap.add_argument("--timeout", type=float, default=20.0)
args = ap.parse_args()
deadline = time.monotonic() + args.timeout


def remaining():
    return max(0.0, deadline - time.monotonic())


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(args.socket)
srv.listen(1)
if args.ready:
    open(args.ready, "w").close()

srv.settimeout(remaining())
try:
    conn, _ = srv.accept()
    conn.settimeout(remaining())
    msg, fds, _, _ = socket.recv_fds(conn, 256, 1)
except (socket.timeout, OSError) as e:
    sys.stderr.write("console_receiver: no pty master received: %s\n" % e)
    sys.exit(2)
finally:
    srv.close()
    os.unlink(args.socket)
if not fds:
    sys.stderr.write("console_receiver: message without an fd\n")
    sys.exit(2)
conn.close()
master = fds[0]
with open(args.output + ".name", "w") as f:
    f.write(msg.decode(errors="replace"))

out = open(args.output, "wb", buffering=0)
if args.input is not None:
    os.write(master, args.input.encode())
while True:
    left = remaining()
    if left <= 0:
        sys.stderr.write("console_receiver: timed out before the pty hung up\n")
        sys.exit(3)
    r, _, _ = select.select([master], [], [], left)
    if not r:
        continue
    try:
        data = os.read(master, 4096)
    except OSError:  # EIO: the last slave is closed
        break
    if not data:
        break
    out.write(data)
out.close()
os.close(master)
