#!/usr/bin/env bash
# End to end in a real terminal (tmux): start vibecode, type an idea, wait for the program, run it,
# answer its question, see the output, change it by chat, undo, then kill the app and reopen it.
# The model is the FAKE ScriptedBackend (VIBECODE_MODEL=scripted:FILE) so the result is fixed;
# everything else (Textual, the sandbox, SQLite) is real.
#   usage: tests/e2e/tmux_e2e.sh [python]     (prints E2E PASS on success)
set -euo pipefail
PY="$(command -v "${1:-python3}")"
PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"  # absolute (not resolved: keep the venv)
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
S="vibe-e2e-$$"
T() { tmux -L "$S" -f /dev/null "$@"; }  # a private tmux server: other sessions can't resize ours
trap 'T kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
export VIBECODE_HOME="$WORK/home"
export VIBECODE_MODEL="scripted:$HERE/scripted_greeting.json"

start() {
  T kill-session -t "$S" 2>/dev/null || true
  T new-session -d -s "$S" -x 120 -y 36 \
    "cd '$WORK' && env -u COLUMNS -u LINES -u ROWS TERM=xterm-256color VIBECODE_HOME='$VIBECODE_HOME' VIBECODE_MODEL='$VIBECODE_MODEL' '$PY' -m vibecode"
}
screen() { T capture-pane -p -t "$S" 2>/dev/null || echo "(the app is not running)"; }
wait_for() {  # wait_for TEXT [SECONDS]
  for _ in $(seq 1 $(( ${2:-20} * 10 ))); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "TIMEOUT waiting for: $1"; screen; exit 1
}
gone() {  # gone TEXT [SECONDS]: wait until TEXT is no longer on screen
  for _ in $(seq 1 $(( ${2:-10} * 10 ))); do
    screen | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  echo "STILL THERE: $1"; screen; exit 1
}

start
wait_for "What do you want to make today?"
T send-keys -t "$S" "a greeting program" Enter
wait_for "Press F5 to run it" 30
wait_for 'print("Hello " + name + "!")'
T send-keys -t "$S" F5
wait_for "What is your name? →" 20  # the answer line is open
T send-keys -t "$S" "Ada" Enter
wait_for "Hello Ada!" 20
wait_for "finished" 20

T send-keys -t "$S" "make it also say thank you" Enter
wait_for 'print("Thank you!")' 30
wait_for "You asked: make it" 10
T send-keys -t "$S" C-z
gone 'print("Thank you!")' 10
T send-keys -t "$S" C-y
wait_for 'print("Thank you!")' 10

# Kill the app without warning (as if the computer lost power), then reopen: the project is there.
T kill-session -t "$S"
start
wait_for "Greeting program" 20
T send-keys -t "$S" Tab
sleep 0.3
T send-keys -t "$S" Enter
wait_for 'print("Thank you!")' 20
T send-keys -t "$S" C-q
echo "E2E PASS"
