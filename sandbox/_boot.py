"""Bootstrap that runs *inside* the sandboxed child, before the kid's program.

Started by the supervisor as ``python -I -S -u -B -X utf8 -c LAUNCHER CODE ARGS``, where CODE is this
file already compiled and marshalled (compiling it in every child cost more than everything else). It locks the process
down (rlimits, then on Linux no_new_privs + Landlock + seccomp), then runs ``main.py`` from the
scratch folder as ``__main__``. Everything it needs is imported before the lock-down, and it
imports as little as possible, because every import here is paid on every run.

It also talks to the supervisor over a control pipe (one line per message):
``R<abi>,<seccomp>`` protections are on and the program starts; ``W``/``G`` the program is
waiting for / got input (so the wall clock can pause); ``B<kind>`` the program tried something
that is always blocked (network, program, control); ``E<repr(dict)>`` the uncaught error;
``X<reason>`` a required protection could not be switched on, so the program was never run.
The program can write to that pipe too: the supervisor treats it as untrusted and only uses
it for the program's own verdict, never for a security decision.

The Landlock helpers are also imported by the supervisor's capability probe (``sandbox.probe``).
"""

import os
import sys

BOOT_NAME = "<sandbox>"  # the file name this code is compiled under (its frames are trimmed)

# Exit codes of the bootstrap itself (never produced by a normal program run).
EXIT_NOT_PROTECTED = 97
EXIT_BAD_ARGS = 98

# --- Landlock (linux/landlock.h) ---------------------------------------------------------------
LL_CREATE_RULESET_VERSION = 1
LL_RULE_PATH_BENEATH = 1
SYS_LANDLOCK_CREATE_RULESET = 444  # same number on every architecture except alpha
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _Native:
    """The few libc calls the lock-down needs, through ``_ctypes`` directly.

    ``import ctypes`` costs about 8 ms per run; the bare ``_ctypes`` extension about 1 ms. Structs
    are passed as ``bytes`` (the kernel only reads them), so no ctypes Structure is needed.
    """

    def __init__(self) -> None:
        import _ctypes

        class c_long(_ctypes._SimpleCData):
            _type_ = "l"

        class c_void_p(_ctypes._SimpleCData):
            _type_ = "P"

        class c_char_p(_ctypes._SimpleCData):
            _type_ = "z"

        class Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
            _restype_ = c_long

        class Libc:
            _handle = _ctypes.dlopen(None, 0)

        libc = Libc()
        self.syscall = Function(("syscall", libc))
        self.prctl = Function(("prctl", libc))
        self.get_errno = _ctypes.get_errno
        self._c_void_p = c_void_p
        self._c_char_p = c_char_p

    def buffer_address(self, data: bytes):
        """(keep-alive object, address) of an immutable bytes buffer, for structs holding pointers."""
        holder = self._c_char_p(data)
        return holder, self._c_void_p.from_buffer(holder).value

    def error(self, what: str) -> OSError:
        code = self.get_errno()
        return OSError(code, "%s failed: %s" % (what, os.strerror(code)))


def _u64(value: int) -> bytes:
    return (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, sys.byteorder)


