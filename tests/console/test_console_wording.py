"""The console's words where pages share them: one way back from every detail and form page,
and the same submit word where a page adds something."""

from __future__ import annotations

import re
from pathlib import Path

import apidesk
from apidesk.console.wording import plural

TEMPLATES = Path(apidesk.__file__).parent / "console" / "templates"
WAY_BACK = re.compile(r'<p class="crumbs"><a href="[^"]+">← [^<]+</a></p>')
# The pages below a list (a thing's page, its forms) and where each leads back to.
BELOW_A_LIST = {
    "users/detail.html": "Users",
    "users/add.html": "Users",
    "users/invite.html": "Users",
    "users/edit.html": "{{ user.first_name }} {{ user.last_name }}",
    "groups/group.html": "Groups",
    "groups/new.html": "Groups",
    "products/product.html": "Products",
    "products/new.html": "Products",
    "apis/form.html": "APIs",
    "subscriptions/detail.html": "Subscriptions",
    "templates/edit.html": "E-mail templates",
}


def test_every_page_below_a_list_has_the_one_way_back() -> None:
    for name, back in BELOW_A_LIST.items():
        text = (TEMPLATES / name).read_text()
        found = WAY_BACK.findall(text)
        assert len(found) == 1, (name, found)
        assert found[0].endswith(f">← {back}</a></p>"), (name, found)


def test_a_page_that_adds_something_submits_with_add() -> None:
    for name in ("users/add.html", "groups/new.html", "products/new.html"):
        text = (TEMPLATES / name).read_text()
        assert '<button type="submit">Add</button>' in text, name
        assert ">Create<" not in text, name
    product = (TEMPLATES / "products/product.html").read_text()
    assert ">Give access</button>" in product and "+ Add group" not in product


def test_counts_are_said_in_the_singular_for_one_only() -> None:
    assert plural(0, "subscription") == "0 subscriptions"
    assert plural(1, "subscription") == "1 subscription"
    assert plural(1200, "subscription") == "1,200 subscriptions"
    assert plural(2, "person", "people") == "2 people"
    assert not [page.name for page in TEMPLATES.rglob("*.html") if "(s)" in page.read_text()]
