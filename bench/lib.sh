# Shared by the bench scripts: `source "$root/bench/lib.sh"` after setting
# $work (a scratch directory).

# Runs a command under GNU time, its output discarded (its stderr shown if
# it fails); sets wall (h:mm:ss), cpu (user+sys seconds, children
# included), rss (peak, MB) and vol (voluntary context switches).
measure() {
  local out=$work/time.txt
  /usr/bin/time -v -o "$out" "$@" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  local user sys
  user=$(sed -n 's/.*User time (seconds): //p' "$out")
  sys=$(sed -n 's/.*System time (seconds): //p' "$out")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  rss=$(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out") / 1024 ))
  vol=$(sed -n 's/.*Voluntary context switches: //p' "$out")
}
