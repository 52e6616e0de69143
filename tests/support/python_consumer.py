"""A consumer of the original Python redset 0.5.1, for the mixed-fleet tests.

Usage: python python_consumer.py SOCKET KIND NAME
Prints "ready", waits for a line on stdin (the go signal), pops until the set is
empty (KeyError), then prints the popped items as one JSON list.
"""
import json
import sys

import redis
import redset

socket, kind, name = sys.argv[1:4]
classes = {'sorted': redset.SortedSet, 'scheduled': redset.ScheduledSet}
s = classes[kind](redis.Redis(unix_socket_path=socket), name)
print('ready', flush=True)
sys.stdin.readline()
popped = []
while True:
    try:
        popped.append(s.pop())
    except KeyError:
        break
print(json.dumps(popped), flush=True)
