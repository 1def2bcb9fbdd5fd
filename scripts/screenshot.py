"""Screenshot a runbook page of the project's own site with live badges, for the README.

    .venv/bin/python scripts/screenshot.py [--page runbooks/certificates-and-dependencies/]

Starts the demo service on free ports, builds the site against it into a temporary folder,
opens the page in headless Debian Chromium and writes docs/assets/runbook-page.png.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from mkdocs_runbook.demo import DemoService

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", default="runbooks/certificates-and-dependencies/")
    parser.add_argument("--output", type=Path, default=ROOT / "docs/assets/runbook-page.png")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument(
        "--focus", default="2-dependencies", help="element id to scroll to the top of the screen"
    )
    args = parser.parse_args()
    scripts = str(Path(sys.executable).parent)
    with tempfile.TemporaryDirectory() as site, DemoService() as demo:
        environ = {
            **os.environ,
            **demo.environment(),
            "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")]),
        }
        subprocess.run(
            [str(Path(scripts) / "mkdocs"), "build", "-q", "-d", site],
            cwd=ROOT,
            env=environ,
            check=True,
            timeout=600,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(
                viewport={"width": 1280, "height": 1500},
                color_scheme="dark" if args.dark else "light",
                device_scale_factor=1,
            )
            page = context.new_page()
            page.goto((Path(site) / args.page / "index.html").as_uri())
            page.wait_for_load_state("load")
            if args.focus:
                page.locator(f'[id="{args.focus}"]').scroll_into_view_if_needed()
                page.evaluate(
                    "id => document.getElementById(id).scrollIntoView({block: 'start'})",
                    args.focus,
                )
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output), full_page=False)
            browser.close()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
