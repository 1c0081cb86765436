"""Ask Medic what to do about a failed Airflow task, and do what Airflow supports of the answer.

Use it as task callbacks (in ``default_args`` or on one task)::

    from medic_callback import medic_on_failure, medic_on_retry

    default_args = {"on_failure_callback": medic_on_failure, "on_retry_callback": medic_on_retry}

or install ``medic_listener.py`` as a plugin instead (one or the other, not both: each failure
would be decided twice).

What happens on each answer of ``POST /v1/decide``:

* ``retry`` after the last try (``on_failure_callback``): a small helper process waits ``delay_s``,
  waits until Airflow has recorded the try as ``failed``, then clears that task instance through
  Airflow's REST API (``POST /api/v1|v2/dags/{dag_id}/clearTaskInstances``, only failed ones),
  so the scheduler runs it again. Not done inside the callback itself: Airflow 3 kills a task
  process ``[core] task_success_overtime`` (20 s) after the task reported its state, and in
  Airflow 3 the ``failed`` state is only recorded once the task process has exited.
* ``retry`` while Airflow still has retries left (``on_retry_callback``): Airflow's own retry
  stands, after the task's ``retry_delay``; Medic's ``delay_s`` is logged, not applied.
* ``hold_downstream``: the DAG is paused (``PATCH /api/v1|v2/dags/{dag_id}``,
  ``is_paused: true``): running tasks finish, nothing more of the DAG is queued, in any run,
  until someone unpauses it. See README.md for why pausing and not ``skipped``.
* ``notify``, ``run_agent``, anything else: nothing more here; Medic tells people.
* an answer that ``requires_approval``: nothing here; Medic runs the action once approved.
* no answer (Medic unreachable, slow, overloaded, refusing): nothing; the task's own retry
  policy applies. A callback never raises.

Configuration, all from the environment, read at each call:

``MEDIC_URL`` (required), ``MEDIC_TOKEN`` (a token with the ``decide`` scope; never logged),
``MEDIC_SOURCE`` (the Airflow instance as Medic names it; default ``AIRFLOW__OPENLINEAGE__NAMESPACE``,
else ``airflow``), ``MEDIC_TIMEOUT_S`` (default 3), ``MEDIC_ACT`` (``off``: ask and log only, when
Medic executes the actions itself), ``MEDIC_AIRFLOW_API_URL`` (Airflow's API base URL; without it
nothing is cleared or paused), ``MEDIC_AIRFLOW_API`` (``v1`` for Airflow 2, ``v2`` for Airflow 3;
default from the installed Airflow, else ``v2``), ``MEDIC_AIRFLOW_USERNAME`` and
``MEDIC_AIRFLOW_PASSWORD`` (basic auth on v1; exchanged for a JWT at ``POST /auth/token`` on v2),
``MEDIC_RETRY_LOG`` (a file the retry helper appends to; default: its output is discarded).

Standard library only; Airflow itself is never imported here.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Mapping, Optional

log = logging.getLogger("medic.airflow")

#: Medic refuses longer texts (``error.message`` up to 100,000 characters, ``error.detail`` up to 1,000,000).
_MAX_MESSAGE = 100_000
_MAX_DETAIL = 1_000_000


@dataclass(frozen=True)
class Settings:
    """What the module needs from the environment."""

    medic_url: str
    token: str
    source: str
    timeout_s: float
    act: bool
    airflow_api_url: str
    airflow_api: str
    airflow_username: str
    airflow_password: str
    retry_log: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            medic_url=env.get("MEDIC_URL", "").rstrip("/"),
            token=env.get("MEDIC_TOKEN", ""),
            source=env.get("MEDIC_SOURCE") or env.get("AIRFLOW__OPENLINEAGE__NAMESPACE") or "airflow",
            timeout_s=float(env.get("MEDIC_TIMEOUT_S", "3")),
            act=env.get("MEDIC_ACT", "on").lower() not in ("off", "0", "false", "no"),
            airflow_api_url=env.get("MEDIC_AIRFLOW_API_URL", "").rstrip("/"),
            airflow_api=env.get("MEDIC_AIRFLOW_API") or _installed_airflow_api(),
            airflow_username=env.get("MEDIC_AIRFLOW_USERNAME", ""),
            airflow_password=env.get("MEDIC_AIRFLOW_PASSWORD", ""),
            retry_log=env.get("MEDIC_RETRY_LOG", ""),
        )

    def redact(self, text: str) -> str:
        """The text with every secret this module knows replaced: error texts come from elsewhere."""
        for secret in (self.token, self.airflow_password):
            if secret:
                text = text.replace(secret, "***")
        return text


def _installed_airflow_api() -> str:
    try:
        from airflow import __version__  # only a version string; Airflow is optional here
    except ImportError:
        return "v2"
    return "v1" if __version__.startswith("2.") else "v2"


@dataclass(frozen=True)
class Failure:
    """One failed try of a task instance, as the callback context or the listener gives it."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    #: Airflow retries it by itself (the task instance is ``up_for_retry``).
    will_retry: bool
    message: str
    detail: str


