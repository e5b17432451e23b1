"""Builds the seccomp filter (a BPF program) with libseccomp, through ctypes.

libseccomp (``libseccomp.so.2``) ships with every Debian/Ubuntu install; it resolves syscall
names for this machine's architecture and adds the architecture checks (a program switching to
the 32-bit or x32 syscall table is killed). The filter is built once per supervisor process and
handed to each child as bytes, so the child needs nothing but ``prctl``.

Policy (a deny list; everything denied answers EPERM so the kid gets an error message, not a
crash): no new processes (threads are fine), no program execution, no sockets, no signals, no
debugging or reading other processes, no namespaces or mounts, no kernel-admin calls, no
TIOCSTI/TIOCLINUX terminal injection, no shared IPC, and no changing file metadata (mode, owner,
times, xattrs), which Landlock does not cover.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import tempfile

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE = 1
SCMP_CMP_MASKED_EQ = 7
CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
CLONE_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80)
TIOCSTI = 0x5412
TIOCLINUX = 0x541C


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


# Syscalls refused with EPERM. Names unknown on this architecture are skipped.
DENIED = (
    # other programs and processes
    "execve", "execveat", "fork", "vfork",
    # network and local sockets
    "socket", "socketpair",
    # other processes: signals, debugging, memory, priority
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "get_robust_list", "process_mrelease",
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
    "migrate_pages", "move_pages", "setpriority", "sched_setscheduler", "sched_setparam",
    "sched_setattr", "ioprio_set",
    # namespaces, mounts, filesystems
    "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
    "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr",
    "name_to_handle_at", "open_by_handle_at", "mknod", "mknodat",
    # kernel attack surface and admin calls
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "quotactl_fd",
    "lookup_dcookie", "vhangup", "uselib", "personality",
    # System V IPC and POSIX message queues shared with other processes
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # File metadata by path: Landlock does not cover chmod, chown, utime or xattrs, so these are refused
    # everywhere (kid programs don't need them; reading and writing files in the folder still works).
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat", "truncate",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "setxattrat",
    "removexattrat",
    # Watching other folders for changes
    "inotify_add_watch", "fanotify_init", "fanotify_mark",
    # Memory files: invisible to the address-space limit and the folder quota
    "memfd_create", "memfd_secret",
)


class SeccompUnavailable(RuntimeError):
    """libseccomp is missing or could not build the filter."""


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _load_libseccomp() -> ctypes.CDLL:
    for name in ("libseccomp.so.2", "libseccomp.so"):
        try:
            return ctypes.CDLL(name, use_errno=True)
        except OSError:
            continue
    raise SeccompUnavailable("libseccomp is not installed (Debian/Ubuntu package: libseccomp2)")


@functools.lru_cache(maxsize=1)
def build_filter() -> bytes:
    """The BPF program as bytes (cached). Raises SeccompUnavailable when it cannot be built."""
    lib = _load_libseccomp()
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        eperm = _errno_action(errno.EPERM)

        def rule(action: int, name: str, *cmps: tuple[int, int, int, int]) -> None:
            """cmps: (argument index, comparison, datum_a, datum_b) as in struct scmp_arg_cmp."""
            nr = lib.seccomp_syscall_resolve_name(name.encode())
            if nr < 0:
                return  # not a syscall on this architecture
            arr = (_ArgCmp * max(len(cmps), 1))(*[_ArgCmp(a, op, x, y) for a, op, x, y in cmps])
            rc = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr if cmps else None)
            if rc < 0:
                raise SeccompUnavailable(f"seccomp rule for {name} failed ({rc})")

        for name in DENIED:
            rule(eperm, name)
        # clone: threads (CLONE_THREAD set) are fine, new processes are not, and never new namespaces.
        rule(eperm, "clone", (0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0))
        for flag in CLONE_NAMESPACE_FLAGS:
            rule(eperm, "clone", (0, SCMP_CMP_MASKED_EQ, flag, flag))
        # clone3 hides its flags in memory; answering ENOSYS makes glibc fall back to clone.
        rule(_errno_action(errno.ENOSYS), "clone3")
        # Typing into a terminal: the request number is compared on its low 32 bits.
        rule(eperm, "ioctl", (1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
        rule(eperm, "ioctl", (1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, TIOCLINUX))
        # I/O signals aimed at another process (F_SETOWN, F_SETOWN_EX, F_SETSIG) would be a way to
        # signal the app; Landlock's signal scope covers them only from ABI 6.
        for command in (8, 15, 10):
            rule(eperm, "fcntl", (1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, command))
        # Limits and CPU pinning of *other* processes of the same user (pid 0 means itself).
        rule(eperm, "prlimit64", (0, SCMP_CMP_NE, 0, 0))
        rule(eperm, "sched_setaffinity", (0, SCMP_CMP_NE, 0, 0))
        with tempfile.TemporaryFile() as out:
            rc = lib.seccomp_export_bpf(ctx, out.fileno())
            if rc < 0:
                raise SeccompUnavailable(f"seccomp_export_bpf failed ({rc})")
            out.seek(0)
            data = out.read()
    finally:
        lib.seccomp_release(ctx)
    if not data or len(data) % 8:
        raise SeccompUnavailable("libseccomp produced an empty filter")
    return data


def kernel_has_seccomp() -> bool:
    """True when this kernel supports seccomp (each run still proves the filter loaded)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(21, 0, 0, 0, 0) >= 0  # PR_GET_SECCOMP: -1/EINVAL without CONFIG_SECCOMP
    except (OSError, AttributeError):
        return False
