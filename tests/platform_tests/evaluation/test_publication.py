"""Publication: rows copied from the run store, tied to run id + digest, immutable afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tiangong.platform.core.models import ImmutableModel, ObjectChange
from tiangong.platform.core.models.base import ImmutableError
from tiangong.platform.evaluation.models import Publication, PublishedResult
from tiangong.platform.evaluation.publishing import PublishRefused, prepare
from tiangong.runs import RunStore

from .conftest import publish


def test_publication_copies_every_row_of_the_run(runs, published):
    with RunStore(runs.store, read_only=True) as st:
        record = st.get(runs.first)
        results = st.results(runs.first).to_pylist()
    assert published.state == Publication.PUBLISHED
    assert published.digest == record.results_sha256
    assert PublishedResult.objects.filter(publication=published).count() == len(results) == 300
    stored = {r["uscc"]: r for r in results}
    for row in PublishedResult.objects.filter(publication=published):
        src = stored[row.uscc]
        assert row.class_code == (src["class"] or "")
        assert row.rank == src["rank"]
        assert row.score == pytest.approx(src["score"]) if src["score"] is not None \
            else row.score is None
        constants = published.groups[row.group]["items"] if row.group else []
        assert len(row.items) == len(constants)
        for const, (value, points, _) in zip(constants, row.items, strict=True):
            assert value == src[f"value_{const['indicator']}"]
            assert points == src[f"points_{const['indicator']}"]


def test_item_gap_what_if_by_hand(published):
    """规下 points = 50 × 亩均税收 / 11.5932 (黄岩 2022 scheme); the value that lifts a B firm
    to the lowest A score is value + gap × 11.5932 / 50, checked here by hand from the row."""
    from tiangong.platform.evaluation.queries import result_view

    row = PublishedResult.objects.filter(publication=published, group="below",
                                         class_code="B").order_by("uscc").first()
    lowest_a = min(r.score for r in PublishedResult.objects.filter(
        publication=published, partition=row.partition, class_code="A"))
    gap = lowest_a - row.score
    tax = next(w for w in row.what_if if w["indicator"] == "tax_per_mu")
    index = [i["indicator"] for i in published.groups["below"]["items"]].index("tax_per_mu")
    value = row.items[index][0]
    assert tax["gap"] == pytest.approx(gap)
    assert tax["needed"] == pytest.approx(value + gap * 11.5932 / 50)
    assert row.next_class == "A"
    view = result_view(row)
    assert any(line.startswith("  亩均税收") for line in view["explanation"])
    assert any(f"提高到 {value + gap * 11.5932 / 50:,.2f} 万元/亩" in w["message"]
               for w in view["what_if"])


def test_published_rows_refuse_edit_and_delete(published):
    row = PublishedResult.objects.filter(publication=published).first()
    row.score = 100.0
    with pytest.raises(ImmutableError):
        row.save()
    with pytest.raises(ImmutableError):
        row.delete()
    with pytest.raises(ImmutableError):
        PublishedResult.objects.filter(publication=published).update(score=1.0)
    with pytest.raises(ImmutableError):
        PublishedResult.objects.filter(publication=published).delete()
    assert issubclass(PublishedResult, ImmutableModel)


def test_same_run_cannot_be_published_twice(runs, world, published):
    today = dt.date.today()
    with pytest.raises(PublishRefused, match="已在黄岩区发布过"):
        prepare(str(runs.store), runs.first, world.regions["331003"], today, today,
                hide_ranks=True, user=world.users["county_analyst"])


@pytest.mark.parametrize("kwargs, message", [
    ({"run_id": "R9999"}, "找不到评价运行 R9999"),
    ({"digest": "0" * 64}, "结果摘要与页面显示的不一致"),
    ({"end": dt.date(2020, 1, 1)}, "结束日期不能早于开始日期"),
    ({"region": "331004"}, "不属于路桥区"),
])
def test_bad_publication_requests_are_refused_in_chinese(runs, world, kwargs, message):
    today = dt.date.today()
    region = world.regions[kwargs.pop("region", "331003")]
    run_id = kwargs.pop("run_id", runs.first)
    args = {"start": today, "end": today, **kwargs}
    if "不属于" in message:  # the check runs when the rows are read
        from tiangong.platform.evaluation.publishing import write_results

        pub = prepare(str(runs.store), run_id, region, today, today, hide_ranks=True,
                      user=world.users["other_county_analyst"])
        with pytest.raises(PublishRefused, match=message):
            write_results(pub, lambda *a: None)
        pub.refresh_from_db()
        assert pub.state == Publication.FAILED and message in pub.error
        assert not PublishedResult.objects.filter(publication=pub).exists()
        # the failed attempt (no rows) does not block a retry of the same run
        retry = prepare(str(runs.store), run_id, region, today, today,
                        hide_ranks=True, user=world.users["county_analyst"])
        assert retry.state == Publication.PUBLISHING
        return
    with pytest.raises(PublishRefused, match=message):
        prepare(str(runs.store), run_id, region, args.pop("start"), args.pop("end"),
                hide_ranks=True, user=world.users["county_analyst"], **args)
    assert not Publication.objects.exists()


def test_republication_records_who_changed_class_and_why(runs, world, published):
    second = publish(runs, world, runs.second, previous=published)
    changed = {c["uscc"]: c for c in second.changes}
    assert runs.changed_uscc in changed
    change = changed[runs.changed_uscc]
    assert change["class_a"] == "B" and change["class_b"] == "A"
    assert any("eval_tax" in cause or "税" in cause for cause in change["causes"])


def test_publication_as_background_task_through_the_worker(runs, world, transactional_db):
    from tiangong.platform.core.models import TaskProgress
    from tiangong.platform.core.progress import enqueue_with_progress
    from tiangong.platform.evaluation.tasks import publish_run_task

    today = dt.date.today()
    user = world.users["county_analyst"]
    pub = prepare(str(runs.store), runs.first, world.regions["331003"], today, today,
                  hide_ranks=True, user=user)
    result = enqueue_with_progress(publish_run_task, "发布", user, pub.county, pub.pk, user.pk)
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    pub.refresh_from_db()
    assert pub.state == Publication.PUBLISHED and pub.n_results == 300
    progress = TaskProgress.objects.get(result_id=str(result.id))
    assert (progress.done, progress.total) == (300, 300)
    assert ObjectChange.objects.filter(object_id=str(pub.pk), action="update",
                                       user=user).exists()
