#!/bin/sh
# Asks Medic what to do about a Control-M job that ended NOTOK, and does it with the ctm CLI.
#
# Run by the MedicDecide job, which the failed job's If NOTOK orders (see finance-close.json):
#   medic-decide.sh --ctm SERVER --folder FOLDER --job JOB --order-id ORDERID --run-count N
#                   --exit-code CODE --host HOST [--downstream JOB,JOB]
#
# On Medic's answer:
#   retry            wait delay_s, then `ctm run job::rerun SERVER:ORDERID`
#   hold_downstream  `ctm run job::hold` each order of the --downstream jobs in the folder that has
#                    not ended (free them with `ctm run job::free` once people have looked)
#   anything else    nothing more (notify, run_agent: Medic tells people; an answer that requires
#                    approval: Medic runs it once approved); the job stays Ended Not OK
#   no answer        nothing more; the job's own Rerun settings, if any, apply
# Always exits 0: MedicDecide must not fail in its turn.
#
# Needs curl, jq and a ctm CLI with a default environment this user may rerun and hold jobs in.
# MEDIC_URL and MEDIC_TOKEN (a token with the decide scope) come from the environment or from
# MEDIC_ENV_FILE (default /etc/medic/medic.env, readable by this user only). The token is never
# printed and never on a command line.

[ -r "${MEDIC_ENV_FILE:-/etc/medic/medic.env}" ] && . "${MEDIC_ENV_FILE:-/etc/medic/medic.env}"
say() { echo "medic: $*"; }

ctm_server="" folder="" job="" order_id="" run_count=1 exit_code="" host="" downstream=""
while [ $# -ge 2 ]; do
  case "$1" in
    --ctm) ctm_server=$2 ;;
    --folder) folder=$2 ;;
    --job) job=$2 ;;
    --order-id) order_id=$2 ;;
    --run-count) run_count=$2 ;;
    --exit-code) exit_code=$2 ;;
    --host) host=$2 ;;
    --downstream) downstream=$2 ;;
    *) say "unknown option $1: Medic was not asked"; exit 0 ;;
  esac
  shift 2
done
job_id="$ctm_server:$order_id"
if [ -z "${MEDIC_URL:-}" ] || [ -z "$folder" ] || [ -z "$job" ] || [ -z "$order_id" ]; then
  say "MEDIC_URL, --folder, --job and --order-id are needed: Medic was not asked"; exit 0
fi

work=${MEDIC_WORKDIR:-$(mktemp -d)}
[ -n "${MEDIC_WORKDIR:-}" ] || trap 'rm -rf "$work"' EXIT

# The job's output holds the real error; its last lines go to Medic (a failed fetch leaves them out).
ctm run job:output::get "$job_id" > "$work/output.txt" 2>/dev/null || : > "$work/output.txt"
jq -n --arg server "$ctm_server" --arg name "$folder/$job" --arg run "$job_id" --arg runs "$run_count" \
  --arg code "$exit_code" --arg host "$host" --rawfile output "$work/output.txt" '
  ($output | split("\n") | map(select(test("\\S"))) | .[-100:]) as $tail
  | "Control-M job \($name) ended NOTOK (exit code \($code)) on \($host)" as $summary
  | {input: {kind: "failure", source: $server, orchestrator: "controlm", job: {namespace: $server, name: $name},
      run: {key: $run}, attempt: ($runs | tonumber? // 1), requester: $server,
      error: {message: ($tail[-1] // $summary), detail: ([$summary, ""] + $tail | join("\n"))}}}' > "$work/request.json"

[ -n "${MEDIC_TOKEN:-}" ] && auth="header = \"authorization: Bearer $MEDIC_TOKEN\"" || auth=""
code=$(printf '%s\n' "$auth" | curl --config - -sS --max-time "${MEDIC_TIMEOUT_S:-5}" \
  -H 'content-type: application/json' --data-binary "@$work/request.json" \
  -o "$work/answer.json" -w '%{http_code}' "$MEDIC_URL/v1/decide?on_overload=reject") || code="no answer"
if [ "$code" != 200 ]; then
  say "$code from Medic: nothing more is done; $job_id stays Ended Not OK"
  jq -r '"medic: " + (.error.message // empty)' "$work/answer.json" 2>/dev/null
  exit 0
fi

answer() { jq -r "$1" "$work/answer.json"; }
answer '"medic: decision \(.decision_id): \(.result.action) after \(.result.delay_s) s"
  + (if .result.degraded then " [safe default: \(.result.degraded.reason)]" else "" end) + " (\(.result.reason))"'
if [ "$(answer .result.requires_approval)" = true ]; then
  say "waiting for approval $(answer .approval_id): Medic runs it once approved"; exit 0
fi

case "$(answer .result.action)" in
  retry)
    sleep "$(answer '.result.delay_s // 0')"
    if ctm run job::rerun "$job_id" > /dev/null; then say "reran $job_id"; else say "rerun of $job_id refused by Control-M"; fi
    ;;
  hold_downstream)
    for name in $(printf '%s' "$downstream" | tr ',' ' '); do
      ctm run jobs:status::get -s "jobname=$name&folder=$folder&ctm=$ctm_server" 2>/dev/null \
        | jq -r '.statuses[]? | select(.status != "Ended OK" and .status != "Ended Not OK") | .jobId' \
        | while read -r held; do
            if ctm run job::hold "$held" > /dev/null; then say "held $name ($held)"; else say "hold of $held refused by Control-M"; fi
          done
    done
    ;;
  *)
    say "nothing more to do in Control-M: $job_id stays Ended Not OK"
    ;;
esac
exit 0
