"""The enterprise page of a published special-class firm states its condition in words, in the
等级依据 and in the explanation lines (explain_bulk with the publication's stored Wording), not
as the scheme's code (huangyan_2022: T 暂不评价 when `age_years < 2`)."""

from __future__ import annotations

from tiangong.platform.core.testing import make_user
from tiangong.platform.evaluation.models import PublishedResult


def test_special_class_condition_in_words_on_the_page_and_pdf(client, published):
    row = (PublishedResult.objects.filter(publication=published, special_class="T")
           .order_by("uscc").first())
    assert row is not None and "age_years < 2" in row.class_reason  # stored as computed
    assert published.wording["scheme_name"] == published.scheme_title
    user = make_user("t_firm", "enterprise_user", enterprise=row.enterprise)
    client.force_login(user)
    page = client.get(f"/evaluation/results/{row.pk}/").content.decode()
    words = "特殊类别：暂不评价（条件：成立年限小于2年）"
    assert f"<dd>{words}</dd>" in page  # 等级依据
    assert f"依据：{words}" in page  # the explanation's class line
    assert "age_years" not in page
    api = client.get(f"/api/evaluation/results/{row.pk}").json()
    assert any(words in line for line in api["explanation"]) and api["class_reason"] == words
    listed = client.get(f"/api/evaluation/publications/{published.pk}/results?class_code=T"
                        "&limit=1000").json()
    assert all("age_years" not in r["class_reason"] for r in listed)
