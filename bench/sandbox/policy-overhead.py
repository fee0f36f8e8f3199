"""Cost of the runner's code policy (AST checks, runtime value checks, operation budget).

Runs code actions through `Runner.handle` in this process (no transport), for the current runner
and, if given, a baseline runner file (for instance the runner before a policy change, extracted
with `git show <ref>:src/agents/executors/runner/runner.py > /tmp/runner-before.py`):

    python3 bench/sandbox/policy-overhead.py [/tmp/runner-before.py]

Prints the best of ROUNDS timings per action, in milliseconds, as a table and a JSON line.
"""

import json
import os
import sys
import time

ROUNDS = 7
HERE = os.path.dirname(os.path.abspath(__file__))
CURRENT = os.path.join(HERE, "..", "..", "src", "agents", "executors", "runner", "runner.py")

ACTIONS = {
    "1+1": ("1 + 1", 500),
    "tight loop, 1e6 iterations": ("s = 0\nfor i in range(1_000_000):\n    s += i\ns", 3),
    "loop in a function, 1e6 iterations": (
        "def f():\n    s = 0\n    for i in range(1_000_000):\n        s += i\n    return s\nf()",
        3,
    ),
    "method calls and subscripts, 2e5": ("a = []\nfor i in range(200_000):\n    a.append(i)\n    a[i]\nlen(a)", 3),
    "module function calls, 2e5": ("import math\nsum(math.sqrt(i) for i in range(200_000))", 3),
}


def load(path):
    scope = {"__name__": "runner_bench"}
    with open(path, encoding="utf-8") as source:
        exec(compile(source.read(), path, "exec"), scope)
    runner = scope["Runner"]()
    runner.handle({"type": "configure", "id": "c", "authorizedImports": []}, None)
    return runner


def measure(runner):
    figures = {}
    for name, (code, repeat) in ACTIONS.items():
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(repeat):
                reply = runner.handle({"type": "exec", "id": "e", "code": code}, None)
            best = min(best, (time.perf_counter() - started) / repeat)
            if reply["error"] is not None:
                raise RuntimeError("%s failed: %s" % (name, reply["error"]))
        figures[name] = round(best * 1000, 3)
    return figures


def main():
    results = {"python": sys.version.split()[0], "load": os.getloadavg()[0]}
    runners = {"current": CURRENT}
    if len(sys.argv) > 1:
        runners = {"baseline": sys.argv[1], **runners}
    for label, path in runners.items():
        results[label] = measure(load(path))
    for name in ACTIONS:
        row = "  ".join("%s %9.3f ms" % (label, results[label][name]) for label in runners)
        print("%-36s %s" % (name, row))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
