"""makebook reaches into WeasyPrint in one module (pdf/weasy.py); this says at once, and
plainly, when an installed WeasyPrint no longer has what that module uses."""

from __future__ import annotations

import pytest
from weasyprint import HTML

from makebook.errors import ManuscriptError
from makebook.pdf import weasy


def test_weasyprint_still_has_the_internals_makebook_uses():
    missing = weasy.missing_internals()
    assert missing == [], (
        "WeasyPrint changed under makebook: update src/makebook/pdf/weasy.py (and the pin "
        "in pyproject.toml) for: " + "; ".join(missing)
    )


def test_a_laid_out_page_still_has_the_box_tree_makebook_reads():
    document = HTML(string="<html><body><p>Text.</p></body></html>").render()
    box = weasy.page_box(document.pages[0])
    assert isinstance(box, weasy.boxes.PageBox)
    assert any(child.element_tag == "html" for child in box.children)


def test_a_different_weasyprint_is_a_plain_error_before_any_layout(monkeypatch):
    monkeypatch.setattr(weasy.weasyprint, "__version__", "99.0")
    assert weasy.missing_internals() == [
        "WeasyPrint 99.0 is installed; makebook was written for WeasyPrint "
        f"{weasy.TESTED_RELEASE}.x"
    ]
    with pytest.raises(ManuscriptError, match=r"pip install 'weasyprint==70\.\*'"):
        weasy.require_tested_weasyprint()


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(weasy.weasyprint.layout, "make_margin_boxes", lambda context, page: None)
    assert weasy.missing_internals() == [
        "weasyprint.layout.make_margin_boxes takes (context, page), not (context, page, state)"
    ]
