#!/usr/bin/env python3
"""Looks at a Rollgate workflow in the Temporal Web UI as a user would, in headless Chromium, and
reports what the page shows: a screenshot of the workflow page, its text (the summary and details
Rollgate sets), and the names the "Send a Signal" dialog offers in its signal picker.

Needs the dev stack (or any Temporal with its Web UI) and a release running, e.g. after the README
tour's `rollout approve`. Needs Debian's chromium (`apt-get install chromium`) and Playwright's Python
package in a virtualenv (it drives that chromium; no browser download):

    python3 -m venv /tmp/pw-venv && /tmp/pw-venv/bin/pip install playwright
    /tmp/pw-venv/bin/python .ci/webui-check.py [--workflow rollout/new_checkout] [--out DIR]

Writes DIR/workflow.png (the page), DIR/user-metadata.png (the "User Metadata" tab: summary and
current details), DIR/signal-picker.png (the open "Signal name" select) and a .txt of each (default
DIR /tmp/rollgate-webui-check), and prints the summary, the details and the picker's entries. Exit 0
when all three could be read; it asserts nothing about their content (a look, for a human).

Seen with Temporal UI 2.54.1 on 2026-12-03 (rollout held at 1 %, then paused): details "rollout
new_checkout · HOLDING · 1 % (step 1 of 5) / hold before 5 %" (no time of the next step), paused
"... 1d of hold left" (CLI: 23h 53m); picker: "Custom" and the dynamic handler only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.parse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"


def run_id(address, namespace, workflow_id):
    temporal = shutil.which("temporal") or os.path.join(os.path.dirname(__file__), "..", ".tools/venv/bin/temporal")
    out = subprocess.run(
        [temporal, "workflow", "describe", "--address", address, "--namespace", namespace, "-w", workflow_id,
         "-o", "json"],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)["workflowExecutionInfo"]["execution"]["runId"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ui", default="http://127.0.0.1:8233")
    p.add_argument("--address", default=os.environ.get("ROLLGATE_TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    p.add_argument("--namespace", default="default")
    p.add_argument("--workflow", default="rollout/new_checkout")
    p.add_argument("--out", default="/tmp/rollgate-webui-check")
    p.add_argument("--wait", type=float, default=5.0, help="seconds to let the single-page app render")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    run = run_id(args.address, args.namespace, args.workflow)
    url = (f"{args.ui}/namespaces/{args.namespace}/workflows/"
           f"{urllib.parse.quote(args.workflow, safe='')}/{run}/history")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.goto(url)
        page.wait_for_timeout(args.wait * 1000)
        page.screenshot(path=os.path.join(args.out, "workflow.png"), full_page=True)
        text = page.inner_text("body")
        with open(os.path.join(args.out, "workflow.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"workflow page: {url}")
        # Rollgate's summary and details (user metadata: what is pending, and when)
        page.get_by_role("tab", name="User Metadata").first.click()
        page.wait_for_timeout(1500)
        page.screenshot(path=os.path.join(args.out, "user-metadata.png"), full_page=True)
        meta = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        # the summary and the details are markdown, rendered in sandboxed iframes, in page order
        rendered = [f.inner_text("body").strip() for f in page.frames if f != page.main_frame]
        with open(os.path.join(args.out, "user-metadata.txt"), "w", encoding="utf-8") as f:
            f.write(meta + "\n--- rendered markdown, in page order\n" + "\n---\n".join(rendered) + "\n")
        for i, text in enumerate(rendered):
            print(f"  user metadata [{i + 1}]: " + " / ".join(l.strip() for l in text.splitlines() if l.strip()))
        if not rendered:
            print("  user metadata: (none rendered)")

        # the signal dialog: More Actions -> Send a Signal; its picker lists the workflow's declared
        # signals and "Custom"
        page.get_by_role("button", name="More Actions").first.click()
        page.wait_for_timeout(500)
        page.get_by_role("menuitem", name="Send a Signal").first.click()
        page.wait_for_timeout(1500)
        # the page holds two copies of the dialog (one per actions menu): the visible one
        dialog = page.locator("[data-testid='signal-confirmation-modal']:visible").first
        # the picker: the "Signal name" select; its options are the workflow's declared signals
        # (name - description), "Custom" (free text) and the dynamic handler (no name)
        dialog.locator("[data-testid='signal-select-button']").click()
        page.wait_for_timeout(800)
        page.screenshot(path=os.path.join(args.out, "signal-picker.png"), full_page=True)
        items = []
        for option in dialog.locator("[role=option]").all():
            name = option.locator(".menu-item-wrapper").inner_text().strip() or "(no name)"
            description = option.locator(".menu-item-description").inner_text().strip()
            items.append(f"{name} - {description}" if description else name)
        with open(os.path.join(args.out, "signal-picker.txt"), "w", encoding="utf-8") as f:
            f.write(dialog.inner_text() + "\n--- picker items\n" + "\n".join(items) + "\n")
        print("  signal picker offers: " + (" / ".join(items) if items else "(no items listed)"))
        browser.close()
    print(f"screenshots and texts in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
