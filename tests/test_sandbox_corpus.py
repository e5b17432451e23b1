"""The hostile corpus, run through the real sandbox AS AN UNPRIVILEGED USER, checked from outside.

As root (CI) the fixture creates the user ``vibecode-sbx`` and runs every case under its uid,
because root would hide missing protections (file permissions, signals). Not as root, the
current (already unprivileged) user is used. The runner and the corpus driver are copied into a
temp folder that user can read, and an interpreter the user can execute is picked (a venv inside
/root is not readable, its base Python under /usr is).

Checked for every case, from outside the runner: canary files (a fake ~/.ssh/id_rsa and files
beside it) unread and unchanged, nothing new in /tmp, /dev/shm, /var/tmp or the canary folders,
listeners on loopback TCP/UDP/unix that receive nothing, a victim process of the same user still
alive, no process left afterwards, output within the cap and free of escape bytes, memory
bounded, the secret never shown, nothing typed into the runner's terminal.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_corpus():
    import importlib.util

    spec = importlib.util.spec_from_file_location("vibecode_sandbox_corpus", REPO / "tests" / "sandbox_corpus" / "cases.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()

def _why_not_protected() -> str:
    import sandbox

    protections = sandbox.probe()
    return "" if protections.protected else " ".join(protections.missing)


pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the corpus checks Linux protections"),
    pytest.mark.skipif(sys.platform.startswith("linux") and bool(_why_not_protected()),
                       reason="this Linux lacks Landlock or seccomp, so the runner refuses to run: "
                       + _why_not_protected()),
]
TEST_USER = "vibecode-sbx"
CONTROL_CHARS = set(chr(c) for c in list(range(0, 9)) + list(range(11, 32)) + list(range(0x7F, 0xA0))) | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass
class Env:
    uid: int
    gid: int
    as_other_user: bool
    home: Path
    python: str
    runner_dir: Path
    token: str
    canaries: dict[Path, tuple[bytes, tuple]]
    watched_dirs: dict[Path, set[str]]
    outside: Path
    tcp: socket.socket
    udp: socket.socket
    abstract: socket.socket
    unix_path: socket.socket
    unix_path_name: str
    abstract_name: str
    victim: subprocess.Popen
    secret_file: Path


def _ensure_user() -> tuple[int, int, Path]:
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run([useradd, "--create-home", "--user-group", "--shell", "/usr/sbin/nologin", TEST_USER],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(TEST_USER)
    home = Path(entry.pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o750)
    return entry.pw_uid, entry.pw_gid, home


def _as_user(env: Env | None, uid: int, gid: int) -> dict:
    if os.geteuid() != 0:
        return {}
    return {"user": uid, "group": gid, "extra_groups": []}


def _pick_python(uid: int, gid: int) -> str:
    """The first interpreter (same minor version) the test user can start, with what the runner needs."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), getattr(sys, "_base_executable", ""),
                  f"/usr/bin/python{version}", f"/usr/local/bin/python{version}", shutil.which("python3") or ""]
    kwargs = {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):
            continue
        try:
            done = subprocess.run([candidate, "-I", "-S", "-c", "import _ctypes, resource, selectors, ctypes"],
                                  capture_output=True, timeout=30, cwd="/", **kwargs)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return candidate
    pytest.fail("no Python interpreter is usable by the unprivileged test user (tried: " + ", ".join(
        c for c in candidates if c) + ")")


def _copy_runner(tmp: Path) -> Path:
    runner_dir = tmp / "runner"
    shutil.copytree(REPO / "sandbox", runner_dir / "sandbox", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "tests" / "sandbox_corpus" / "driver.py", runner_dir / "driver.py")
    for root, dirs, files in os.walk(tmp):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return runner_dir


def _snapshot(path: Path) -> set[str]:
    try:
        return set(os.listdir(path))
    except OSError:
        return set()