def landlock_abi(native=None) -> int:
    """The Landlock ABI version this kernel offers (0 when Landlock is missing or disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        native = native or _Native()
        abi = native.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LL_CREATE_RULESET_VERSION)
    except (OSError, AttributeError, ImportError):
        return 0
    return max(int(abi), 0)


def handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def apply_landlock(read_paths, write_paths, native=None) -> int:
    """Restrict this process (and all it starts) to reading ``read_paths`` and using ``write_paths``.

    Also denies every TCP bind/connect (ABI >= 4) and scopes signals and abstract unix sockets to
    the sandbox (ABI >= 6). Returns the ABI used; raises OSError if Landlock cannot be applied.
    """
    native = native or _Native()
    abi = landlock_abi(native)
    if abi < 1:
        raise OSError("Landlock is not available")
    fs = handled_fs(abi)
    net = (NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL) if abi >= 6 else 0
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    attr = (_u64(fs) + _u64(net) + _u64(scoped))[:size]
    ruleset = native.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, size, 0)
    if ruleset < 0:
        raise native.error("landlock_create_ruleset")
    try:
        read_rights = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE
        write_rights = fs & ~(FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_IOCTL_DEV)
        rules = [(p, read_rights) for p in read_paths] + [(p, write_rights) for p in write_paths]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this machine does not have
            try:
                if not os.path.isdir(path):
                    rights &= FILE_RIGHTS
                rule = _u64(rights & fs) + fd.to_bytes(4, sys.byteorder, signed=True)
                if native.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LL_RULE_PATH_BENEATH, rule, 0) < 0:
                    raise native.error("landlock_add_rule for " + path)
            finally:
                os.close(fd)
        if native.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) < 0:
            raise native.error("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def apply_seccomp(bpf: bytes, native=None) -> None:
    """Load a ready-made seccomp BPF program (built by the supervisor with libseccomp)."""
    native = native or _Native()
    if not bpf or len(bpf) % 8 or len(bpf) // 8 > 0xFFFF:
        raise OSError("no usable seccomp filter was given")
    keep, address = native.buffer_address(bpf)
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; } (pointer aligned to 8)
    prog = (len(bpf) // 8).to_bytes(2, sys.byteorder) + bytes(6) + _u64(address)
    # PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2
    if native.prctl(22, 2, prog, 0, 0) != 0:
        raise native.error("loading the seccomp filter")
    del keep


def set_no_new_privs(native=None) -> None:
    native = native or _Native()
    if native.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise native.error("no_new_privs")


# --- the run -------------------------------------------------------------------------------------

# Audit events that are always blocked when seccomp is on; only used to name the verdict.
_TRIED = {
    "socket.__new__": "network",
    "socket.connect": "network",
    "socket.bind": "network",
    "socket.sendto": "network",
    "socket.getaddrinfo": "network",
    "socket.gethostbyname": "network",
    "subprocess.Popen": "program",
    "os.system": "program",
    "os.exec": "program",
    "os.posix_spawn": "program",
    "os.fork": "program",
    "os.forkpty": "program",
    "os.kill": "control",
    "os.killpg": "control",
    "signal.pthread_kill": "control",
}
_TRIED_C = {
    "system": "program", "popen": "program", "fork": "program", "vfork": "program", "execv": "program",
    "execve": "program", "execvp": "program", "posix_spawn": "program", "posix_spawnp": "program",
    "socket": "network", "connect": "network", "kill": "control", "ptrace": "control",
}


def _main(argv) -> None:
    # argv: boot.py SCRATCH CTRL_FD "cpu,as,fsize,nofile" FLAGS BPF_HEX READ... --rw WRITE...
    try:
        scratch, ctrl_fd, nums, flags, bpf_hex = argv[1], int(argv[2]), argv[3], argv[4], argv[5]
        cpu, mem, fsize, nofile, parent = (int(x) for x in nums.split(","))
        rest = argv[6:]
        cut = rest.index("--rw")
        read_paths, write_paths = rest[:cut], rest[cut + 1 :]
    except (IndexError, ValueError):
        os.write(2, b"sandbox bootstrap: bad arguments\n")
        os._exit(EXIT_BAD_ARGS)

    if ctrl_fd >= 0 and ctrl_fd != 3:  # the control pipe is always fd 3 inside the sandbox (none on Windows)
        os.dup2(ctrl_fd, 3, inheritable=False)
        os.close(ctrl_fd)
        ctrl_fd = 3

    def send(data: bytes) -> bool:
        try:
            return os.write(ctrl_fd, data) == len(data)
        except OSError:
            return False

    def refuse(why: str) -> None:
        send(b"X" + why.encode("utf-8", "replace").replace(b"\n", b" ") + b"\n")
        os._exit(EXIT_NOT_PROTECTED)

    # 1. rlimits
    try:
        import resource

        def limit(which, soft, hard=None):
            resource.setrlimit(which, (soft, soft if hard is None else hard))

        limit(resource.RLIMIT_CPU, cpu, cpu + 1)
        if sys.platform.startswith("linux"):  # macOS does not enforce RLIMIT_AS
            limit(resource.RLIMIT_AS, mem)
        limit(resource.RLIMIT_FSIZE, fsize)
        limit(resource.RLIMIT_NOFILE, nofile)
        limit(resource.RLIMIT_CORE, 0)
    except ImportError:
        if "r" in flags:
            refuse("rlimits are not available")
    except (OSError, ValueError) as exc:
        if "r" in flags:
            refuse("rlimits failed: %s" % exc)
    try:
        import _signal

        _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)  # a too-big file is an error, not a kill
    except (ImportError, AttributeError, OSError):
        pass

    # 2. Linux: die with the supervisor, no_new_privs, Landlock, seccomp
    abi, seccomp_on = 0, False
    native = None
    if sys.platform.startswith("linux"):
        try:
            native = _Native()
            native.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG = SIGKILL: no orphan outlives the app
        except (OSError, ImportError, AttributeError):
            native = None
    if parent and os.getppid() != parent:
        os._exit(EXIT_NOT_PROTECTED)  # the supervisor is already gone (0: under bwrap, which checks)
    if "l" in flags or "s" in flags:
        try:
            native = native or _Native()
            set_no_new_privs(native)
        except (OSError, ImportError, AttributeError) as exc:
            refuse("no_new_privs: %s" % exc)
    if "l" in flags:
        try:
            abi = apply_landlock(read_paths, write_paths, native)
        except OSError as exc:
            refuse("Landlock: %s" % exc)
    if "s" in flags:
        try:
            apply_seccomp(bytes.fromhex(bpf_hex), native)
            seccomp_on = True
        except (OSError, ValueError) as exc:
            refuse("seccomp: %s" % exc)

    # 3. the program's world: input that reports waiting, a fresh __main__, the folder on sys.path
    import io

    class WaitingStdin(io.RawIOBase):
        """Raw stdin that tells the supervisor when the program blocks for input."""

        def readable(self):
            return True

        def fileno(self):
            return 0

        def readinto(self, buf):
            send(b"W\n")
            try:
                data = os.read(0, len(buf))
            finally:
                send(b"G\n")
            buf[: len(data)] = data
            return len(data)

    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(WaitingStdin()), encoding="utf-8", errors="replace"
    )

    if seccomp_on:
        tried_sent = set()

        def tell(kind):
            if kind not in tried_sent:
                tried_sent.add(kind)
                send(b"B" + kind.encode() + b"\n")

        def audit(event, args):
            kind = _TRIED.get(event)
            if kind is None and event == "ctypes.dlsym" and len(args) > 1:
                kind = _TRIED_C.get(args[1] if isinstance(args[1], str) else "")
            if kind is not None:
                tell(kind)

        sys.addaudithook(audit)

    boot_file = BOOT_NAME
    sys.argv[:] = ["main.py"]
    sys.path.insert(0, "")
    module = type(sys)("__main__")
    module.__file__ = "main.py"
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    send(b"R%d,%d\n" % (abi, int(seccomp_on)))
    try:
        with open("main.py", "rb") as f:
            source = f.read()
        code = compile(source, "main.py", "exec")
        del source
        exec(code, module.__dict__)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - every uncaught error is reported
        _report(exc, boot_file, send)
        raise SystemExit(1)


def _report(exc, boot_file, send) -> None:
    """Send the uncaught error (runner frames removed) to the supervisor; print it if that fails."""
    tb = exc.__traceback__
    runner_files = (boot_file, "<string>", globals().get("__file__"))
    while tb is not None and tb.tb_frame.f_code.co_filename in runner_files:
        tb = tb.tb_next
    exc.__traceback__ = tb
    line, file, innermost = None, None, None
    walk = tb
    while walk is not None:
        name = walk.tb_frame.f_code.co_filename
        if not name.startswith("<") and not os.path.isabs(name) and name.endswith(".py"):
            line, file = walk.tb_lineno, name
        innermost = name
        walk = walk.tb_next
    if isinstance(exc, SyntaxError):
        line, file = exc.lineno, exc.filename
    try:
        import traceback

        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while formatting
        text = "%s: %s\n" % (type(exc).__name__, exc)
    if len(text) > 8000:
        text = text[:2000] + "\n...\n" + text[-6000:]
    filename = getattr(exc, "filename", None)
    try:
        message = str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a broken __str__
        message = ""
    record = {
        "type": type(exc).__name__,
        "message": message,
        "line": line,
        "file": file,
        "traceback": text,
        "errno": getattr(exc, "errno", None) if isinstance(exc, OSError) else None,
        "filename": filename if isinstance(filename, str) else None,
        "oserror": isinstance(exc, OSError),
        # the library file where it failed (e.g. "socket.py"), to name a blocked attempt
        "where": os.path.basename(innermost) if innermost and os.path.isabs(innermost) else None,
    }
    if not send(b"E" + repr(record).encode("utf-8", "replace") + b"\n"):
        try:
            sys.stderr.write(text)
        except BaseException:  # noqa: BLE001 - nothing more can be done
            pass


if __name__ == "__main__":
    _main(sys.argv)
