# Sourced by run-samples and test-standalone: start_dev_server <hdo binary> <folder> starts
# `hdo server start-dev` on a free port (--port 0) with its database in <folder>, waits (at most
# 60 s) for its "server started" line and sets DEV_SERVER_PID and DEV_SERVER_ADDRESS;
# stop_dev_server stops it.
start_dev_server() {
  local hdo="$1" dir="$2" i
  : >"$dir/server.log"
  "$hdo" server start-dev --port 0 --db-filename "$dir/hdo.db" >"$dir/server.log" 2>&1 &
  DEV_SERVER_PID=$!
  DEV_SERVER_ADDRESS=""
  for ((i = 0; i < 600; i++)); do
    DEV_SERVER_ADDRESS=$(sed -n 's/.*msg="server started".* grpc_address=\([^ ]*\).*/\1/p' \
      "$dir/server.log" | head -n 1)
    [[ -n "$DEV_SERVER_ADDRESS" ]] && return 0
    if ! kill -0 "$DEV_SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "hdo server start-dev did not start; its log:" >&2
  cat "$dir/server.log" >&2
  return 1
}

stop_dev_server() {
  if [[ -n "${DEV_SERVER_PID:-}" ]]; then
    kill "$DEV_SERVER_PID" 2>/dev/null || true
    wait "$DEV_SERVER_PID" 2>/dev/null || true
    DEV_SERVER_PID=""
  fi
}
