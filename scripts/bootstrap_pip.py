"""Put pip into a virtualenv made with --without-pip (Debian without python3-venv).

Fetches the pip wheel from PyPI and lets it install itself: pip runs from its own wheel.
"""

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

venv = Path(sys.argv[1])
with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
    release = json.load(response)
wheel = next(u for u in release["urls"] if u["packagetype"] == "bdist_wheel")
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / wheel["filename"]
    with urllib.request.urlopen(wheel["url"], timeout=120) as response:
        path.write_bytes(response.read())
    python = venv / "bin" / "python"
    subprocess.run([str(python), f"{path}/pip", "install", "--no-index", str(path)], check=True)
