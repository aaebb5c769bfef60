"""gunicorn settings, read from the working directory by the image's web command and by bench/calls.py.

Threads overlap the time spent waiting on PostgreSQL; a few processes use the cores (the
GIL lets one thread run Python at a time per process). WEB_CONCURRENCY and WEB_THREADS
override the defaults.
"""

import multiprocessing
import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", "16"))
keepalive = 30