@pytest.fixture(scope="module")
def sbx() -> Env:
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="vibecode-sbx-test-"))
    os.chmod(tmp, 0o755)
    if root:
        uid, gid, home = _ensure_user()
    else:
        uid, gid = os.getuid(), os.getgid()
        home = tmp / "home"
        home.mkdir()
    token = "SECRET-" + secrets.token_hex(8)
    ssh = home / ".ssh"
    ssh.mkdir(exist_ok=True)
    outside = tmp / "outside"
    outside.mkdir()
    files = {
        ssh / "id_rsa": f"-----BEGIN FAKE KEY----- {token} -----END FAKE KEY-----\n",
        home / "canary.txt": f"canary {token}\n",
        outside / "secret.txt": f"outside {token}\n",
    }
    for path, text in files.items():
        path.write_text(text)
        os.chown(path, uid, gid)
        os.chmod(path, 0o600)
    for d in (ssh, outside):
        os.chown(d, uid, gid)
        os.chmod(d, 0o700)
    secret_file = tmp / "secret-fd.txt"
    secret_file.write_text(f"fd {token}\n")
    os.chown(secret_file, uid, gid)
    runner_dir = _copy_runner(tmp)
    python = _pick_python(uid, gid)

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    abstract_name = "vibecode-sbx-" + secrets.token_hex(6)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + abstract_name)
    abstract.listen(8)
    abstract.setblocking(False)
    sock_dir = tmp / "sock"
    sock_dir.mkdir()
    os.chmod(sock_dir, 0o777)
    unix_path_name = str(sock_dir / "listener.sock")
    unix_path = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix_path.bind(unix_path_name)
    os.chmod(unix_path_name, 0o777)
    unix_path.listen(8)
    unix_path.setblocking(False)
    victim = subprocess.Popen([python, "-I", "-S", "-c", "import time; time.sleep(3600)"], cwd="/",
                              start_new_session=True, **({"user": uid, "group": gid, "extra_groups": []} if root else {}))

    canaries = {p: (p.read_bytes(), (p.stat().st_mtime, p.stat().st_mode, p.stat().st_uid)) for p in files}
    watched = {d: _snapshot(d) for d in (home, ssh, outside, Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"))}
    env = Env(uid, gid, root, home, python, runner_dir, token, canaries, watched, outside, tcp, udp, abstract,
              unix_path, unix_path_name, abstract_name, victim, secret_file)
    yield env
    victim.kill()
    victim.wait()
    for s in (tcp, udp, abstract, unix_path):
        s.close()
    shutil.rmtree(tmp, ignore_errors=True)


def _fill(text: str, env: Env) -> str:
    values = {
        "TCP_PORT": str(env.tcp.getsockname()[1]),
        "UDP_PORT": str(env.udp.getsockname()[1]),
        "ABSTRACT": env.abstract_name,
        "UNIX_PATH": env.unix_path_name,
        "HOME": str(env.home),
        "HOME_CANARY": str(env.home / "canary.txt"),
        "SSH_KEY": str(env.home / ".ssh" / "id_rsa"),
        "OUTSIDE": str(env.outside),
        "VICTIM_PID": str(env.victim.pid),
        "SECRET_FILE": str(env.secret_file),
    }
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def _run_case(case: corpus.Case, env: Env, extra_walls: bool = False) -> tuple[dict, subprocess.CompletedProcess]:
    payload = {
        "extra_walls": extra_walls,
        "source": _fill(case.source, env),
        "stdin_lines": case.stdin_lines,
        "limits": case.limits,
        "project_files": {k: _fill(v, env) for k, v in case.project_files.items()},
        "secret_file": str(env.secret_file),
        "tty_self_test": case.tty_self_test,
    }
    case_file = env.runner_dir / f"case-{case.name}.json"
    case_file.write_text(json.dumps(payload))
    os.chmod(case_file, 0o644)
    master, slave = os.openpty()
    if env.as_other_user:
        os.fchown(slave, env.uid, env.gid)
    child_env = {"PATH": "/usr/bin:/bin", "HOME": str(env.home), "LANG": "C.UTF-8", "VIBECODE_SBX_SECRET": env.token}
    wall = float(case.limits.get("wall_seconds", 10.0))
    try:
        proc = subprocess.Popen([env.python, str(env.runner_dir / "driver.py"), str(env.runner_dir), str(case_file)],
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(env.runner_dir),
                                env=child_env, start_new_session=True, **_as_user(env, env.uid, env.gid))
        os.close(slave)
        try:
            out, err = proc.communicate(timeout=wall + 30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
            pytest.fail(f"{case.name}: the runner did not finish in time (hang)\n{err.decode()[-2000:]}")
    finally:
        os.close(master)
        case_file.unlink()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert proc.returncode == 0, f"{case.name}: the runner itself died or failed (rc={proc.returncode})\n" \
        f"{err.decode(errors='replace')[-3000:]}"
    return json.loads(out), done


def _processes_of(uid: int, exclude: set[int]) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue  # already dead, waiting to be reaped
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                found.append(f"{entry}: {f.read()[:100]!r}")
        except OSError:
            continue
    return found


def _check_outside(case: corpus.Case, env: Env, report: dict) -> list[str]:
    problems: list[str] = []
    result = report["result"]
    shown = "\n".join(str(result.get(k) or "") for k in ("output", "stdout", "traceback", "error_message", "message"))
    shown += "\n".join(report["files"].values())
    if env.token in shown:
        problems.append("the secret token was shown")
    for path, (content, mtime) in env.canaries.items():
        try:
            st = path.stat()
            if path.read_bytes() != content or (st.st_mtime, st.st_mode, st.st_uid) != mtime:
                problems.append(f"canary changed: {path}")
        except OSError:
            problems.append(f"canary gone: {path}")
    for d, before in env.watched_dirs.items():
        new = _snapshot(d) - before
        if d in (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp")):
            mine = []
            for name in new:
                try:
                    st = os.lstat(d / name)
                except OSError:
                    continue
                # As root only the test user's entries count (other tests may run beside us).
                if env.as_other_user:
                    if st.st_uid == env.uid:
                        mine.append(name)
                elif name.startswith(("vibecode-run-", "vibecode-sbx-pwned")):
                    mine.append(name)
            new = set(mine)
        if new:
            problems.append(f"new entries in {d}: {sorted(new)[:5]}")
    for name, sock in (("tcp", env.tcp), ("abstract unix", env.abstract), ("unix path", env.unix_path)):
        try:
            conn, _ = sock.accept()
            conn.close()
            problems.append(f"the {name} listener got a connection")
        except BlockingIOError:
            pass
    try:
        env.udp.recvfrom(4096)
        problems.append("the udp listener got a datagram")
    except BlockingIOError:
        pass
    if env.victim.poll() is not None:
        problems.append("the victim process (same user) was killed")
    if report["leftover"]:
        problems.append(f"processes were left behind: {report['leftover']}")
    if env.as_other_user:
        left = _processes_of(env.uid, {env.victim.pid})
        if left:
            problems.append(f"processes of the test user still running: {left}")
            for line in left:
                try:
                    os.kill(int(line.split(":")[0]), 9)
                except OSError:
                    pass
    limit = 200_000 if "output_bytes" not in case.limits else case.limits["output_bytes"]
    if result["output_bytes"] > limit or len(result["output"].encode()) > 4 * limit + 10_000:
        problems.append(f"output over the cap: {result['output_bytes']}")
    bad = sorted({hex(ord(c)) for c in result["output"] if c in CONTROL_CHARS})
    if bad:
        problems.append(f"control characters in the shown output: {bad}")
    if result["peak_memory_mb"] > 512 + 64 or report["children_maxrss_mb"] > 512 + 64:
        problems.append(f"memory not bounded: {result['peak_memory_mb']} MB")
    if report["tty_injected"] and not case.tty_self_test:
        problems.append(f"something was typed into the runner's terminal: {report['tty_injected']!r}")
    return problems


@pytest.mark.parametrize("case", corpus.ALL, ids=[c.name for c in corpus.ALL])
def test_corpus_case(case: corpus.Case, sbx: Env) -> None:
    report, _ = _run_case(case, sbx)
    result = report["result"]
    problems = _check_outside(case, sbx, report)
    if result["verdict"] not in case.verdicts:
        problems.append(f"verdict {result['verdict']} not in {sorted(case.verdicts)}: {result['message']}")
    for text in case.must_print:
        if text not in result["output"]:
            problems.append(f"expected {text!r} in the output")
    for text in case.must_not_print:
        if text in result["output"]:
            problems.append(f"{text!r} must not appear in the output")
    assert not problems, f"{case.name}: " + "; ".join(problems) + f"\noutput: {result['output'][:500]!r}" \
        f"\ntraceback: {result['traceback']}"
    if sbx.as_other_user:
        assert report["uid"] == sbx.uid and report["uid"] != 0


def test_corpus_size() -> None:
    assert len(corpus.HOSTILE) >= 40
    assert len([c for c in corpus.ORDINARY if c.ordinary]) >= 8


def test_tty_injection_would_be_seen(sbx: Env) -> None:
    """The terminal check is honest: the runner itself can type into its terminal, and we see it."""
    case = next(c for c in corpus.HOSTILE if c.tty_self_test)
    report, _ = _run_case(case, sbx)
    assert report["tty"], "the driver did not get a controlling terminal"
    if report["tty_control"]:
        pytest.skip(f"this kernel refuses TIOCSTI even for the terminal's owner ({report['tty_control']})")
    assert report["tty_injected"] == "Z"


def test_file_readback_does_not_follow_links(sbx: Env) -> None:
    case = next(c for c in corpus.HOSTILE if c.name == "symlink_left_for_readback")
    report, _ = _run_case(case, sbx)
    assert "result.txt" not in report["files"] and "passwd.txt" not in report["files"]


def test_runs_as_unprivileged_user(sbx: Env) -> None:
    """Root would hide missing protections; the corpus must never run as uid 0."""
    case = next(c for c in corpus.ORDINARY if c.name == "works_math")
    report, _ = _run_case(case, sbx)
    assert report["uid"] != 0


# With bubblewrap as an extra wall (optional; used in addition to Landlock and seccomp, never
# instead): a cross-section of the corpus must hold just the same.
WITH_BUBBLEWRAP = [
    "print_flood", "memory_bomb_single", "fork_bomb", "os_system", "subprocess_run", "socket_tcp_loopback",
    "socket_udp_loopback", "socket_unix_abstract", "read_ssh_key", "write_outside", "symlink_read_escape",
    "proc_parent_environ", "signal_parent", "signal_victim", "dev_tty_tiocsti", "deep_recursion", "ctypes_segfault",
    "nested_user_namespace", "works_hello_input", "works_threads", "works_files_in_folder", "works_time",
]


@pytest.mark.parametrize("name", WITH_BUBBLEWRAP)
def test_corpus_case_with_bubblewrap(name: str, sbx: Env) -> None:
    case = next(c for c in corpus.ALL if c.name == name)
    report, _ = _run_case(case, sbx, extra_walls=True)
    result = report["result"]
    if "bubblewrap" not in result["layers"]:
        pytest.skip("bubblewrap is not installed or cannot start here (it is an optional extra): "
                    + ", ".join(result["layers"]))
    assert {"limits", "seccomp"} <= set(result["layers"]) and any(x.startswith("landlock") for x in result["layers"])
    problems = _check_outside(case, sbx, report)
    if result["verdict"] not in case.verdicts:
        problems.append(f"verdict {result['verdict']} not in {sorted(case.verdicts)}: {result['message']}")
    problems += [f"expected {t!r}" for t in case.must_print if t not in result["output"]]
    problems += [f"{t!r} must not appear" for t in case.must_not_print if t in result["output"]]
    assert not problems, f"{case.name} (bubblewrap): " + "; ".join(problems) + f"\noutput: {result['output'][:300]!r}"
