#!/usr/bin/env python3
"""Drive headless Chromium over the DevTools protocol (--remote-debugging-pipe)
for catwatch's page tests: load a local page, evaluate expressions in order,
report what the page logged.

    python3 tests/support/cdp.py PAGE.html EXPRESSION [EXPRESSION ...]

Prints one JSON object on stdout:
    {"results": [<value of each expression>],
     "console": ["<level>: <text>", ...],   # console API calls
     "log": ["<source>/<level>: <text>", ...],  # browser log: CSP violations, network errors
     "exceptions": ["<text>", ...]}

Each expression runs with returnByValue, after the load event. With
CDP_VIEWPORT=WIDTHxHEIGHT the page is laid out on a mobile screen that size. Chromium is
Debian's `chromium`; the whole run is bounded by a 60 s deadline. No network:
the page is a local file and every background service is switched off.
"""

import json
import os
import select
import subprocess
import sys
import tempfile
import time

DEADLINE = time.monotonic() + 60


class Pipe:
    def __init__(self):
        self.to_browser_r, self.to_browser_w = os.pipe()
        self.from_browser_r, self.from_browser_w = os.pipe()
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def child_setup(self):
        os.dup2(self.to_browser_r, 3)
        os.dup2(self.from_browser_w, 4)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def wait(self, predicate):
        while True:
            for i, message in enumerate(self.events):
                if predicate(message):
                    return self.events.pop(i)
            remaining = DEADLINE - time.monotonic()
            if remaining <= 0:
                raise SystemExit("cdp.py: deadline passed waiting for chromium")
            ready, _, _ = select.select([self.from_browser_r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.from_browser_r, 1 << 16)
            if not chunk:
                raise SystemExit("cdp.py: chromium closed the pipe")
            self.buffer += chunk
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                self.events.append(json.loads(raw))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    page = os.path.abspath(sys.argv[1])
    expressions = sys.argv[2:]
    pipe = Pipe()
    profile = tempfile.mkdtemp(prefix="catwatch-cdp-")
    browser = subprocess.Popen(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-pipe",
            f"--user-data-dir={profile}", "about:blank",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        pass_fds=(3, 4), preexec_fn=pipe.child_setup,
    )
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "result"]["sessionId"]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            pipe.send(domain, session=session)
        # CDP_VIEWPORT=390x844: a phone-sized screen (CSS pixels, mobile).
        viewport = os.environ.get("CDP_VIEWPORT")
        if viewport:
            width, height = (int(n) for n in viewport.split("x"))
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 3,
                       "mobile": True}, session=session)
        pipe.send("Page.navigate", {"url": "file://" + page}, session=session)
        pipe.wait(lambda m: m.get("method") == "Page.loadEventFired")
        results = []
        for expression in expressions:
            answer = pipe.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )["result"]
            if "exceptionDetails" in answer:
                raise SystemExit(f"cdp.py: {expression!r} threw: {answer['exceptionDetails']}")
            results.append(answer["result"].get("value"))
        # Let late messages (a CSP report fires asynchronously) arrive.
        pipe.send("Runtime.evaluate", {"expression": "1"}, session=session)
        console, log, exceptions = [], [], []
        for event in pipe.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
                console.append(f"{params['type']}: {text}")
            elif method == "Log.entryAdded":
                entry = params["entry"]
                log.append(f"{entry['source']}/{entry['level']}: {entry['text']}")
            elif method == "Runtime.exceptionThrown":
                exceptions.append(params["exceptionDetails"].get("text", ""))
        print(json.dumps({"results": results, "console": console, "log": log,
                          "exceptions": exceptions}))
        try:
            pipe.send("Browser.close")
        except SystemExit:
            pass
    finally:
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()


if __name__ == "__main__":
    main()
