"""End to end in a real headless browser: the real index, the real server, the page.

Needs Debian's `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver fonts-nanum);
skipped, with that reason, only when they are absent.

    pytest -m e2e tests/test_e2e_browser.py
    E2E_SCREENSHOTS=1 pytest -m e2e tests/test_e2e_browser.py      # screenshots into docs/screenshots/
    E2E_SCREENSHOTS=/some/dir pytest -m e2e ...                      # … or into that directory
    E2E_BASE_URL=http://127.0.0.1:8000 pytest -m e2e ...             # against a server already running
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
QUESTION = "집행률이 가장 낮은 사업은?"
TIED = ["지하보도 공유공간 조성", "(가칭)청년드림센터 조성", "서울인권 컨퍼런스", "갈등관리 실태 평가",
        "청년활동지원사업 온라인 플랫폼 고도화 사업"]
SERVER_START_S = 300

if not (CHROMIUM and Path(CHROMEDRIVER).exists()):
    pytest.skip("chromium and chromium-driver are not installed "
                "(apt-get install -y chromium chromium-driver fonts-nanum)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read().decode("utf-8"))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli.main import main; main()", *args]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    wanted = os.environ.get("E2E_SCREENSHOTS", "")
    if wanted:
        out = ROOT / "docs" / "screenshots" if wanted.lower() in ("1", "true", "yes") else Path(wanted)
    else:
        out = tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The real server: the real index built into a tmp dir, then `report-assistant serve` on a free port."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    tmp = tmp_path_factory.mktemp("e2e")
    index_dir = tmp / "index"
    build = subprocess.run(_cli("index", "build", "--out", str(index_dir)), cwd=ROOT, env=_env(),
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, f"index build failed:\n{build.stdout[-2000:]}\n{build.stderr[-3000:]}"
    port = _free_port()
    log = open(tmp / "server.log", "w+", encoding="utf-8")
    proc = subprocess.Popen(_cli("serve", "--host", "127.0.0.1", "--port", str(port), "--index", str(index_dir),
                                 "--no-access-log"),
                            cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"the server exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                if _get(f"{url}/health", 2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the server did not answer /health within {SERVER_START_S} s:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)   # the server's own process group (start_new_session)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000", "--lang=ko-KR"):
        options.add_argument(arg)
    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, timeout: float = 60, what: str = ""):
    try:
        return WebDriverWait(driver, timeout).until(condition)
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None


def test_page_end_to_end(base_url, browser, screenshots):
    d = browser
    d.get(base_url + "/")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    chat_tab = d.find_element(By.ID, "tab-chat")
    assert chat_tab.get_attribute("aria-selected") == "true"

    # ask, with Enter
    box = d.find_element(By.ID, "question")
    box.send_keys(QUESTION)
    box.send_keys(Keys.ENTER)
    answer = _wait(d, lambda d: (d.find_elements(By.CSS_SELECTOR, ".msg.bot:not(.pending)") or [None])[-1],
                   120, "the answer")
    text = answer.text
    for name in TIED:
        assert name in text, f"{name!r} missing from the answer:\n{text}"
    assert answer.get_attribute("data-route") == "budget"
    table = answer.find_elements(By.CSS_SELECTOR, "table.data tbody tr")
    assert len(table) >= 6, "the answer's table should list the tied programmes"
    session = d.execute_script("return sessionStorage.getItem('ra.session')")
    assert session
    d.save_screenshot(str(screenshots / "1-chat.png"))

    # a citation opens the cited lines, highlighted, in the side panel
    cites = answer.find_elements(By.CSS_SELECTOR, "a.cite")
    assert cites, "the answer has no citation link"
    href = cites[0].get_attribute("href")
    assert "/documents/" in href and "start=" in href
    cites[0].click()
    panel = d.find_element(By.ID, "source-panel")
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#source-lines li.cited"), 30, "the cited lines")
    assert panel.is_displayed()
    cited = " ".join(li.text for li in d.find_elements(By.CSS_SELECTOR, "#source-lines li.cited"))
    assert any(name in cited for name in TIED), f"the panel does not show the cited report text: {cited!r}"
    assert len(d.find_elements(By.CSS_SELECTOR, "#source-lines li")) > len(
        d.find_elements(By.CSS_SELECTOR, "#source-lines li.cited")), "no context lines around the quote"
    d.save_screenshot(str(screenshots / "2-citation-panel.png"))
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    _wait(d, lambda d: not panel.is_displayed(), 5, "Esc to close the panel")

    # a follow-up in the same session keeps the session id; history survives a reload
    box = d.find_element(By.ID, "question")
    box.send_keys("그 중 시민참여 사업은?")
    box.send_keys(Keys.ENTER)
    _wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg.bot:not(.pending)")) >= 2, 120, "the follow-up")
    assert d.execute_script("return sessionStorage.getItem('ra.session')") == session
    d.refresh()
    _wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg.bot")) >= 2, 10, "the history after reload")

    # 예산 tab, by keyboard: the chart draws
    d.find_element(By.ID, "tab-chat").send_keys(Keys.ARROW_RIGHT)
    budget_tab = d.find_element(By.ID, "tab-budget")
    assert budget_tab.get_attribute("aria-selected") == "true"
    assert d.switch_to.active_element == budget_tab
    _wait(d, lambda d: d.execute_script(
        "const c = Chart.getChart(document.getElementById('chart-departments'));"
        "return c && c.data.datasets[0].data.length"), 30, "the department chart")
    stats = d.execute_script("""
        const out = {};
        for (const id of ['chart-departments', 'chart-programs']) {
          const canvas = document.getElementById(id), chart = Chart.getChart(canvas);
          const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
          out[id] = {bars: chart.data.datasets[0].data.length, labels: chart.data.labels, painted};
        }
        out.rows = document.querySelectorAll('#budget-table tbody tr').length;
        return out;""")
    assert stats["chart-departments"]["bars"] == 6 and stats["chart-departments"]["painted"] > 1000, stats
    assert stats["chart-programs"]["bars"] >= 50 and stats["chart-programs"]["painted"] > 1000
    assert "인권담당관" in stats["chart-departments"]["labels"]
    assert stats["rows"] == 71, "the budget table should show the appendix rows"
    d.save_screenshot(str(screenshots / "3-budget.png"))

    # sort by clicking a header; filter by department and 시민참여
    d.find_element(By.CSS_SELECTOR, '#budget-table th button[data-key="spent_rate"]').click()
    th = d.find_element(By.CSS_SELECTOR, '#budget-table th[aria-sort]')
    assert th.get_attribute("aria-sort") == "ascending"
    d.find_element(By.CSS_SELECTOR, "#budget-department option[value='인권담당관']").click()
    rows = d.find_elements(By.CSS_SELECTOR, "#budget-table tbody tr")
    assert rows and all(r.text.startswith("인권담당관") for r in rows)
    d.find_element(By.CSS_SELECTOR, "#budget-department option[value='']").click()
    d.find_element(By.ID, "budget-citizen").click()
    citizen = _get(f"{base_url}/budget?source=appendix&citizen=true")[1]["count"]
    assert citizen >= 9 and len(d.find_elements(By.CSS_SELECTOR, "#budget-table tbody tr")) == citizen

    # 감사 tab: 76 findings, counts, filters
    d.find_element(By.ID, "tab-audit").click()
    _wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#audit-table tbody tr")) == 76, 30, "76 audit rows")
    counts = d.find_element(By.ID, "audit-counts").text
    assert "76" in counts and "완료 50" in counts and "추진중 25" in counts
    d.find_element(By.CSS_SELECTOR, "#audit-status option[value='추진중']").click()
    assert len(d.find_elements(By.CSS_SELECTOR, "#audit-table tbody tr")) == 25
    d.save_screenshot(str(screenshots / "4-audit.png"))

    # 검증 tab: the findings, each with links to its lines
    d.find_element(By.ID, "tab-validation").click()
    expected = _get(f"{base_url}/validation")[1]["count"]
    _wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#validation-list > li")) == expected, 30,
          f"{expected} validation findings")
    assert d.find_elements(By.CSS_SELECTOR, "#validation-list a.cite")
    d.save_screenshot(str(screenshots / "5-validation.png"))

    # nothing outside this origin was requested, and the console has no errors (CSP would report one)
    resources = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [r for r in resources if not r.startswith(base_url)]
    assert not outside, f"external requests: {outside}"
    severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, severe
