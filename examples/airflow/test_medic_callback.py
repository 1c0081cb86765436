"""The Airflow callback and listener against a real Medic and a fake Airflow REST API.

Medic's URL and token come from ``MEDIC_URL`` and ``MEDIC_TOKEN``. Its policies must answer, for
jobs of source ``airflow-example`` in DAG ``medic_example``: ``retry`` after 1 s for ``extract``,
``notify`` for ``load``, ``hold_downstream`` for ``publish``, and a ``rerun`` gated by an approval
for ``reconcile``. ``test/int/examples-airflow.int.test.ts`` starts such a Medic and runs::

    MEDIC_URL=… MEDIC_TOKEN=… python3 -m unittest examples/airflow/test_medic_callback.py

Airflow is not needed: the context and the task instance are plain objects with the attributes
Airflow 2.10 and 3.x give a callback, and the fake API answers as Airflow 3's ``/api/v2`` does.
"""
import json
import os
import socket
import sys
import tempfile
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import medic_callback  # noqa: E402
import medic_listener  # noqa: E402

DAG = "medic_example"
AIRFLOW_PASSWORD = "airflow-password-not-to-be-logged"


class FakeAirflow:
    """Airflow's REST API as far as the module uses it; every call is recorded."""

    def __init__(self):
        self.calls = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # quiet
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.calls.append({"method": self.command, "path": self.path, "body": body,
                                   "authorization": self.headers.get("authorization"), "at": time.monotonic()})
                if self.path == "/auth/token":
                    return self._answer(201, {"access_token": f"jwt-for-{body['username']}"})
                if self.command == "GET" and "/taskInstances/" in self.path:
                    return self._answer(200, {"task_id": self.path.rsplit("/", 1)[-1], "state": "failed"})
                if self.path.endswith("/clearTaskInstances"):
                    return self._answer(200, {"task_instances": [{"task_id": t if isinstance(t, str) else t[0]} for t in body["task_ids"]]})
                if self.command == "PATCH":
                    return self._answer(200, {"dag_id": DAG, "is_paused": body["is_paused"]})
                return self._answer(404, {"detail": "not found"})

            do_GET = do_POST = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [c for c in self.calls if predicate(c)]
            if found:
                return found[0]
            time.sleep(0.05)
        return None


class OperationalError(Exception):
    """Stands for psycopg2's, so the message reads as Airflow would log it."""


OperationalError.__module__ = "psycopg2"


class PythonOperator:
    """The task object; only its class name is read."""


class FakeTaskInstance:
    """The attributes Airflow 2.10's TaskInstance and Airflow 3's RuntimeTaskInstance both have."""

    def __init__(self, task_id, run_id, try_number=1, max_tries=0, state="failed"):
        self.dag_id, self.task_id, self.run_id, self.map_index = DAG, task_id, run_id, -1
        self.try_number, self.max_tries, self.state = try_number, max_tries, state
        self.hostname = "worker-1.example"
        self.log_url = f"https://airflow.example/dags/{DAG}/grid?dag_run_id={run_id}&task_id={task_id}"
        self.task = PythonOperator()


def raised(err):
    """The exception with a traceback, as a failed task leaves it."""
    try:
        raise err
    except Exception as caught:  # noqa: BLE001
        return caught


