#!/usr/bin/env python3
"""A slow relay in front of HAProxy's runtime API, for .ci/e2e-deploy's "kill -9 during a weight
change" check: every `set weight` waits DELAY seconds before it reaches HAProxy, so a traffic shift
(stable first, then canary) is half-applied for DELAY seconds and the worker can be killed in the
middle of it. A `set weight` whose client has gone by then is dropped, as if it had been lost on
the way. Other commands pass straight through.

  slow-runtime-api.py LISTEN_SOCKET HAPROXY_SOCKET DELAY_SECONDS

Runs until killed; removes LISTEN_SOCKET on the way out.
"""
import asyncio
import os
import signal
import sys

listen, upstream, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])


async def relay(reader, writer):
    try:
        command = await reader.readline()
        if command.startswith(b"set weight"):
            await asyncio.sleep(delay)
            if reader.at_eof():  # the client died meanwhile: the command never reaches HAProxy
                print(f"client gone, dropped: {command.decode().strip()}", file=sys.stderr)
                return
        up_reader, up_writer = await asyncio.open_unix_connection(upstream)
        up_writer.write(command)
        await up_writer.drain()
        writer.write(await up_reader.read())  # HAProxy answers, then closes
        await writer.drain()
        up_writer.close()
    except OSError as e:
        print(f"relay: {e}", file=sys.stderr)
    finally:
        writer.close()


async def main():
    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(relay, path=listen)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    if os.path.exists(listen):
        os.unlink(listen)


asyncio.run(main())
