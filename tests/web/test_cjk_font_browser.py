"""Chinese reads with the shipped font ("Crowdset Sans SC", vendored Noto Sans SC) in a browser that has no CJK
system font at all: chromium is launched with a fontconfig that knows only DejaVu, so any Chinese character not
drawn by our web font would be an empty box (tofu)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.annotation.helpers import add_tasks, choice, make_project
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "Crowdset Sans SC"


@pytest.fixture
def bare_page(_playwright, live_server, tmp_path: Path):  # noqa: ANN001, ANN201
    """A zh-CN page in a chromium whose fontconfig lists DejaVu only (no wqy, no Noto CJK: no system CJK font)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not DEJAVU.is_dir():
        pytest.skip(f"{DEJAVU} not found (apt-get install fonts-dejavu-core)")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{DEJAVU}</dir>
  <cachedir>{tmp_path / "fontconfig-cache"}</cachedir>
</fontconfig>
""", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path)}
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    browser.close()


def fonts_settled(page, text: str) -> None:  # noqa: ANN001
    """Wait until the faces of our family that cover `text` are loaded (unicode-range slices load on use)."""
    page.evaluate("""async ([family, t]) => {
        await document.fonts.load(`16px "${family}"`, t);
        await document.fonts.ready;
    }""", [FAMILY, text])


def glyph_shots(page, family: str, chars: str = "永口") -> list[bytes]:  # noqa: ANN001
    """Screenshots of each character, alone in a span, drawn in `family` (a CSS font-family value)."""
    page.evaluate("""([family, chars]) => {
        document.getElementById('glyphs')?.remove();
        const box = document.createElement('div');
        box.id = 'glyphs';
        box.style.cssText = 'position:fixed;top:0;left:0;z-index:99999;background:#fff;color:#000;padding:8px';
        for (const ch of chars) {
            const s = document.createElement('span');
            s.textContent = ch;
            s.style.cssText = `font: 64px/1 ${family}; display:inline-block; margin-right:8px`;
            box.appendChild(s);
        }
        document.body.appendChild(box);
    }""", [family, chars])
    fonts_settled(page, chars)
    spans = page.locator("#glyphs span")
    return [spans.nth(i).screenshot(animations="disabled") for i in range(len(chars))]


def not_blank(png: bytes) -> bool:
    """Some dark pixels (ink) and some light ones: a glyph, not an empty or solid box."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("L")
    lo, hi = img.getextrema()
    return lo < 100 and hi > 200


def uses_shipped_font(page, text: str) -> bool:  # noqa: ANN001
    """document.fonts.check for our family, and at least one face of it actually loaded (check() alone is also
    true for a family with no faces at all)."""
    return page.evaluate("""([family, text]) => document.fonts.check(`16px "${family}"`, text)
        && [...document.fonts].some((f) => f.family.replace(/"/g, '') === family && f.status === 'loaded')""",
                         [FAMILY, text])


def test_login_page_chinese_in_shipped_font_without_system_cjk_fonts(bare_page):
    page = bare_page
    # the browser really has no CJK font: two different characters in a system-only family are the same box
    page.goto("/login")
    fallback = glyph_shots(page, "'DejaVu Sans', sans-serif")
    assert fallback[0] == fallback[1], "a system CJK font is visible to the browser: the test would prove nothing"

    page.reload()
    page.evaluate("() => document.fonts.ready")
    heading = page.locator("h1").first.text_content().strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in heading), heading
    fonts_settled(page, heading + "中文")
    assert uses_shipped_font(page, "中文")
    assert FAMILY in page.evaluate("() => getComputedStyle(document.body).fontFamily")

    # the page's own font stack draws real, different glyphs
    real = glyph_shots(page, "inherit")
    assert real[0] != real[1], "永 and 口 render identically: boxes, not glyphs"
    assert all(not_blank(p) for p in real)
    page.locator("#glyphs").evaluate("(n) => n.remove()")
    screenshot(page, "cjk-font-login")


def test_chart_labels_use_shipped_font(bare_page, live_server, tmp_path):
    world = live_server.world
    pid = make_project(world)
    add_tasks(pid, [{"data": {"text": "评论"}}], tmp_path)
    lease = world.client.post(f"/api/v1/projects/{pid}/next", headers=world.h("annotator")).json()
    world.client.post(f"/api/v1/annotations/{lease['annotation_id']}/submit",
                      json={"result": choice("正面"), "lead_time": 5}, headers=world.h("annotator"))
    page = bare_page
    login(page, "manager@example.com")
    page.goto(f"/projects/{pid}")
    page.locator("#throughput-chart svg text").first.wait_for()
    family = page.locator("#throughput-chart svg text").first.evaluate("(n) => getComputedStyle(n).fontFamily")
    assert FAMILY in family, family
    fonts_settled(page, "提交中文")
    assert uses_shipped_font(page, "中文")
    # the chart's own font stack (what ECharts was given) draws real glyphs too
    real = glyph_shots(page, family.replace(";", ""))
    assert real[0] != real[1] and all(not_blank(p) for p in real)