def context_for(ti, error):
    """A callback context with the keys on_failure_callback_context.md lists."""
    return {"ti": ti, "task_instance": ti, "task": ti.task, "run_id": ti.run_id, "exception": error,
            "try_number": ti.try_number, "dag_run": None, "logical_date": None, "reason": None}


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(os.environ.get("MEDIC_URL"), "set MEDIC_URL (and MEDIC_TOKEN) to a Medic with the example policies")
class MedicCallbackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.airflow = FakeAirflow()
        cls.retry_log = tempfile.NamedTemporaryFile(prefix="medic-retry-", suffix=".log", delete=False).name

    @classmethod
    def tearDownClass(cls):
        cls.airflow.close()
        os.unlink(cls.retry_log)

    def setUp(self):
        self.env = mock.patch.dict(os.environ, {
            "MEDIC_SOURCE": "airflow-example", "MEDIC_TIMEOUT_S": "5", "MEDIC_AIRFLOW_API_URL": self.airflow.url,
            "MEDIC_AIRFLOW_API": "v2", "MEDIC_AIRFLOW_USERNAME": "medic", "MEDIC_AIRFLOW_PASSWORD": AIRFLOW_PASSWORD,
            "MEDIC_RETRY_LOG": self.retry_log,
        })
        self.env.start()
        self.addCleanup(self.env.stop)
        self.airflow.calls.clear()
        self.run_id = f"scheduled__2026-11-24T01:00:00+00:00-{uuid.uuid4().hex[:8]}"
        self.logged = []

    def tearDown(self):
        secrets = [s for s in (os.environ.get("MEDIC_TOKEN"), AIRFLOW_PASSWORD) if s]
        with open(self.retry_log, encoding="utf-8") as f:
            text = "\n".join(self.logged) + f.read()
        for secret in secrets:
            self.assertNotIn(secret, text, "a secret appeared in what the module logged")

    def logging_calls(self, fn, *args):
        with self.assertLogs("medic.airflow", level="DEBUG") as logs:
            result = fn(*args)
        self.logged.extend(logs.output)
        return result

    def calls_to(self, suffix):
        return [c for c in self.airflow.calls if c["path"].split("?")[0].endswith(suffix)]

    def test_clears_the_task_instance_after_medics_delay_when_medic_answers_retry(self):
        ti = FakeTaskInstance("extract", self.run_id)
        error = raised(OperationalError("could not connect to server: Connection refused"))
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(ti, error))
        returned_at = time.monotonic()
        self.assertEqual(outcome.action, "retry", outcome.done)
        self.assertRegex(outcome.decision_id, r"^[0-9a-f-]{36}$")
        self.assertIn("will be cleared in 1 s", outcome.done)
        clear = self.airflow.wait_for(lambda c: c["path"].endswith("/clearTaskInstances"))
        self.assertIsNotNone(clear, "the helper never cleared the task instance")
        self.assertGreaterEqual(clear["at"] - returned_at, 0.9, "cleared before Medic's delay")
        self.assertEqual(clear["path"], f"/api/v2/dags/{DAG}/clearTaskInstances")
        self.assertEqual(clear["authorization"], "Bearer jwt-for-medic")
        self.assertEqual(clear["body"]["dry_run"], False)
        self.assertEqual(clear["body"]["dag_run_id"], self.run_id)
        self.assertEqual(clear["body"]["task_ids"], ["extract"])
        self.assertEqual(clear["body"]["only_failed"], True)
        self.assertTrue(self.calls_to("/taskInstances/extract"), "the helper did not check the try was recorded failed")

    def test_leaves_airflows_own_retry_alone_while_airflow_still_retries(self):
        ti = FakeTaskInstance("extract", self.run_id, try_number=1, max_tries=2, state="up_for_retry")
        outcome = self.logging_calls(medic_callback.medic_on_retry, context_for(ti, raised(OperationalError("Connection refused"))))
        self.assertEqual(outcome.action, "retry")
        self.assertIn("Airflow's own retry stands", outcome.done)
        time.sleep(0.3)
        self.assertEqual(self.airflow.calls, [])

    def test_does_nothing_more_in_airflow_when_medic_answers_notify(self):
        ti = FakeTaskInstance("load", self.run_id)
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(ti, raised(KeyError("amount"))))
        self.assertEqual(outcome.action, "notify")
        self.assertIn("nothing to do in Airflow", outcome.done)
        self.assertEqual(self.airflow.calls, [])

    def test_pauses_the_dag_when_medic_answers_hold_downstream(self):
        ti = FakeTaskInstance("publish", self.run_id)
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(ti, raised(ValueError("report template missing"))))
        self.assertEqual(outcome.action, "hold_downstream")
        [patch] = self.calls_to(f"/dags/{DAG}")
        self.assertEqual((patch["method"], patch["path"], patch["body"]), ("PATCH", f"/api/v2/dags/{DAG}", {"is_paused": True}))

    def test_pauses_through_airflow_2s_api_with_basic_auth_and_an_update_mask(self):
        os.environ["MEDIC_AIRFLOW_API"] = "v1"
        ti = FakeTaskInstance("publish", self.run_id)
        self.logging_calls(medic_callback.medic_on_failure, context_for(ti, raised(ValueError("report template missing"))))
        [patch] = self.calls_to(f"/dags/{DAG}")
        self.assertEqual(patch["path"], f"/api/v1/dags/{DAG}?update_mask=is_paused")
        self.assertTrue(patch["authorization"].startswith("Basic "))

    def test_waits_for_people_when_the_answer_requires_approval(self):
        ti = FakeTaskInstance("reconcile", self.run_id)
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(ti, raised(AssertionError("partial input: 1204 rows"))))
        self.assertEqual(outcome.action, "rerun")
        self.assertRegex(outcome.done, r"^waiting for approval \d+: Medic runs the rerun once approved$")
        self.assertEqual(self.airflow.calls, [])

    def test_changes_nothing_when_medic_is_unreachable(self):
        os.environ["MEDIC_URL"] = f"http://127.0.0.1:{closed_port()}"
        started = time.monotonic()
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(FakeTaskInstance("extract", self.run_id), raised(OperationalError("x"))))
        self.assertIsNone(outcome.action)
        self.assertIn("the task's own retry policy applies", outcome.done)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(self.airflow.calls, [])

    def test_gives_up_after_its_timeout_when_medic_is_slow(self):
        with socket.socket() as silent:  # accepts connections and never answers
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            os.environ.update({"MEDIC_URL": f"http://127.0.0.1:{silent.getsockname()[1]}", "MEDIC_TIMEOUT_S": "0.5"})
            started = time.monotonic()
            outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(FakeTaskInstance("extract", self.run_id), raised(OperationalError("x"))))
        self.assertIsNone(outcome.action)
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual(self.airflow.calls, [])

    def test_never_logs_a_refused_token(self):
        os.environ["MEDIC_TOKEN"] = "wrong-token-0123456789abcdef"
        outcome = self.logging_calls(medic_callback.medic_on_failure, context_for(FakeTaskInstance("load", self.run_id), raised(KeyError("amount"))))
        self.assertIsNone(outcome.action)
        self.assertTrue(any("401" in line for line in self.logged), self.logged)
        self.assertFalse(any("wrong-token-0123456789abcdef" in line for line in self.logged))

    def test_the_listener_asks_about_a_failed_try_and_skips_a_task_marked_failed_by_hand(self):
        ti = FakeTaskInstance("load", self.run_id, max_tries=1, state="up_for_retry")
        outcome = self.logging_calls(medic_listener.on_task_instance_failed, "running", ti, raised(KeyError("amount")))
        self.assertEqual(outcome.action, "notify")
        self.assertIsNone(medic_listener.on_task_instance_failed("running", ti, None))


if __name__ == "__main__":
    unittest.main()
