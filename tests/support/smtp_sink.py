#!/usr/bin/env python3
"""A real SMTP server on loopback for catwatch's tests (aiosmtpd).

Stable command line (the email tests and the monitor scenario rely on it):

    python3 tests/support/smtp_sink.py --dir DIR [options]

    --dir DIR            where each accepted message is written (created if missing):
                           DIR/NNNN.eml   the message exactly as received (after DATA)
                           DIR/NNNN.json  {"mail_from", "rcpt_tos", "tls", "auth_user"}
                         and DIR/transcript.log, one line per client command:
                           "<conn> <tls|plain> <COMMAND> <argument>"
                         (AUTH arguments are recorded as "[redacted]").
                         Files appear atomically (written aside, then renamed).
    --host HOST          address to listen on (default 127.0.0.1; loopback only)
    --port PORT          port (default 0: a free one)
    --cert PEM --key PEM certificate and key for STARTTLS or implicit TLS
    --starttls           offer STARTTLS (needs --cert/--key)
    --implicit-tls       TLS from the first byte, like port 465 (needs --cert/--key)
    --require-starttls   refuse every command but EHLO/NOOP/QUIT before STARTTLS
    --auth USER:PASS     accept AUTH PLAIN/LOGIN with these credentials
    --auth-without-tls   advertise AUTH on a plain connection too (to catch a
                         client that would send credentials in clear)
    --fail-first N       answer the first N messages with --fail-code (default 451)
    --fail-code CODE     the reply for those N messages (e.g. 451 or 550)
    --reject-all CODE    answer every message with CODE (e.g. 550)
    --reject-file PATH   while PATH exists, answer every message with the code
                         written in it (e.g. "451"); remove it to accept again,
                         without restarting the server
    --hold-file PATH     after storing a message, hold the "250" reply while
                         PATH exists (the message is accepted, the client does
                         not know yet): a test can kill the client right there

Once listening it prints one line "READY <port>" on stdout and flushes it, then
serves until it is killed (SIGTERM/SIGKILL). The message counter (NNNN) and the
--fail-first counter count every DATA the server answered, across connections.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    "421": "421 4.3.2 Service not available, try again later",
    "450": "450 4.2.1 Mailbox busy, try again later",
    "451": "451 4.3.0 Temporary failure, try again later",
    "452": "452 4.3.1 Insufficient storage",
    "550": "550 5.7.1 Message refused",
    "552": "552 5.3.4 Message too big",
    "554": "554 5.7.0 Transaction failed",
}


class Sink:
    def __init__(self, args):
        self.dir = args.dir
        self.fail_first = args.fail_first
        self.fail_code = args.fail_code
        self.reject_all = args.reject_all
        self.reject_file = args.reject_file
        self.hold_file = args.hold_file
        self.answered = 0
        self.stored = 0
        self.connections = 0
        self.transcript = open(os.path.join(self.dir, "transcript.log"), "a", buffering=1)

    def record(self, conn, tls, command, arg):
        if command == "AUTH" and arg:
            arg = arg.split()[0] + " [redacted]"
        line = f"{conn} {'tls' if tls else 'plain'} {command} {arg or ''}".rstrip()
        self.transcript.write(line + "\n")

    def write_atomically(self, name, data):
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.dir, name))

    async def handle_DATA(self, server, session, envelope):
        self.answered += 1
        if self.reject_all:
            return REPLIES.get(self.reject_all, f"{self.reject_all} refused")
        if self.reject_file:
            try:
                with open(self.reject_file) as f:
                    code = f.read().strip() or "451"
                return REPLIES.get(code, f"{code} refused")
            except FileNotFoundError:
                pass
        if self.answered <= self.fail_first:
            return REPLIES.get(self.fail_code, f"{self.fail_code} refused")
        self.stored += 1
        stem = f"{self.stored:04d}"
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.is_tls(),
            "auth_user": server.auth_user(),
        }
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.write_atomically(stem + ".eml", content)
        self.write_atomically(stem + ".json", json.dumps(meta).encode())
        while self.hold_file and os.path.exists(self.hold_file):
            await asyncio.sleep(0.02)
        return "250 2.0.0 OK queued"


class RecordingSMTP(SMTP):
    """aiosmtpd's server, recording each command the client sends."""

    def __init__(self, sink, implicit_tls, **kwargs):
        super().__init__(sink, **kwargs)
        self.sink = sink
        self.implicit_tls = implicit_tls
        sink.connections += 1
        self.conn = sink.connections
        for name, method in list(self._smtp_methods.items()):
            self._smtp_methods[name] = self._recorded(name, method)

    def _recorded(self, name, method):
        async def wrapper(arg):
            self.sink.record(self.conn, self.is_tls(), name, arg)
            return await method(arg)

        return wrapper

    def is_tls(self):
        return self.implicit_tls or self._tls_protocol is not None

    def auth_user(self):
        data = getattr(self.session, "auth_data", None)
        if isinstance(data, LoginPassword):
            return data.login.decode("utf-8", "replace")
        return None


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    return authenticate


def main():
    p = argparse.ArgumentParser(description="SMTP sink for catwatch tests")
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--auth-without-tls", action="store_true")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-code", default="451")
    p.add_argument("--reject-all")
    p.add_argument("--reject-file")
    p.add_argument("--hold-file")
    args = p.parse_args()

    if not (args.host.startswith("127.") or args.host in ("::1", "localhost")):
        p.error("the sink listens on loopback only")
    if (args.starttls or args.implicit_tls) and not (args.cert and args.key):
        p.error("--starttls and --implicit-tls need --cert and --key")
    os.makedirs(args.dir, exist_ok=True)

    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    sink = Sink(args)
    kwargs = {
        "tls_context": context if args.starttls else None,
        "require_starttls": args.require_starttls,
        "auth_require_tls": not (args.auth_without_tls or args.implicit_tls),
        "hostname": "sink.test",
        "decode_data": False,
    }
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs["authenticator"] = authenticator_for(user, password)
    else:
        kwargs["authenticator"] = lambda *a: AuthResult(success=False)

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(16)
    port = sock.getsockname()[1]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: RecordingSMTP(sink, args.implicit_tls, **kwargs),
            sock=sock,
            ssl=context if args.implicit_tls else None,
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print(f"READY {port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
