#!/usr/bin/env python3
"""Runs the README's five-minute tour verbatim and checks that each command prints what the README
shows (timestamps, clock times, durations, version numbers and a canary analysis's measured figures
and sample counts masked; runs of spaces collapsed).

The tour is every ```console block under the heading "## Five-minute tour", then every block
elsewhere preceded by <!-- tour: after --> (examples checked the same way). A block preceded by
<!-- background --> holds long-running commands (the dev stack, the demo service): they are started
in the background, in order, and their output is not compared. In the other blocks each "$ "
line (with "\\" continuations) is a command; the lines after it, up to the next command, are its
expected output. "$ export NAME=VALUE" sets the environment of the commands after it.

After the n-th background command the harness runs $TOUR_WAIT_AFTER_n, if set, to wait until it
is ready. Before each command the harness waits (up to 30 s) until no release is in a passing phase
(STARTING, RUNNING, CHECKING), as a person reading the previous output would.

Usage: readme-tour.py README.md   (from the repository root; exit 0 when every command matched)
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

MASKS = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z"), "<time>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"), "<clock> UTC"),
    (re.compile(r"\b\d{2}:\d{2} UTC"), "<clock> UTC"),
    (re.compile(r"\b\d+(\.\d+){2,}\b"), "<version>"),
    (re.compile(r"\b\d+[dhms]( \d+[dhms])?\b"), "<duration>"),
    # a canary analysis's measured figures and sample counts (not percentages: "canary 10 %")
    (re.compile(r"\b(canary|baseline|error_ratio|p95|p99|max) -?\d+(\.\d+)?(e-?\d+)?\b(?!\s*%)"), r"\1 <figure>"),
    (re.compile(r"\b(n=|samples )\d+/\d+"), r"\1<n>/<n>"),
]
PASSING = {"STARTING", "RUNNING", "CHECKING"}


def mask(text):
    lines = []
    for line in text.rstrip("\n").splitlines():
        for pattern, repl in MASKS:
            line = pattern.sub(repl, line)
        lines.append(re.sub(r"\s+", " ", line).strip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def tour_blocks(readme):
    text = open(readme, encoding="utf-8").read()
    start = text.index("## Five-minute tour")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    blocks = []
    for m in re.finditer(r"(<!-- background -->\s*)?```console\n(.*?)```", section, re.S):
        blocks.append((bool(m.group(1)), m.group(2)))
    if not blocks:
        sys.exit("readme-tour: no ```console block under '## Five-minute tour'")
    # examples elsewhere in the README marked <!-- tour: after --> run after the tour, in order,
    # on the same dev stack and environment
    outside = text[:start] + text[end if end > 0 else len(text):]
    for m in re.finditer(r"<!-- tour: after -->\s*```console\n(.*?)```", outside, re.S):
        blocks.append((False, m.group(1)))
    return blocks


def commands(block):
    """[(command, expected_output)] of a console block."""
    out = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        cmd = line[2:]
        while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        out.append((cmd, "\n".join(expected)))
    return out


def settle(env):
    deadline = time.time() + 30
    while time.time() < deadline:
        r = subprocess.run(["bin/rollgate", "list", "-o", "json"], env=env, capture_output=True, text=True)
        try:
            phases = {row["phase"] for row in json.loads(r.stdout)} if r.returncode == 0 else set()
        except ValueError:
            phases = set()
        if not phases & PASSING:
            return
        time.sleep(0.5)


def main():
    readme = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    env = dict(os.environ)
    background = []
    failures = 0
    checked = 0
    try:
        for is_background, block in tour_blocks(readme):
            for cmd, expected in commands(block):
                if is_background:
                    log = open(os.path.join(env.get("TOUR_LOG_DIR", "."), f"bg-{len(background)}.log"), "w")
                    print(f"tour: starting in the background: {cmd}", flush=True)
                    background.append(
                        subprocess.Popen(["bash", "-c", cmd], env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True))
                    # TOUR_WAIT_AFTER_1, _2, ...: how the harness knows the n-th is ready
                    wait_ready = env.get(f"TOUR_WAIT_AFTER_{len(background)}")
                    if wait_ready:
                        subprocess.run(["bash", "-c", wait_ready], env=env, check=True)
                    continue
                m = re.fullmatch(r"export (\w+)=(\S+)", cmd.strip())
                if m:
                    env[m.group(1)] = m.group(2)
                    continue
                settle(env)
                r = subprocess.run(["bash", "-c", cmd], env=env, capture_output=True, text=True, timeout=120)
                actual = r.stdout + r.stderr
                checked += 1
                if mask(actual) != mask(expected):
                    failures += 1
                    print(f"tour: MISMATCH for: $ {cmd}\n--- README shows\n{expected}\n--- it printed (exit {r.returncode})\n{actual}",
                          flush=True)
                else:
                    print(f"ok  $ {cmd}", flush=True)
    finally:
        for p in reversed(background):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in background:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    print(f"readme tour: {checked - failures} passed, {failures} failed")
    sys.exit(1 if failures or not checked else 0)


if __name__ == "__main__":
    main()