@dataclass(frozen=True)
class Outcome:
    """What the module did about one failure: returned for tests, and logged."""

    action: Optional[str]
    done: str
    decision_id: Optional[str] = None


# --- entry points -------------------------------------------------------------------------------

def medic_on_failure(context: Mapping[str, Any]) -> Optional[Outcome]:
    """``on_failure_callback``: the task failed for good (no retries left, or none configured)."""
    return without_raising(lambda: handle(failure_from_context(context, will_retry=False)))


def medic_on_retry(context: Mapping[str, Any]) -> Optional[Outcome]:
    """``on_retry_callback``: the task failed and Airflow will retry it."""
    return without_raising(lambda: handle(failure_from_context(context, will_retry=True)))


def without_raising(work) -> Optional[Outcome]:
    # A callback must never fail the task's finalisation: anything unexpected is logged and dropped.
    try:
        return work()
    except Exception as err:  # noqa: BLE001
        try:
            text = Settings.from_env().redact(f"{type(err).__name__}: {err}")
        except Exception:  # noqa: BLE001  (the settings themselves are broken: say no more than the type)
            text = type(err).__name__
        log.warning("Medic callback failed: %s", text)
        return None


def handle(failure: Failure, settings: Optional[Settings] = None) -> Outcome:
    """Asks Medic about one failure and acts on the answer."""
    s = settings or Settings.from_env()
    if not s.medic_url:
        return _logged(Outcome(None, "MEDIC_URL is not set: Medic was not asked"))
    answer = ask_medic(decide_request(failure, s), s)
    if answer is None:
        return _logged(Outcome(None, "no answer from Medic: the task's own retry policy applies"))
    result = answer.get("result") or {}
    action = str(result.get("action"))
    decision_id = answer.get("decision_id")
    degraded = (result.get("degraded") or {}).get("reason")
    log.info("Medic decision %s for %s.%s try %d: %s%s (%s)", decision_id, failure.dag_id, failure.task_id,
             failure.try_number, action, f" [safe default: {degraded}]" if degraded else "", result.get("reason", ""))
    try:
        done = act(answer, failure, s)
    except Exception as err:  # noqa: BLE001  (Airflow's API down or refusing: the failure stays as it is)
        done = f"could not act on {action}: {s.redact(f'{type(err).__name__}: {err}')}"
    return _logged(Outcome(action, done, decision_id))


def _logged(outcome: Outcome) -> Outcome:
    log.log(logging.WARNING if outcome.action is None else logging.INFO, "Medic: %s", outcome.done)
    return outcome


# --- the question -------------------------------------------------------------------------------

def failure_from_context(context: Mapping[str, Any], will_retry: bool) -> Failure:
    """Reads a callback's context (the same keys in Airflow 2.10 and 3.x)."""
    ti = context.get("ti") or context.get("task_instance")
    task = context.get("task") or getattr(ti, "task", None)
    return failure_from_task_instance(ti, context.get("exception"), will_retry,
                                      run_id=context.get("run_id"), task=task, reason=context.get("reason"))


def failure_from_task_instance(ti: Any, error: Any, will_retry: bool, run_id: Optional[str] = None,
                               task: Any = None, reason: Optional[str] = None) -> Failure:
    """Reads a task instance (Airflow 2's ``TaskInstance`` or Airflow 3's ``RuntimeTaskInstance``)."""
    message, trace = _describe(error, reason)
    operator = getattr(ti, "operator", None) or (type(task).__name__ if task is not None else None)
    try_number, max_tries = int(getattr(ti, "try_number", 1) or 1), int(getattr(ti, "max_tries", 0) or 0)
    facts = [
        f"dag_id: {ti.dag_id}", f"task_id: {ti.task_id}", f"run_id: {run_id or ti.run_id}",
        f"try: {try_number} of {max_tries + 1}", f"operator: {operator}",
        f"hostname: {getattr(ti, 'hostname', None)}", f"log: {getattr(ti, 'log_url', None)}",
    ]
    map_index = getattr(ti, "map_index", None)
    return Failure(
        dag_id=ti.dag_id, task_id=ti.task_id, run_id=run_id or ti.run_id, map_index=-1 if map_index is None else int(map_index),
        try_number=max(1, try_number), will_retry=will_retry,
        message=message[:_MAX_MESSAGE], detail=("\n".join(facts) + ("\n\n" + trace if trace else ""))[:_MAX_DETAIL],
    )


