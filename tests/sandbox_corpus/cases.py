"""The hostile corpus (and ordinary kid programs that must keep working) for the sandbox tests.

Each case is a program plus what must hold. The global checks done from outside for every case
(canaries, listeners, leftover processes, output cap, escape bytes, memory, secrets) live in
tests/test_sandbox_corpus.py. ``@@NAME@@`` placeholders are filled in by the test.

Several programs print a marker like PWNED only if the forbidden thing worked: the marker must
never appear in what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

V_LOOP = {"too_much_thinking", "too_long"}
BLOCKED_PROGRAM = {"other_program"}


@dataclass
class Case:
    name: str
    source: str
    verdicts: set[str]
    must_print: tuple[str, ...] = ()
    must_not_print: tuple[str, ...] = ("PWNED",)
    stdin_lines: list[str] | None = None
    limits: dict = field(default_factory=dict)
    project_files: dict[str, str] = field(default_factory=dict)
    ordinary: bool = False  # a normal kid program that must keep working
    tty_self_test: bool = False


FAST = {"wall_seconds": 3.0, "cpu_seconds": 1.0}

HOSTILE: list[Case] = [
    # --- time ---------------------------------------------------------------------------------
    Case("infinite_loop", "while True:\n    pass\n", V_LOOP, limits=FAST),
    Case("loop_after_output", "print('started')\nwhile True:\n    pass\n", V_LOOP, must_print=("started",), limits=FAST),
    Case("sleep_forever", "import time\ntime.sleep(1e9)\n", {"too_long"}, limits=FAST),
    Case("giant_integer", "x = 10 ** 10 ** 8\nprint(x)\n", V_LOOP | {"too_much_memory", "mistake"}, limits=FAST),
    Case("integer_to_text_bomb", "print(len(str(2 ** 10 ** 7)))\n", V_LOOP | {"mistake"}, limits=FAST),
    Case("waiting_claim_then_sleep", "import os, time\nos.write(3, b'W\\n')\ntime.sleep(1e9)\n", {"too_long"},
         limits=FAST),
    # --- output ---------------------------------------------------------------------------------
    Case("print_flood", "while True:\n    print('spam ' * 20)\n", {"too_much_output"}),
    Case("write_flood_no_newline", "import sys\nwhile True:\n    sys.stdout.write('x' * 10000)\n", {"too_much_output"}),
    Case("stderr_flood", "import sys\nwhile True:\n    print('oops ' * 50, file=sys.stderr)\n", {"too_much_output"}),
    Case("control_pipe_flood", "import os\nwhile True:\n    os.write(3, b'Bnetwork' * 1000)\n",
         {"too_much_output", "mistake", "network"}),
    Case("terminal_escape_injection",
         "print('\\x1b[2J\\x1b[31mred\\x1b[0m \\x1b]0;TITLE\\x07 \\x1b]52;c;aGVsbG8=\\x07 bell\\x07 "
         "C1\\x9b2J \\u202eevil\\u202c over\\rwrite \\x1bPdcs\\x1b\\\\ end')\n"
         "import sys\nsys.stdout.buffer.write(b'\\x1b[1;1H\\x1b[?1049h raw\\n')\n",
         {"ok"}, must_print=("red", "end", "raw"), must_not_print=("TITLE", "aGVsbG8")),
    Case("bad_utf8_bytes", "import os\nos.write(1, b'ok \\xff\\xfe\\xc3( \\xe2\\x82 done\\n')\n", {"ok"},
         must_print=("ok", "done")),
    # --- memory ---------------------------------------------------------------------------------
    Case("memory_bomb_list", "x = []\nwhile True:\n    x.append(' ' * 10 ** 6)\n", {"too_much_memory"} | V_LOOP),
    Case("memory_bomb_single", "b = bytearray(3 * 1024 ** 3)\nprint(len(b))\n", {"too_much_memory"}),
    Case("memory_bomb_mmap", "import mmap\nm = mmap.mmap(-1, 2 ** 33)\nm[-1] = 1\nprint('PWNED')\n",
         {"too_much_memory", "mistake"}),
    Case("thread_bomb", "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(100,)).start()\n",
         {"too_much_memory"} | V_LOOP, limits=FAST),
    # --- other programs -------------------------------------------------------------------------
    Case("fork_bomb", "import os\nwhile True:\n    os.fork()\n", BLOCKED_PROGRAM),
    Case("fork_once", "import os\npid = os.fork()\nprint('PWNED', pid)\n", BLOCKED_PROGRAM),
    Case("daemon_escape",
         "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(60)\n"
         "    os._exit(0)\nprint('PWNED')\n", BLOCKED_PROGRAM),
    Case("os_system", "import os\nr = os.system('echo PWNED; touch /tmp/vibecode-sbx-pwned')\nprint('result', r)\n",
         BLOCKED_PROGRAM),
    Case("subprocess_run", "import subprocess\nsubprocess.run(['/bin/echo', 'PWNED'])\n", BLOCKED_PROGRAM),
    Case("subprocess_shell", "import subprocess\nprint(subprocess.check_output('echo PWNED', shell=True))\n",
         BLOCKED_PROGRAM),
    Case("os_exec", "import os\nos.execv('/bin/echo', ['echo', 'PWNED'])\n", BLOCKED_PROGRAM),
    Case("os_posix_spawn", "import os\npid = os.posix_spawn('/bin/echo', ['echo', 'PWNED'], {})\nos.waitpid(pid, 0)\n",
         BLOCKED_PROGRAM),
    Case("ctypes_system", "import ctypes\nlibc = ctypes.CDLL(None)\nprint('rc', libc.system(b'echo PWNED'))\n",
         BLOCKED_PROGRAM),
    Case("posixsubprocess_fork_exec",
         "import _posixsubprocess, os\nr, w = os.pipe()\n"
         "common = [[b'/bin/sh', b'-c', b'echo PWNED'], [b'/bin/sh'], True, (), None, None,\n"
         "          -1, -1, -1, -1, -1, -1, r, w, True, False]\n"
         "tails = [[-1, None, -1, None, -1, None], [-1, None, -1, None, -1, None, True],\n"
         "         [-1, -1, None, -1, -1, None, True], [-1, None, -1, None, -1, None, True, None]]\n"
         "for tail in tails:\n"
         "    try:\n"
         "        _posixsubprocess.fork_exec(*(common + tail))\n"
         "        break\n"
         "    except TypeError:\n"
         "        continue\n",
         BLOCKED_PROGRAM | {"mistake"}),
    Case("multiprocessing_process",
         "import multiprocessing\np = multiprocessing.Process(target=print, args=('PWNED',))\np.start()\np.join()\n",
         BLOCKED_PROGRAM | {"mistake"}),
    Case("pty_fork", "import pty\npid, fd = pty.fork()\nprint('PWNED', pid)\n", BLOCKED_PROGRAM | {"mistake"}),
    Case("dunder_import_os", "__import__('os').system('echo PWNED')\n", BLOCKED_PROGRAM),
    Case("subclasses_walk",
         "for c in ().__class__.__base__.__subclasses__():\n"
         "    if c.__name__ == '_wrap_close':\n"
         "        c.__init__.__globals__['system']('echo PWNED')\n"
         "        break\n"
         "else:\n"
         "    import os; os.system('echo PWNED')\n", BLOCKED_PROGRAM),
    Case("pickle_reduce",
         "import pickle, os\nclass Evil:\n    def __reduce__(self):\n        return (os.system, ('echo PWNED',))\n"
         "pickle.loads(pickle.dumps(Evil()))\n", BLOCKED_PROGRAM),
    Case("frame_walk_globals",
         "import sys\nf = sys._getframe()\nwhile f.f_back is not None:\n    f = f.f_back\n"
         "g = f.f_globals\nprint(sorted(k for k in g if not k.startswith('__'))[:3])\n"
         "g.get('os', __import__('os')).system('echo PWNED')\n", BLOCKED_PROGRAM),
    Case("nested_user_namespace",
         "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "if libc.unshare(0x10000000) == 0:\n    print('PWNED unshare')\nelse:\n    print('unshare refused')\n",
         {"ok"}, must_print=("unshare refused",)),
    Case("ptrace_parent",
         "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "if libc.ptrace(16, os.getppid(), 0, 0) == 0:\n    print('PWNED attached')\nelse:\n    print('ptrace refused')\n",
         {"ok", "control_other"}, must_print=("ptrace refused",)),
    Case("ctypes_segfault", "import ctypes\nctypes.string_at(0)\n", {"crashed"}),
    # --- network --------------------------------------------------------------------------------
    Case("socket_tcp_loopback", "import socket\ns = socket.create_connection(('127.0.0.1', @@TCP_PORT@@), timeout=2)\n"
         "s.sendall(b'PWNED')\n", {"network"}),
    Case("socket_udp_loopback", "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "s.sendto(b'PWNED', ('127.0.0.1', @@UDP_PORT@@))\n", {"network"}),
    Case("socket_unix_abstract", "import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
         "s.connect('\\0@@ABSTRACT@@')\ns.sendall(b'PWNED')\n", {"network"}),
    Case("socket_unix_path", "import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
         "s.connect('@@UNIX_PATH@@')\ns.sendall(b'PWNED')\n", {"network"}),
    Case("socketpair", "import socket\na, b = socket.socketpair()\nprint('PWNED pair')\n", {"network"}),
    # "Beyond": only a documentation address (TEST-NET-1), and the socket call itself must be refused.
    Case("socket_beyond_refused",
         "import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nexcept PermissionError:\n"
         "    print('SOCKET REFUSED')\nelse:\n    print('PWNED socket made')\n    s.close()\n",
         {"network"}, must_print=("SOCKET REFUSED",)),
    Case("socket_beyond_tcp", "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)\n", {"network"}),
    Case("dns_lookup", "import socket\nprint('PWNED', socket.getaddrinfo('example.com', 80))\n", {"network"}),
    Case("urllib_fetch", "import urllib.request\nprint('PWNED', urllib.request.urlopen('http://192.0.2.1/', timeout=1))\n",
         {"network"}),
    # --- files ----------------------------------------------------------------------------------
    Case("read_etc_passwd", "print(open('/etc/passwd').read())\n", {"file_outside"}, must_not_print=("root:",)),
    Case("read_home_canary", "print(open('@@HOME_CANARY@@').read())\n", {"file_outside"}),
    Case("read_ssh_key", "print(open('@@SSH_KEY@@').read())\n", {"file_outside"}),
    Case("list_home", "import os\nprint(os.listdir('@@HOME@@'))\n", {"file_outside"}, must_not_print=("canary",)),
    Case("list_tmp", "import os\nprint('PWNED', os.listdir('/tmp'))\n", {"file_outside"}),
    Case("proc_parent_environ", "import os\nprint(open(f'/proc/{os.getppid()}/environ').read())\n", {"file_outside"}),
    Case("proc_parent_root", "import os\nprint(open(f'/proc/{os.getppid()}/root@@SECRET_FILE@@').read())\n",
         {"file_outside"}),
    Case("env_exfiltration", "import os\nprint(dict(os.environ))\n", {"ok"}),
    Case("inherited_fds",
         "import os\nfor fd in range(3, 100):\n    try:\n        print(fd, os.read(fd, 200))\n    except OSError:\n"
         "        pass\n", {"ok"}),
    Case("format_string_walk",
         "class A:\n    def __init__(self):\n        pass\nprint('{0.__init__.__globals__[__builtins__]}'.format(A())[:50])\n"
         "import os\nprint('{0.environ}'.format(os))\n", {"ok"}),
    Case("write_outside", "open('@@OUTSIDE@@/pwned.txt', 'w').write('PWNED')\n", {"file_outside"}),
    Case("write_dev_shm", "open('/dev/shm/vibecode-sbx-pwned', 'w').write('PWNED')\n", {"file_outside"}),
    Case("overwrite_canary", "open('@@HOME_CANARY@@', 'w').write('PWNED')\n", {"file_outside"}),
    Case("delete_canary", "import os\nos.remove('@@HOME_CANARY@@')\n", {"file_outside"}),
    Case("rename_canary_in", "import os\nos.rename('@@HOME_CANARY@@', 'stolen.txt')\n", {"file_outside"}),
    Case("symlink_read_escape", "import os\nos.symlink('@@SSH_KEY@@', 'key')\nprint(open('key').read())\n",
         {"file_outside"}),
    Case("symlink_write_escape", "import os\nos.symlink('@@OUTSIDE@@', 'out')\nopen('out/pwned.txt', 'w').write('x')\n",
         {"file_outside"}),
    Case("hardlink_escape", "import os\nos.link('@@HOME_CANARY@@', 'hl')\nprint(open('hl').read())\n",
         {"file_outside"}),
    Case("symlink_left_for_readback", "import os\nos.symlink('@@SSH_KEY@@', 'result.txt')\n"
         "os.symlink('/etc/passwd', 'passwd.txt')\nprint('left links')\n", {"ok"}),
    Case("chmod_own_folder", "import os\nos.mkdir('d')\nopen('d/x', 'w').write('x')\nos.chmod('d', 0)\nos.chmod('.', 0o500)\n"
         "print('PWNED locked')\n", {"mistake"}),  # chmod is refused (Landlock does not cover it)
    Case("disk_fill", "data = b'x' * (4 * 1024 * 1024)\nfor i in range(100):\n    with open(f'f{i}.bin', 'wb') as f:\n"
         "        f.write(data)\n", {"too_much_disk"}, limits={"wall_seconds": 10.0}),
    Case("file_too_big", "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (20 * 1024 * 1024))\n",
         {"too_much_disk"}),
    Case("fd_exhaustion", "fs = []\nwhile True:\n    fs.append(open('main.py'))\n", {"mistake"}),
    # --- other processes and the terminal -------------------------------------------------------
    Case("signal_parent", "import os\nos.kill(os.getppid(), 9)\nprint('PWNED')\n", {"control_other"}),
    Case("signal_victim", "import os\nos.kill(@@VICTIM_PID@@, 9)\nprint('PWNED')\n", {"control_other"}),
    Case("signal_everyone", "import os\nos.kill(-1, 9)\nprint('PWNED')\n", {"control_other"}),
    Case("dev_tty_tiocsti",
         "import fcntl, termios, os\nfor path in ('/dev/tty',):\n    try:\n        fd = os.open(path, os.O_RDWR)\n"
         "        fcntl.ioctl(fd, termios.TIOCSTI, b'X')\n        print('PWNED tty')\n    except OSError as e:\n"
         "        print('tty refused', e.errno)\n"
         "for fd in (0, 1, 2):\n    try:\n        fcntl.ioctl(fd, termios.TIOCSTI, b'Y')\n        print('PWNED fd', fd)\n"
         "    except OSError:\n        pass\n", {"ok"}, must_print=("tty refused",)),
    # --- Python itself --------------------------------------------------------------------------
    Case("deep_recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", {"too_deep"}),
    Case("deep_recursion_raised_limit", "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1) + 1\n"
         "f(0)\n", {"too_deep", "crashed", "too_much_memory"} | V_LOOP, limits=FAST),
    Case("closed_stdin", "import sys\nsys.stdin.close()\nprint(input('name? '))\n", {"mistake", "needed_input"}),
    Case("closed_all_pipes_then_loop", "import os\nfor fd in (0, 1, 2, 3):\n    os.close(fd)\nwhile True:\n    pass\n",
         V_LOOP, limits=FAST),
    Case("stdlib_shadowing",
         "import os\nprint(open('/etc/passwd').read())\n",
         {"file_outside"}, must_not_print=("PWNED", "root:"),
         project_files={
             "resource.py": "print('PWNED resource')\n",
             "_ctypes.py": "print('PWNED ctypes')\n",
             "io.py": "print('PWNED io')\n",
             "sitecustomize.py": "print('PWNED site')\n",
             "usercustomize.py": "print('PWNED user')\n",
             "encodings/__init__.py": "print('PWNED encodings')\n",
         }),
    Case("forged_error_record", "import os\nos.write(3, b'Xfake refusal\\nE{\"type\": \"MemoryError\"}\\n')\nprint('done')\n",
         {"ok", "too_much_memory", "not_protected"}, must_print=("done",)),
    Case("tty_control_injection_detected", "print('hello')\n", {"ok"}, must_print=("hello",), tty_self_test=True),
]

ORDINARY: list[Case] = [
    Case("works_hello_input", "name = input('What is your name? ')\nprint('Hello, ' + name + '!')\n", {"ok"},
         must_print=("What is your name? Ana", "Hello, Ana!"), stdin_lines=["Ana"], ordinary=True),
    Case("works_number_game",
         "import random\nrandom.seed(4)\nsecret = random.randint(1, 10)\ntries = 0\nwhile True:\n"
         "    guess = int(input('Guess: '))\n    tries += 1\n    if guess == secret:\n        print('You got it in', tries)\n"
         "        break\n    print('Too low' if guess < secret else 'Too high')\n",
         {"ok"}, must_print=("You got it in",), stdin_lines=[str(i) for i in range(1, 11)], ordinary=True),
    Case("works_random", "import random\nprint(sorted(random.sample(range(100), 5)))\nprint(random.choice(['a', 'b']))\n",
         {"ok"}, ordinary=True),
    Case("works_time", "import time, datetime\nstart = time.time()\ntime.sleep(0.1)\nprint(round(time.time() - start, 1))\n"
         "print(datetime.datetime.now().year > 2000)\nprint(time.strftime('%H:%M', time.localtime()))\n",
         {"ok"}, must_print=("True",), ordinary=True),
    Case("works_math", "import math\nprint(math.sqrt(16), math.pi > 3, math.factorial(10))\n", {"ok"},
         must_print=("4.0 True 3628800",), ordinary=True),
    Case("works_files_in_folder",
         "with open('notes.txt', 'w') as f:\n    f.write('lemonade: 3\\n')\nimport os\nos.makedirs('data', exist_ok=True)\n"
         "with open('data/more.txt', 'w') as f:\n    f.write('cookies: 5')\nprint(open('notes.txt').read().strip())\n"
         "print(sorted(os.listdir('.')))\nos.remove('data/more.txt')\n",
         {"ok"}, must_print=("lemonade: 3",), ordinary=True),
    Case("works_threads",
         "import threading\ntotal = 0\nlock = threading.Lock()\ndef add():\n    global total\n    for _ in range(1000):\n"
         "        with lock:\n            total += 1\nts = [threading.Thread(target=add) for _ in range(4)]\n"
         "for t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint('total', total)\n",
         {"ok"}, must_print=("total 4000",), ordinary=True),
    Case("works_unicode", "print('héllo wörld 🍋 你好')\n", {"ok"}, must_print=("héllo wörld 🍋 你好",), ordinary=True),
    Case("works_lemonade_stand",
         "prices = {'lemonade': 2, 'cookie': 1}\nmoney = 0\nwhile True:\n    item = input('What do you want? ')\n"
         "    if item == 'done':\n        break\n    if item in prices:\n        money += prices[item]\n"
         "        print(f'Thanks! That is ${prices[item]}.')\n    else:\n        print('Sorry, we do not sell that.')\n"
         "print(f'We made ${money} today!')\n",
         {"ok"}, must_print=("We made $5 today!",), stdin_lines=["lemonade", "cookie", "pizza", "lemonade", "done"],
         ordinary=True),
    Case("works_project_module", "import shop\nprint(shop.price('apple'))\n", {"ok"}, must_print=("3",),
         project_files={"shop.py": "def price(name):\n    return {'apple': 3}[name]\n"}, ordinary=True),
    Case("works_stdlib_mix",
         "import json, collections, itertools, statistics, fractions, decimal, string, textwrap, re\n"
         "print(json.dumps({'a': 1}), collections.Counter('aab')['a'], statistics.mean([1, 2, 3]))\n"
         "print(fractions.Fraction(1, 3) + fractions.Fraction(1, 6), decimal.Decimal('0.1') * 3)\n",
         {"ok"}, must_print=('{"a": 1} 2 2', "1/2 0.3"), ordinary=True),
    Case("works_error_shown", "x = 5\nprint('before')\nprint(y)\n", {"mistake"}, must_print=("before",), ordinary=True),
    Case("works_input_runs_out", "a = input('one? ')\nb = input('two? ')\nprint(a, b)\n", {"needed_input"},
         stdin_lines=["1"], ordinary=True),
    Case("works_sys_exit_zero", "import sys\nprint('bye')\nsys.exit(0)\n", {"ok"}, must_print=("bye",), ordinary=True),
]

ALL = HOSTILE + ORDINARY

HOSTILE += [
    Case("prlimit_other_process",
         "import resource, os\ntry:\n    resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (3, 3))\n"
         "    print('PWNED prlimit')\nexcept OSError:\n    print('prlimit refused')\n"
         "resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))\nprint('own limit ok')\n",
         {"ok"}, must_print=("prlimit refused", "own limit ok")),
]
ALL = HOSTILE + ORDINARY

HOSTILE += [
    Case("clone_thread_with_new_namespace",
         "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "flags = 0x00010000 | 0x00000800 | 0x00000100 | 0x20000000 | 0x40000000\n"
         "import platform\nnr = {'x86_64': 56, 'aarch64': 220}.get(platform.machine(), 56)\n"
         "r = libc.syscall(nr, flags, 0, 0, 0, 0)\nprint('clone result', r, ctypes.get_errno())\n",
         {"ok"}, must_print=("clone result -1",)),
]
ALL = HOSTILE + ORDINARY

HOSTILE += [
    Case("metadata_change_outside",
         "import os\nfor name, fn in [('chmod', lambda: os.chmod('@@SSH_KEY@@', 0o777)),\n"
         "                 ('utime', lambda: os.utime('@@HOME_CANARY@@', (0, 0))),\n"
         "                 ('chown', lambda: os.chown('@@HOME_CANARY@@', -1, -1)),\n"
         "                 ('setxattr', lambda: os.setxattr('@@HOME_CANARY@@', 'user.pwned', b'1')),\n"
         "                 ('truncate', lambda: os.truncate('@@HOME_CANARY@@', 0))]:\n"
         "    try:\n        fn()\n        print('PWNED', name)\n    except OSError as e:\n        print(name, 'refused')\n",
         {"ok"}, must_print=("chmod refused", "utime refused", "truncate refused")),
    Case("shared_memory_attach",
         "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nfor shmid in range(0, 64):\n"
         "    if libc.shmat(shmid, None, 0) not in (-1, 0xffffffffffffffff, 0xffffffff):\n        print('PWNED shm', shmid)\n"
         "print('shm done')\n", {"ok"}, must_print=("shm done",)),
]
ALL = HOSTILE + ORDINARY

HOSTILE += [
    Case("sigio_to_parent",
         "import fcntl, os\ntry:\n    fcntl.fcntl(0, fcntl.F_SETOWN, os.getppid())\n    print('PWNED setown')\n"
         "except OSError:\n    print('setown refused')\n"
         "fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_ASYNC)\nprint(input('more? '))\n",
         {"ok"}, must_print=("setown refused",), stdin_lines=["x"]),
]
ALL = HOSTILE + ORDINARY
