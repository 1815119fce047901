"""Background tasks of the evaluation app (django-tasks, progress through core Progress)."""

from __future__ import annotations

import threading
from typing import Any

from django_tasks import task

from tiangong.platform.core.context import acting_as
from tiangong.platform.core.progress import Progress


def _user(user_id: int | None) -> Any:
    from tiangong.platform.core.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


@task(takes_context=True)
def publish_run_task(context: Any, publication_id: int, user_id: int | None) -> dict[str, Any]:
    """Write the published rows of a prepared Publication (see publishing.write_results)."""
    from tiangong.platform.evaluation.models import Publication
    from tiangong.platform.evaluation.publishing import write_results

    progress = Progress.of(context)
    pub = Publication.objects.get(pk=publication_id)
    with acting_as(_user(user_id)):
        return write_results(pub, progress.update)


def _store() -> str:
    from django.conf import settings

    from tiangong.runs import default_store_path

    return str(settings.TIANGONG_RUN_STORE or default_store_path())


def _chinese(err: Exception) -> str:
    from tiangong.errors import TiangongError

    if isinstance(err, TiangongError):
        return "；".join(str(p) for p in getattr(err, "problems", [])) or str(err)
    return str(err)


class TaskRefused(Exception):
    """A task that could not be done; the message (last line of the task's error) is shown."""


@task(takes_context=True)
def intake_task(context: Any, folder: str, year: int, user_id: int | None) -> dict[str, Any]:
    """Intake of an uploaded folder (tiangong.intake.assemble), kept in the run store. A failed
    intake leaves the store as it was (save_intake is one transaction) and its folder removed."""
    import shutil
    from pathlib import Path

    from tiangong.intake.assemble import assemble
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import save_intake

    progress = Progress.of(context)
    progress.update(0, 2, "读取、关联、核对部门导出文件")
    try:
        result = assemble(folder, year, Path(folder) / "canonical")
        progress.update(1, 2, "保存数据归集结果")
        with RunStore(_store()) as store:
            record = save_intake(store, result)
    except Exception as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise TaskRefused(f"数据归集失败：{_chinese(err)}") from err
    from tiangong.platform.core.signals import intake_stored

    intake_stored.send(sender=None, store=_store(), intake_id=record.id, year=year,
                       user_id=user_id)
    rec = result.reconciliation
    files = rec[rec["file"] != "合计"]
    message = (f"归集 {record.id}：读取 {int(files['rows_read'].sum())} 行，采用 "
               f"{int(files['rows_used'].sum())} 行，隔离 {int(files['rows_quarantined'].sum())}"
               f" 行；{record.counts.get('enterprises', 0)} 家企业")
    progress.update(2, 2, message)
    return {"intake": record.id, "message": message}


@task(takes_context=True)
def evaluate_task(context: Any, intake_id: str, scheme: str,
                  user_id: int | None) -> dict[str, Any]:
    """Evaluate a stored intake with a scheme and keep the run (tiangong.evaluation.evaluate)."""
    from tiangong.evaluation.evaluate import evaluate
    from tiangong.evaluation.scheme.loader import load_scheme
    from tiangong.runs import RunStore
    from tiangong.runs.intakes import get_intake, intake_table

    progress = Progress.of(context)
    try:
        loaded = load_scheme(scheme)
        with RunStore(_store(), read_only=True) as store:
            record = get_intake(store, intake_id)
            tables = {t: intake_table(store, record, t)
                      for t in ("enterprises", "events", "tenancies")}
        ev = evaluate(loaded, tables, record.year,
                      progress=lambda stage, done, total: progress.update(
                          done, total, f"评价：{stage}"))
        ev.fingerprints["intake"] = record.id
        with RunStore(_store()) as store:
            run = store.save(ev, label=f"intake {record.id}")
    except Exception as err:
        raise TaskRefused(f"评价失败：{_chinese(err)}") from err
    progress.update(1, 1, f"评价运行 {run.id}：{run.n_results} 家企业")
    return {"run": run.id, "digest": run.results_sha256}


EXACT_CHUNK = 20  # firms whose exact what-if is computed, kept and reported together
_KEPT: dict[str, Any] = {}  # the last run read by this worker: key, StoredRun
_KEPT_LOCK = threading.Lock()


