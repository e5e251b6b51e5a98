"""The seed's asyncio + aiohttp fetch, as a `gearbox bench io` child (strategy "aiohttp").

The seed's code: one aiohttp.ClientSession, one coroutine per URL that reads the whole body, all
gathered at once. Its connector is unlimited (TCPConnector(limit=0)): aiohttp's default of 100
connections would queue 10,000 fetches behind 100 sockets, which is not the seed's "thousands of
concurrent connections". Each run opens and closes its own session, as the seed's main() does.

Speaks BenchChild's protocol: key=value arguments (url, tasks, warmup, runs, stepped); one line
per run, "@@gearbox-bench " + JSON with phase, index, wall_ns, cpu_ns, ok, tasks, peak_rss_kb and
error (the first failure); in stepped mode one measured run per "run" line on stdin until it
closes. Exits 2 when aiohttp is missing, with one line on stderr.
"""
import asyncio
import json
import os
import sys
import time

PREFIX = "@@gearbox-bench "

try:
    import aiohttp
except ImportError:
    print("bench child: python module aiohttp is missing (Debian: apt-get install "
          "python3-aiohttp; pip: pip install aiohttp)", file=sys.stderr)
    sys.exit(2)


def peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


async def fetch_url(session, url):
    async with session.get(url) as response:
        content = await response.read()
        if response.status >= 400:
            raise IOError("HTTP %d" % response.status)
        return len(content)


async def fetch_all(url, n):
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [fetch_url(session, url) for _ in range(n)]
        return await asyncio.gather(*tasks, return_exceptions=True)


def describe(e):
    text = str(e).strip()
    return type(e).__name__ + (": " + text if text else "")


def emit(phase, index, url, n):
    cpu0 = time.process_time_ns()
    t0 = time.perf_counter_ns()
    try:
        results = asyncio.run(fetch_all(url, n))
    except Exception as e:  # the session itself failed: every task counts as failed
        results = [e] * n
    t1 = time.perf_counter_ns()
    cpu1 = time.process_time_ns()
    failures = [r for r in results if isinstance(r, BaseException)]
    line = {"phase": phase, "index": index, "wall_ns": t1 - t0, "cpu_ns": cpu1 - cpu0,
            "ok": n - len(failures), "tasks": n, "peak_rss_kb": peak_rss_kb()}
    if failures:
        line["error"] = describe(failures[0])
    print(PREFIX + json.dumps(line), flush=True)


def main(argv):
    params = {}
    for arg in argv:
        key, eq, value = arg.partition("=")
        if not eq or not key:
            print("bench child: bad argument '%s' (want key=value)" % arg, file=sys.stderr)
            return 2
        params[key] = value
    url = params["url"]
    n = int(params.get("tasks", "10"))
    for i in range(int(params.get("warmup", "0"))):
        emit("warmup", i, url, n)
    if params.get("stepped") == "true":
        index = 0
        for line in sys.stdin:
            if line.strip() == "run":
                emit("run", index, url, n)
                index += 1
        return 0
    for i in range(int(params.get("runs", "1"))):
        emit("run", i, url, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