def _describe(error: Any, reason: Optional[str]) -> tuple[str, str]:
    """The error's one-line message (``module.Type: text``, as Airflow logs it) and its traceback."""
    if isinstance(error, BaseException):
        line = "".join(traceback.format_exception_only(type(error), error)).strip()
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__)) if error.__traceback__ else ""
        return line or type(error).__name__, trace
    if error:
        return str(error), ""
    return f"task failed without an exception ({reason or 'marked failed, timed out or killed'})", ""


def decide_request(f: Failure, s: Settings) -> dict:
    """The body of ``POST /v1/decide``; the job is named as Airflow's OpenLineage integration names it."""
    return {"input": {
        "kind": "failure", "source": s.source, "orchestrator": "airflow",
        "job": {"namespace": s.source, "name": f"{f.dag_id}.{f.task_id}"},
        "run": {"key": f.run_id}, "attempt": f.try_number, "requester": s.source,
        "error": {"message": f.message or "task failed", "detail": f.detail},
    }}


def ask_medic(body: dict, s: Settings) -> Optional[dict]:
    """Medic's answer, or None when there is none in time. ``on_overload=reject``: a 429 now beats a late answer."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    if s.token:
        headers["authorization"] = f"Bearer {s.token}"
    req = urllib.request.Request(f"{s.medic_url}/v1/decide?on_overload=reject", data=json.dumps(body).encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=s.timeout_s) as res:
            return json.loads(res.read())
    except urllib.error.HTTPError as err:
        log.warning("Medic answered %s: %s", err.code, s.redact(_error_text(err)))
    except (OSError, ValueError) as err:  # unreachable, timed out, reset, or not JSON
        log.warning("no answer from Medic (timeout %s s): %s", s.timeout_s, s.redact(f"{type(err).__name__}: {err}"))
    return None


def _error_text(err: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(err.read()).get("error", {}).get("message", err.reason))
    except (OSError, ValueError, AttributeError):
        return str(err.reason)


# --- the action ---------------------------------------------------------------------------------

def act(answer: dict, f: Failure, s: Settings) -> str:
    """Does what Airflow supports of the answer; returns what was done."""
    result = answer.get("result") or {}
    action, delay_s = result.get("action"), int(result.get("delay_s") or 0)
    if result.get("requires_approval"):
        return f"waiting for approval {answer.get('approval_id')}: Medic runs the {action} once approved"
    if not s.act:
        return f"MEDIC_ACT=off: {action} logged, not acted on"
    if action == "retry":
        if f.will_retry:
            return f"Airflow's own retry stands, after the task's retry_delay (Medic suggested {delay_s} s)"
        if not s.airflow_api_url:
            return "retry asked, but MEDIC_AIRFLOW_API_URL is not set: nothing cleared"
        spawn_clear_after(f, delay_s, s)
        return f"{f.dag_id}.{f.task_id} in {f.run_id} will be cleared in {delay_s} s by a helper process"
    if action == "hold_downstream":
        if not s.airflow_api_url:
            return "hold asked, but MEDIC_AIRFLOW_API_URL is not set: nothing paused"
        AirflowApi(s).pause_dag(f.dag_id)
        return f"paused DAG {f.dag_id}: nothing more of it is queued until someone unpauses it"
    return f"nothing to do in Airflow for {action}: Medic tells people"


def spawn_clear_after(f: Failure, delay_s: int, s: Settings) -> None:
    """Starts the helper that clears the task instance later, detached from the task's process:
    its own session, no inherited stdio (Airflow 3 talks to the task process over those), and
    forked once more so that it outlives the task process without being its child."""
    args = [sys.executable, os.path.abspath(__file__), "clear-after", str(delay_s), f.dag_id, f.run_id, f.task_id, str(f.map_index)]
    out = open(s.retry_log, "ab") if s.retry_log else subprocess.DEVNULL
    try:
        subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                         start_new_session=True, close_fds=True).wait(timeout=10)
    finally:
        if out is not subprocess.DEVNULL:
            out.close()


class AirflowApi:
    """The calls of Airflow's REST API this module makes: ``/api/v1`` (Airflow 2, basic auth) or
    ``/api/v2`` (Airflow 3, a JWT from ``POST /auth/token``)."""

    def __init__(self, s: Settings):
        self.s = s
        self._bearer: Optional[str] = None

    def task_state(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> Optional[str]:
        mapped = f"/{map_index}" if map_index >= 0 else ""
        ti = self._call("GET", f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances/{_q(task_id)}{mapped}")
        return ti.get("state")

    def clear(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> list:
        """Clears one failed task instance; ``dry_run`` must be false, both APIs default it to true."""
        task = [task_id, map_index] if self.s.airflow_api == "v2" and map_index >= 0 else task_id
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": [task], "only_failed": True,
                "include_downstream": False, "include_upstream": False, "include_future": False,
                "include_past": False, "reset_dag_runs": True}
        cleared = self._call("POST", f"/dags/{_q(dag_id)}/clearTaskInstances", body)
        return [t.get("task_id") for t in cleared.get("task_instances", [])]

    def pause_dag(self, dag_id: str) -> None:
        mask = "?update_mask=is_paused" if self.s.airflow_api == "v1" else ""
        self._call("PATCH", f"/dags/{_q(dag_id)}{mask}", {"is_paused": True})

    def _call(self, method: str, path: str, body: Optional[dict] = None) -> dict:
        url = f"{self.s.airflow_api_url}/api/{self.s.airflow_api}{path}"
        headers = {"accept": "application/json", "authorization": self._authorization()}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["content-type"] = "application/json"
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method=method),
                                    timeout=max(self.s.timeout_s, 10)) as res:
            return json.loads(res.read() or b"{}")

    def _authorization(self) -> str:
        user, password = self.s.airflow_username, self.s.airflow_password
        if self.s.airflow_api == "v1":
            return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if self._bearer is None:
            req = urllib.request.Request(f"{self.s.airflow_api_url}/auth/token", method="POST",
                                         data=json.dumps({"username": user, "password": password}).encode(),
                                         headers={"content-type": "application/json", "accept": "application/json"})
            with urllib.request.urlopen(req, timeout=max(self.s.timeout_s, 10)) as res:
                self._bearer = "Bearer " + json.loads(res.read())["access_token"]
        return self._bearer


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


# --- the retry helper, run as `python medic_callback.py clear-after ...` -------------------------

#: How long the helper waits for Airflow to record the try as failed (Airflow 3 does it once the task process exits).
_WAIT_FOR_FAILED_S = 600
_POLL_S = 1.0


def clear_after(delay_s: int, dag_id: str, run_id: str, task_id: str, map_index: int, s: Settings) -> str:
    """Waits, then clears the task instance if it is still failed; someone else may have acted meanwhile."""
    time.sleep(delay_s)
    api, deadline = AirflowApi(s), time.monotonic() + _WAIT_FOR_FAILED_S
    while True:
        state = api.task_state(dag_id, run_id, task_id, map_index)
        if state == "failed":
            cleared = api.clear(dag_id, run_id, task_id, map_index)
            return f"cleared {', '.join(cleared) or 'nothing (no longer failed)'} in {dag_id}/{run_id}"
        if state not in ("running", None) or time.monotonic() > deadline:
            return f"not cleared: {dag_id}/{run_id}/{task_id} is {state}"
        time.sleep(_POLL_S)


def _main(argv: list) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s medic-retry %(message)s")
    if len(argv) != 6 or argv[0] != "clear-after":
        print("usage: medic_callback.py clear-after DELAY_S DAG_ID RUN_ID TASK_ID MAP_INDEX", file=sys.stderr)
        return 2
    if os.fork() != 0:  # the first process returns at once to the callback waiting for it
        os._exit(0)
    s = Settings.from_env()
    try:
        log.info(clear_after(int(argv[1]), argv[2], argv[3], argv[4], int(argv[5]), s))
        return 0
    except Exception as err:  # noqa: BLE001
        log.warning("not cleared: %s", s.redact(f"{type(err).__name__}: {err}"))
        return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
