"""Demo data of the evaluation app: the demo run published for 公示 around today, and the
enterprise account bound to a B firm of the first town (it can file an objection)."""

from __future__ import annotations

import datetime as dt

from tiangong.platform.demo import DemoContext, demo_enterprise_user


def seed(ctx: DemoContext) -> None:
    from tiangong.platform.evaluation.models import PublishedResult
    from tiangong.platform.evaluation.publishing import prepare, write_results

    today = dt.date.today()
    pub = prepare(str(ctx.store), ctx.run_id, ctx.county, today - dt.timedelta(days=3),
                  today + dt.timedelta(days=7), hide_ranks=True,
                  user=ctx.users["county_analyst"])
    write_results(pub, lambda done, total, message: None)
    town = sorted(ctx.towns)[0]
    row = (PublishedResult.objects.filter(publication=pub, region__code=town, class_code="B")
           .order_by("uscc").first()
           or PublishedResult.objects.filter(publication=pub).exclude(class_code="")
           .order_by("uscc").first())
    if row is not None:
        demo_enterprise_user(ctx, row.enterprise)
        ctx.notes.append(f"企业账号 firm 对应 {row.name}（{row.uscc}），{row.class_code} 类")
    ctx.notes.append(f"已发布评价运行 {pub.run_id}：{pub.n_results} 家企业，公示期 "
                     f"{pub.start:%Y-%m-%d} 至 {pub.end:%Y-%m-%d}")
