#!/usr/bin/env python3
"""Drives the desk page in headless Chromium over WebDriver (chromedriver) and checks it from the
DOM against what the admin API says the hub received. Standard library only: WebDriver is JSON
over HTTP.

    desk_browser.py --admin http://127.0.0.1:PORT --driver http://127.0.0.1:PORT \
        --device ID --out DIR [--chromium PATH] -- KELVIN-COMMAND...

The command after `--` is a second kelvin run, started while the page is open; an outage is
started from the page's own button during it, and must reach the hub.
"""
import argparse
import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

LATE_SECONDS = 10  # the page's LATE_MS


def fail(message):
    print(f"desk: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def request(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        fail(f"{method} {url} answered {error.code}: {error.read().decode(errors='replace')[:500]}")
    except urllib.error.URLError as error:
        fail(f"{method} {url} failed: {error.reason}")


class Browser:
    def __init__(self, driver, chromium):
        self.driver = driver.rstrip("/")
        options = {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--hide-scrollbars", "--lang=en-GB"],
        }
        answer = request("POST", f"{self.driver}/session",
                         {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        self.session = f"{self.driver}/session/{answer['value']['sessionId']}"

    def go(self, url):
        request("POST", f"{self.session}/url", {"url": url})

    def run(self, script, *args):
        return request("POST", f"{self.session}/execute/sync", {"script": script, "args": list(args)})["value"]

    def click(self, css):
        element = request("POST", f"{self.session}/element", {"using": "css selector", "value": css})["value"]
        element_id = next(iter(element.values()))
        request("POST", f"{self.session}/element/{element_id}/click", {})

    def screenshot(self, path):
        with open(path, "wb") as out:
            out.write(base64.b64decode(request("GET", f"{self.session}/screenshot")["value"]))

    def wait(self, what, script, *args, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                fail(f"after {timeout} s the page still does not show {what}")
            time.sleep(0.25)

    def close(self):
        try:
            request("DELETE", self.session, timeout=10)
        except SystemExit:
            pass


def azure_time(text):
    # 2026-12-07T23:59:58.1234567Z: Python takes at most six fractional digits.
    whole, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{(fraction + '000000')[:6]}+00:00").timestamp()


def received(admin, device):
    answer = request("GET", f"{admin}/admin/messages?deviceId={device}")
    messages = answer["messages"]
    late = 0
    for message in messages:
        created = next((v for k, v in message["properties"].items() if k.lower() == "iothub-creation-time-utc"), None)
        if created is not None and azure_time(message["receivedAt"]) - azure_time(created) > LATE_SECONDS:
            late += 1
    return len(messages), late, answer["duplicates"]


CHART = "document.querySelectorAll('.device[data-device-id=\"' + arguments[0] + '\"] svg.chart[data-metric=temperature] "


def points(browser, device, cls="circle.pt"):
    return browser.run("return " + CHART + cls + "').length;", device)


def check_chart(browser, admin, device, phase):
    count, late, duplicates = received(admin, device)
    browser.wait(f"{count} points for {device}",
                 "return " + CHART + "circle.pt').length === arguments[1];", device, count)
    shown_late = points(browser, device, "circle.pt.late")
    shown_duplicates = points(browser, device, "circle.dup")
    gaps = browser.run("return [..." + CHART + "rect.gap')].map(r => +r.dataset.seconds);", device)
    print(f"desk: {phase}: the hub holds {count} readings from {device} ({late} late, {duplicates} duplicates);"
          f" the chart shows {count} points, {shown_late} late, {shown_duplicates} marked duplicate,"
          f" gaps of {gaps} s")
    if shown_late != late:
        fail(f"{phase}: the chart marks {shown_late} readings late, the hub's times say {late}")
    if shown_duplicates != duplicates:
        fail(f"{phase}: the chart marks {shown_duplicates} duplicates, the hub counted {duplicates}")
    return count, late, gaps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin", required=True)
    parser.add_argument("--driver", required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("kelvin", nargs="+")
    args = parser.parse_args()
    admin = args.admin.rstrip("/")

    browser = Browser(args.driver, args.chromium)
    try:
        browser.go(admin + "/")
        browser.wait("the device", "return [...document.querySelectorAll('.device h3')]"
                     ".some(h => h.textContent === arguments[0]);", args.device)

        # Phase 1 (before the page opened): readings through a long outage.
        count, late, gaps = check_chart(browser, admin, args.device, "after the scripted outage")
        if late < 1:
            fail("the outage left no late reading: the backlog did not wait")
        if not gaps or max(gaps) < LATE_SECONDS:
            fail(f"the outage left no gap of {LATE_SECONDS} s or more in the arrivals (gaps: {gaps})")

        weight = browser.run("""
            const page = performance.getEntriesByType('navigation')[0];
            const loaded = page.loadEventEnd || performance.now();
            const first = performance.getEntriesByType('resource').filter(r => r.startTime <= loaded + 1500);
            return {page: page.transferSize, body: page.encodedBodySize,
                    polls: first.length, pollBytes: first.reduce((n, r) => n + r.transferSize, 0),
                    others: first.filter(r => !r.name.includes('/admin/')).length};""")
        print(f"desk: page weight on first load: {weight['page'] + weight['pollBytes']} bytes transferred"
              f" (the page {weight['page']} bytes, {weight['body']} of them body, in one request;"
              f" its first poll {weight['pollBytes']} bytes in {weight['polls']} admin API requests)")
        if weight["others"]:
            fail(f"the page loaded {weight['others']} resources that are not the admin API")
        browser.screenshot(f"{args.out}/desk-after-outage.png")

        # Phase 2: the outage comes from the page's own button while kelvin runs.
        exchanges = request("GET", f"{admin}/admin/exchanges")
        refused_before = sum(1 for r in exchanges["recentRefusals"] if r["route"] == "telemetry" and r["status"] == 503)
        kelvin = subprocess.Popen(args.kelvin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        browser.wait("a reading of the second run", "return " + CHART + "circle.pt').length > arguments[1];",
                     args.device, count, timeout=60)
        browser.run("document.querySelector('#outage input[name=seconds]').value = '6';"
                    "document.querySelector('#outage select').value = '';")
        browser.click("#outage button")
        result = browser.wait("the outage's answer",
                              "const t = document.getElementById('result').textContent;"
                              "return t.includes('/admin/outage') ? t : '';")
        print(f"desk: the page's Start outage button: {result.strip()}")
        if "→ 200" not in result:
            fail(f"the page's outage request was not taken: {result}")
        deadline = time.monotonic() + 30
        while True:
            refusals = [r for r in request("GET", f"{admin}/admin/exchanges")["recentRefusals"]
                        if r["route"] == "telemetry" and r["status"] == 503]
            if len(refusals) > refused_before:
                print(f"desk: the outage reached the hub: it refused {refusals[0]['subject']}'s telemetry"
                      f" with {refusals[0]['status']} {refusals[0]['errorCode']}")
                break
            if time.monotonic() > deadline or kelvin.poll() is not None:
                fail("the outage started from the page never made the hub refuse a reading")
            time.sleep(0.2)
        browser.wait("the refusal in its table", "return document.getElementById('refusals').textContent.includes('503');")
        try:
            output, _ = kelvin.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            kelvin.kill()
            fail(f"the second kelvin run did not finish: {kelvin.communicate()[0]}")
        if kelvin.returncode != 0:
            fail(f"the second kelvin run exited {kelvin.returncode}: {output}")
        final, _, _ = check_chart(browser, admin, args.device, "after the page's outage")
        if final <= count:
            fail("the second run's readings are not on the chart")
        browser.screenshot(f"{args.out}/desk.png")
        print(f"desk: screenshots in {args.out}/desk.png and {args.out}/desk-after-outage.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
