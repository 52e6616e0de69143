"""The original Python redset 0.5.1 (redis-py 2.10.6) on the benchmark's rows, so that
the npm package can be measured beside it in the same run (js/bench/original.mjs).

    python original.py SOCKET ROW N   ->  prints items per second

Rows: "add" (one at a time), "take100" (take(100) until empty), "scheduled-pop"
(ScheduledSet.pop() of N due items).
"""
import sys
import time

import redis
import redset

socket, row, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = redis.StrictRedis(unix_socket_path=socket)
key = "bench:original"


def fill():
    client.delete(key)
    for start in range(0, n, 10000):
        pairs = []
        for i in range(start, min(n, start + 10000)):
            pairs += [i % 1000, str(i)]
        client.execute_command("ZADD", key, *pairs)


client.delete(key)
if row == "add":
    s = redset.SortedSet(client, key)
    started = time.perf_counter()
    for i in range(n):
        s.add(str(i), i)
    items = n
elif row == "take100":
    fill()
    s = redset.SortedSet(client, key)
    started = time.perf_counter()
    items = 0
    while True:
        got = s.take(100)
        if not got:
            break
        items += len(got)
elif row == "scheduled-pop":
    fill()
    s = redset.ScheduledSet(client, key)
    started = time.perf_counter()
    for _ in range(n):
        s.pop()
    items = n
else:
    sys.exit("unknown row " + row)
elapsed = time.perf_counter() - started
assert items == n, (items, n)
print(items / elapsed)