def _stored_run(path: str, run_id: str) -> Any:
    """The stored run as `explain_stored` reads it, kept for the worker's next task: at
    province scale reading it takes 0.3 s of the 1 s an enterprise's exact what-if may take
    (issue 15.22), and enterprises of one publication ask one after another. Keyed by the
    store, the run and its results digest, so a store replaced under the same path (a new
    R0001) is read again; one run kept, so the worker's memory stays that of one run (at
    province scale 0.3 GB, and up to 0.3 GB more for the kept what-if sessions)."""
    from tiangong.evaluation.explain import read_stored_run
    from tiangong.evaluation.whatif_kept import KeptSessions
    from tiangong.runs import RunStore

    with _KEPT_LOCK, RunStore(path, read_only=True) as store:
        record = store.get(run_id)
        key = f"{path}|{record.id}|{record.results_sha256}"
        if _KEPT.get("key") != key:
            if _KEPT.get("stored") is not None and _KEPT["stored"].kept is not None:
                _KEPT["stored"].kept.close()
            _KEPT.clear()
            stored = read_stored_run(store, record.id)
            # and the what-if sessions of the firms asked: the next firm of the same group
            # and partition skips opening them (`whatif_kept`)
            stored.kept = KeptSessions()
            _KEPT.update(key=key, stored=stored)
        return _KEPT["stored"]


def exact_what_ifs(pub: Any, rows: list[Any], report: Any) -> int:
    """The exact what-if of each published row in `rows` (all of publication `pub`), the run
    read from the store once; kept in ExactWhatIf rows (created where missing, a row already
    computed is not computed again). Returns how many were computed; `report(done, total,
    message)` after each firm."""
    from dataclasses import asdict

    from django.utils import timezone

    from tiangong.evaluation.explain import explain_found
    from tiangong.platform.evaluation.models import ExactWhatIf

    done = set(ExactWhatIf.objects.filter(result__in=rows, computed__isnull=False)
               .values_list("result_id", flat=True))
    todo = [r for r in rows if r.pk not in done]
    stored = _stored_run(pub.store_path or _store(), pub.run_id)
    if len(todo) > 1:  # firms of one group and partition side by side: chunks share sessions
        where = {r["uscc"]: (r["group"] or "", r["partition"] or "") for r in
                 stored.results.select(["uscc", "group", "partition"]).to_pylist()}
        todo.sort(key=lambda r: (*where.get(r.uscc, ("", "")), r.uscc))
    done_count = 0
    # in chunks: firms of a chunk that share a group and partition share the what-if's
    # sessions (`explain_found`: the published USCCs are the run's), and each chunk is
    # kept and reported as soon as it is done
    for start in range(0, len(todo), EXACT_CHUNK):
        chunk = todo[start:start + EXACT_CHUNK]
        explained = explain_found(stored, [r.uscc for r in chunk], what_if=True)
        for r, ex in zip(chunk, explained, strict=True):
            ExactWhatIf.objects.update_or_create(result=r, defaults={
                "answers": [asdict(w) for w in ex.what_if], "computed": timezone.now(),
                "error": ""})
            done_count += 1
            report(done_count, len(todo),
                   f"{r.name}：{'；'.join(w.message for w in ex.what_if)}")
    return len(todo)


@task(takes_context=True)
def exact_what_if_all_task(context: Any, publication_id: int,
                           user_id: int | None) -> dict[str, Any]:
    """The exact what-if of every firm of a publication that has a better class to reach
    (a county of 3,000 firms: minutes), so that enterprises find it computed."""
    from tiangong.platform.evaluation.models import Publication, PublishedResult

    progress = Progress.of(context)
    pub = Publication.objects.get(pk=publication_id)
    rows = list(PublishedResult.objects.filter(publication=pub).exclude(next_class="")
                .only("uscc", "name", "publication_id").order_by("uscc"))
    progress.update(0, len(rows), f"精确测算 {len(rows)} 家企业的升档条件")
    try:
        with acting_as(_user(user_id)):
            n = exact_what_ifs(pub, rows, progress.update)
    except Exception as err:
        raise TaskRefused(f"精确测算失败：{_chinese(err)}") from err
    return {"computed": n, "firms": len(rows)}


@task(takes_context=True)
def exact_what_if_task(context: Any, exact_id: int, user_id: int | None) -> dict[str, Any]:
    """The exact what-if of one published result, by the same path as a whole publication's
    (`exact_what_ifs`); a failure is kept in its ExactWhatIf row in Chinese."""
    from tiangong.platform.evaluation.models import ExactWhatIf

    progress = Progress.of(context)
    row = ExactWhatIf.objects.select_related("result__publication").get(pk=exact_id)
    progress.update(0, 1, f"精确测算 {row.result.name} 的升档条件")
    try:
        with acting_as(_user(user_id)):
            exact_what_ifs(row.result.publication, [row.result], progress.update)
    except Exception as err:
        with acting_as(_user(user_id)):
            row.error = f"精确测算失败：{_chinese(err)}"
            row.save(update_fields=["error", "updated"])
        raise TaskRefused(row.error) from err
    row.refresh_from_db()
    return {"answers": len(row.answers)}
