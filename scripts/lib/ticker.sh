# Runs a quiet long command with a line every 10 s, so a first install never looks hung.
# Usage: with_ticker PREFIX LABEL command...   (sourced by the install scripts)
with_ticker() {
  local prefix=$1 label=$2
  shift 2
  local began=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (((SECONDS - began) % 10 == 0)) && kill -0 "$pid" 2>/dev/null; then
      echo "$prefix: $label... $((SECONDS - began)) s" >&2 # stderr: callers silence the command's stdout
    fi
  done
  wait "$pid"
}
