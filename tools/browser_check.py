#!/usr/bin/env python3
"""Run every notebook in a real browser, as a learner would, and check what it shows.

    python3 course.py browser-check                   # every lesson, solution and exercise
    python3 course.py browser-check lessons/02_smoothing.ipynb   # only these notebooks
    python3 course.py browser-check --jobs 1          # one notebook at a time

The check starts the course's JupyterLab (the same settings as ``course.py lab``) on a
free local port and drives Debian's Chromium, headless, through Playwright. For each
notebook it:

1. opens it, clears the outputs and runs "Restart Kernel and Run All Cells";
2. waits until the kernel is idle and every cell has run;
3. fails on an error output outside a cell tagged ``raises-exception`` and on any
   error in the browser console;
4. saves it, and fails if the ``.ipynb`` or its ``.md`` twin changed on disk;
5. moves a slider, if the notebook has one, and fails if the count does not change
   or if saving the notebook again writes a different file;
6. leaves a screenshot in ``browser-check/`` (ignored by git).

It also grades a small class with ``tools/grading.py`` (exercise 1: the solution, a wrong
answer, an untouched copy), opens the HTML report, hovers over the failed task and checks
that its check's message shows; the screenshot ``browser-check/grading_report.png`` is the
one the instructor guide shows (copy it to ``docs/images/`` when the report's look changes).

A small notebook written to ``browser-check/`` proves that a slider moves the count
even before any lesson has one. At the end ``git status`` must be as it was at the start.
When /usr/bin/chromium is missing, the check says which command installs it and stops
(exit code 1); run in a terminal, it offers to run that command (``.ci/run`` installs
Chromium itself before the check). JupyterLab's token reaches the server through its
environment (``JUPYTER_TOKEN``), never its command line, which any user of the machine can
read in ``/proc``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_common import KERNELSPEC  # noqa: E402

OUT = ROOT / "browser-check"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
RUN_TIMEOUT_S = 300
SLIDER_NOTEBOOK = OUT / "slider_check.ipynb"

# ---------------------------------------------------------------- JavaScript helpers

OPEN_JS = """async (path) => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const w = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await w.context.ready;
  await w.sessionContext.ready;
  app.shell.activateById(w.id);
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  if (kernel) { await kernel.info; }
  return w.id;
}"""

STATE_JS = """(id) => {
  const app = window.jupyterapp;
  const w = Array.from(app.shell.widgets('main')).find(x => x.id === id);
  if (!w) return {missing: true};
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = [];
  for (const cell of w.content.widgets) {
    const m = cell.model;
    if (m.type !== 'code') continue;
    const outputs = m.outputs.toJSON();
    cells.push({
      source: m.sharedModel.getSource().trim().length > 0,
      count: m.executionCount,
      pending: (cell.promptNode && cell.promptNode.textContent.includes('*')) ||
               m.executionState === 'running',
      tags: m.getMetadata('tags') || [],
      errors: outputs.filter(o => o.output_type === 'error')
                     .map(o => o.ename + ': ' + o.evalue),
    });
  }
  return {status: kernel ? kernel.status : 'none', cells, dirty: w.context.model.dirty,
          connection: kernel ? kernel.connectionStatus : 'none'};
}"""

CLOSE_JS = """async (id) => {
  const app = window.jupyterapp;
  const w = Array.from(app.shell.widgets('main')).find(x => x.id === id);
  if (!w) return;
  await w.sessionContext.shutdown();
  w.dispose();
}"""


@dataclass
class Result:
    path: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    slider: str = ""


# ------------------------------------------------------------------------- set-up


def install_commands() -> list[list[str]]:
    """The commands that install Debian's Chromium (with sudo unless run as root)."""
    sudo = [] if getattr(os, "geteuid", lambda: 0)() == 0 else ["sudo"]
    return [[*sudo, "apt-get", "update"],
            [*sudo, "apt-get", "install", "-y", "--no-install-recommends", "chromium"]]


