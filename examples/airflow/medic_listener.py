"""Medic as an Airflow listener plugin: every failed try of every task asks Medic, no DAG changes.

Put this file and ``medic_callback.py`` in Airflow's plugins folder (on every worker). Airflow
calls ``on_task_instance_failed`` in the task's own process, after the task's callbacks, both when
the task will be retried (``up_for_retry``) and when it failed for good (Airflow 2.10: the hook
also takes a ``session``; a pluggy implementation may take fewer arguments than the spec, so one
signature serves 2.10 and 3.x). The answer is acted on exactly as in ``medic_callback``.

Use either this plugin or the callbacks, not both: each failure would be decided twice.

Airflow is imported only if it is there, so the module imports (and is tested) without it.
"""
from __future__ import annotations

import sys
from typing import Any, Optional

from medic_callback import Outcome, without_raising, failure_from_task_instance, handle

try:
    from airflow.listeners import hookimpl
except ImportError:  # no Airflow: a marker that leaves the function as it is
    def hookimpl(func=None, **_kwargs):
        return func if func is not None else (lambda f: f)


@hookimpl
def on_task_instance_failed(previous_state: Any, task_instance: Any, error: Any) -> Optional[Outcome]:
    """A try failed. ``error`` is None when a person or the API marked the task failed
    (Airflow 3 calls the hook from its API server then): nothing to decide, nobody waits."""
    if error is None:
        return None
    state = getattr(task_instance, "state", None)
    will_retry = getattr(state, "value", state) == "up_for_retry"
    return without_raising(lambda: handle(failure_from_task_instance(task_instance, error, will_retry,
                                                             task=getattr(task_instance, "task", None))))


try:
    from airflow.plugins_manager import AirflowPlugin
except ImportError:
    AirflowPlugin = None

if AirflowPlugin is not None:
    class MedicListenerPlugin(AirflowPlugin):
        """Registers this module's hooks with Airflow's listener manager."""

        name = "medic_listener"
        listeners = [sys.modules[__name__]]