def ensure_chromium(stdin=None) -> None:
    """Return if Chromium is installed; otherwise say how to install it and stop (exit code 1),
    or, when ``stdin`` (default: ``sys.stdin``) is a terminal, ask before installing it."""
    if CHROMIUM.exists():
        return
    stdin = sys.stdin if stdin is None else stdin
    commands = install_commands()
    message = (f"The browser check needs Debian's Chromium ({CHROMIUM}), which is not installed."
               "\nInstall it with:\n    " + " && ".join(shlex.join(c) for c in commands))
    if not (stdin and stdin.isatty()):
        raise SystemExit(message)
    print(message + "\nRun this now? [y/N] ", end="", flush=True)
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise SystemExit("Chromium is not installed: nothing was checked.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in commands:
        subprocess.check_call(command, env=env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_slider_notebook() -> Path:
    """A two-cell notebook with the segmentation explorer (not tracked by git)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\n"
                                  "from cellseg_teach.widgets import segmentation_explorer"),
        nbformat.v4.new_code_cell("segmentation_explorer()"),
    ])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    OUT.mkdir(exist_ok=True)
    nbformat.write(nb, SLIDER_NOTEBOOK)
    return SLIDER_NOTEBOOK


def server_command(port: int, token: str, scratch: Path,
                   environ: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The JupyterLab command line and its environment. The token goes into the environment
    (``JUPYTER_TOKEN``, readable only by this user in ``/proc/PID/environ``), not into the
    command line (``/proc/PID/cmdline``, readable by every user of the machine)."""
    sys.path.insert(0, str(ROOT))
    from course import lab_env

    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            "--LabApp.expose_app_in_browser=True", "--LabApp.default_url=/lab",
            f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
            f"--LabApp.user_settings_dir={scratch / 'settings'}"]
    if getattr(os, "geteuid", lambda: 1)() == 0:
        args.append("--allow-root")
    return args, {**lab_env(environ), "JUPYTER_TOKEN": token}


def start_server(port: int, token: str, scratch: Path) -> subprocess.Popen:
    # The check saves each notebook itself; autosave could save one half-run.
    settings = scratch / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}\n')
    args, env = server_command(port, token, scratch, dict(os.environ))
    # The server prints its URL with the token: the log is for this user only.
    log = os.fdopen(os.open(OUT / "jupyterlab.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                            0o600), "w")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"JupyterLab exited; see {OUT / 'jupyterlab.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.3)
            continue
        cmdline = Path(f"/proc/{proc.pid}/cmdline")  # Linux: what every user can read
        if cmdline.exists() and token.encode() in cmdline.read_bytes():
            proc.kill()
            raise SystemExit("the JupyterLab token is on the server's command line")
        return proc
    proc.terminate()
    raise SystemExit("JupyterLab did not start within 120 s")


# -------------------------------------------------------------------- one notebook


def wait_until_ready(page, widget_id: str, timeout_s: float = 120) -> None:
    """Wait until the kernel is connected and has been idle for a second, as a person would
    before restarting it (restarting a kernel that is still starting can hang it)."""
    deadline, idle_since = time.time() + timeout_s, None
    while time.time() < deadline:
        state = page.evaluate(STATE_JS, widget_id)
        if state["status"] == "idle" and state["connection"] == "connected":
            idle_since = idle_since or time.time()
            if time.time() - idle_since >= 1:
                return
        else:
            idle_since = None
        page.wait_for_timeout(200)
    raise TimeoutError(f"the kernel was not ready within {timeout_s:.0f} s")


def wait_until_run(page, widget_id: str, timeout_s: float) -> dict:
    """Poll until the kernel is idle and every cell ran (or the run stopped at an error)."""
    deadline, settled_since = time.time() + timeout_s, None
    while time.time() < deadline:
        state = page.evaluate(STATE_JS, widget_id)
        cells = [c for c in state["cells"] if c["source"]]
        idle = state["status"] == "idle" and not any(c["pending"] for c in cells)
        finished = all(c["count"] is not None for c in cells)
        stopped = any(c["errors"] and "raises-exception" not in c["tags"] for c in cells)
        if idle and (finished or stopped):
            settled_since = settled_since or time.time()
            if finished or time.time() - settled_since > 2:
                return state
        else:
            settled_since = None
        page.wait_for_timeout(300)
    raise TimeoutError(f"the notebook did not finish running within {timeout_s:.0f} s")


def move_slider(page, result: Result) -> None:
    """Move the first slider of the first explorer to its maximum; the count must change."""
    summary = page.locator(".cellseg-summary").first
    handle = page.locator(".cellseg-slider .noUi-handle").first
    before = summary.inner_text()
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("End")
    try:
        page.wait_for_function(
            "([before]) => { const e = document.querySelector('.cellseg-summary');"
            " return e && e.innerText !== before; }", arg=[before], timeout=30000)
    except Exception:
        result.problems.append(f"moving the slider left the text at {before!r}")
        return
    after = summary.inner_text()
    count = [s.split(" cells found")[0] for s in (before, after)]
    if count[0] == count[1]:
        result.problems.append(f"the count did not change: {before!r} -> {after!r}")
    result.slider = f"{before} -> {after}"


def _same_but_varying(old: bytes, new: bytes) -> bool:
    """True if two notebooks differ only in outputs of cells tagged nbval-ignore-output
    (outputs that nbval, too, accepts to change from run to run)."""
    def masked(data: bytes) -> dict:
        nb = json.loads(data)
        for cell in nb["cells"]:
            if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
                cell["outputs"] = []
        return nb
    return masked(old) == masked(new)


def check_notebook(page, base: str, rel: str, console: list[str]) -> Result:
    result, start = Result(rel), time.time()
    path = ROOT / rel
    twin = path.with_suffix(".md")
    before = {p: p.read_bytes() for p in (path, twin) if p.exists()}
    console.clear()
    try:
        widget_id = page.evaluate(OPEN_JS, rel)
        wait_until_ready(page, widget_id)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=30000)
        state = wait_until_run(page, widget_id, RUN_TIMEOUT_S)
        for i, cell in enumerate(state["cells"]):
            if cell["errors"] and "raises-exception" not in cell["tags"]:
                result.problems.append(f"code cell {i + 1} raised {cell['errors'][0][:200]}")
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(
            "(id) => { const w = Array.from(window.jupyterapp.shell.widgets('main'))"
            ".find(x => x.id === id); return w && !w.context.model.dirty; }",
            arg=widget_id, timeout=30000)
        page.wait_for_timeout(300)
        changed = [p.name for p, data in before.items() if p.read_bytes() != data]
        if changed == [path.name] and _same_but_varying(before[path], path.read_bytes()):
            result.warnings.append(
                "saving rewrote the output of a cell tagged nbval-ignore-output (a timing?),"
                " so git status shows the notebook as changed")
            changed = []
        if changed and path.parent != OUT:
            result.problems.append(f"saving changed {', '.join(changed)} (copies in {OUT.name}/)")
            for p in before:
                shutil.copyfile(p, OUT / ("saved__" + rel.replace("/", "__") + p.suffix))
        if page.locator(".cellseg-slider").count():
            saved = path.read_bytes()
            move_slider(page, result)
            # The slider lives in the widget, not in the cell's output: saving again
            # must write the same file.
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            page.wait_for_timeout(1000)
            if path.read_bytes() != saved:
                result.problems.append("saving after moving the slider changed the notebook")
        shot = OUT / (rel.replace("/", "__").removesuffix(".ipynb") + ".png")
        page.screenshot(path=str(shot))
        page.evaluate(CLOSE_JS, widget_id)
    except Exception as exc:  # report and go on with the next notebook
        result.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
        try:
            page.screenshot(path=str(OUT / (rel.replace("/", "__") + ".failed.png")))
        except Exception:
            pass
    for p, data in before.items():  # whatever happened, leave the tracked files as they were
        if p.read_bytes() != data:
            p.write_bytes(data)
    result.problems += [f"browser console: {line}" for line in console]
    result.seconds = time.time() - start
    return result


def worker(n: int, base: str, token: str, jobs: queue.Queue, results: list[Result]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text[:300]) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {str(e)[:300]}"))
        page.goto(f"{base}/lab/workspaces/check{n}?reset&token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started",
                               timeout=120000)
        page.evaluate("() => window.jupyterapp.restored")
        startup = list(console)
        if startup:
            results.append(Result(f"(JupyterLab start-up, page {n})",
                                  [f"browser console: {line}" for line in startup]))
        while True:
            try:
                rel = jobs.get_nowait()
            except queue.Empty:
                break
            result = check_notebook(page, base, rel, console)
            status = "ok" if not result.problems else "FAILED"
            extra = f"; slider: {result.slider}" if result.slider else ""
            print(f"[{status}] {rel} ({result.seconds:.0f} s{extra})", flush=True)
            for problem in result.problems:
                print(f"    {problem}", flush=True)
            for warning in result.warnings:
                print(f"    warning: {warning}", flush=True)
            results.append(result)
        browser.close()


REPORT_LEARNERS = {"ada": "solution", "ben": "exercise", "cy": "wrong"}
WRONG_LINE = ("midpoint_by_hand = 2 * B * math.exp(-(D**2) / (8 * SIGMA**2))",
              "midpoint_by_hand = 2 * B * math.exp(-2.25)")


def grading_report_class(folder: Path) -> None:
    """Three learners' exercise 1: the solution, the same with the midpoint's quoted
    exponent (a wrong answer), and the untouched exercise."""
    name = "01_do_the_maths.ipynb"
    for learner, kind in REPORT_LEARNERS.items():
        (folder / learner).mkdir(parents=True)
        src = ROOT / ("exercises" if kind == "exercise" else "solutions") / name
        text = src.read_text(encoding="utf-8")
        if kind == "wrong":
            old, new = WRONG_LINE
            if json.dumps(old)[1:-1] not in text:
                raise ValueError(f"solutions/{name} no longer holds {old!r}: update "
                                 "WRONG_LINE in tools/browser_check.py")
            text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
        (folder / learner / name).write_text(text, encoding="utf-8")


def check_grading_report() -> Result:
    """Grade the small class, open its report in Chromium, hover over the failed task,
    check that the message shows, and take the screenshot the instructor guide uses."""
    from playwright.sync_api import sync_playwright

    result, start = Result("(grading report)"), time.time()
    with tempfile.TemporaryDirectory(prefix="grading-report-") as tmp:
        subs, out = Path(tmp) / "submissions", OUT / "grading"
        grading_report_class(subs)
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "grading.py"), "grade",
                               str(subs), "--out", str(out), "--jobs", "2"],
                              cwd=tmp, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        result.problems.append(f"grading.py grade failed: {done.stderr.strip()[-300:]}")
        return result
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 400})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith("file:") else
                errors.append(f"the report loads {r.url}"))
        page.goto((out / "report.html").as_uri())
        failed = page.locator("td.not-yet")
        if failed.count() != 1:
            result.problems.append(f"{failed.count()} failed tasks in the report, expected 1")
        else:
            failed.hover()
            tip = page.evaluate("(el) => getComputedStyle(el, '::after').content",
                                failed.element_handle())
            if "midpoint_by_hand" not in tip:
                result.problems.append(f"hovering shows {tip[:120]!r}, not the message")
        rows = page.locator("tbody tr").count()
        if rows != len(REPORT_LEARNERS):
            result.problems.append(f"{rows} learners in the report, expected 3")
        page.screenshot(path=str(OUT / "grading_report.png"))
        result.problems += [f"browser: {e}" for e in errors]
        browser.close()
    result.seconds = time.time() - start
    print(f"[{'ok' if not result.problems else 'FAILED'}] grading report "
          f"({result.seconds:.0f} s; screenshot {OUT.name}/grading_report.png)", flush=True)
    return result


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                          text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to check (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (2)")
    args = parser.parse_args(argv)
    if args.notebooks:
        notebooks = [str(Path(p).resolve().relative_to(ROOT)) for p in args.notebooks]
    else:
        notebooks = [str(p.relative_to(ROOT)) for folder in ("lessons", "solutions", "exercises")
                     for p in sorted((ROOT / folder).glob("*.ipynb"))]
    start = time.time()
    ensure_chromium()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    notebooks.append(str(write_slider_notebook().relative_to(ROOT)))
    status_before = git_status()
    port, token = free_port(), secrets.token_hex(16)
    jobs: queue.Queue = queue.Queue()
    # the longest notebooks first, so that two workers finish together
    for rel in sorted(notebooks, key=lambda r: -(ROOT / r).stat().st_size):
        jobs.put(rel)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="browser-check-") as scratch:
        server = start_server(port, token, Path(scratch))
        try:
            base = f"http://127.0.0.1:{port}"
            threads = [threading.Thread(target=worker, args=(n, base, token, jobs, results))
                       for n in range(max(1, args.jobs))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    if not args.notebooks:
        results.append(check_grading_report())
    problems = [r for r in results if r.problems]
    if not any(r.slider for r in results):
        problems.append(Result("(sliders)", ["no slider was moved"]))
    if git_status() != status_before:
        problems.append(Result("(git status)", ["git status changed:\n" + git_status()]))
    checked = [r for r in results if not r.path.startswith("(")]
    summary = {"notebooks": len(checked), "failed": [r.path for r in problems],
               "warnings": {r.path: r.warnings for r in checked if r.warnings},
               "seconds": round(time.time() - start, 1),
               "per_notebook_s": {r.path: round(r.seconds, 1) for r in checked}}
    (OUT / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"browser check: {len(checked)} notebooks in {summary['seconds']} s; "
          f"screenshots in {OUT.relative_to(ROOT)}/")
    for r in problems:
        if r.path.startswith("("):
            print(f"FAILED {r.path}: " + "; ".join(r.problems))
    if problems:
        print(f"browser check FAILED: {len(problems)} problem(s)")
        return 1
    print("browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
