"""The page walk: every page each role can reach, in Chinese and in English, at a phone's width (390 px) and a
laptop's (1366 px), in a real browser (Debian's chromium, headless, driven by Selenium), on a fresh demo.

For the anonymous visitor and one demo user of each role (seed/identity.json), in each language, one browser
signs in through the login page and crawls: from the home page and the menu it follows same-site links (GET only;
never /logout, /lang, downloads, the API or anything that is not a page), one example of each route shape (one
tender, not every tender; ids and numbers are the shape's holes), at most MAX_PAGES pages. The visitor also opens a
survey (its link is on a contract page only its buyer sees). Each page is measured at 1366 px and then, without
reloading, at 390 px. A page fails where

- the document is wider than the window (`scrollWidth > innerWidth`): the finding names the page, role, language,
  width and the widest element that sticks out of the window (inside no scrolling container);
- on a zh-CN page, its visible text (and placeholders, titles, aria-labels) holds an English word: three or more
  Latin letters, outside ALLOWED (codes, units, formats, the brand) and outside references, URLs and e-mail;
- on an en page, Chinese appears in the page's chrome: <nav>, <th>, <button>, <legend>, <summary> and the labels
  of form fields (a label that names data, e.g. a check box carrying an organisation's name, is marked `data`);
- it is an error page (`data-error`), or a signed-in user is sent to the login page;
- it shows a demo applicant's ID number or phone in full to a caller who is not on the case's chain (PIPL);
- axe-core (axe-selenium-python's bundled axe.min.js) reports a critical or serious violation (run once per page
  and role, in Chinese at 390 px: the markup is the same in English).

    .build/live-venv/bin/python Tests/Live/pages.py [--shots]

`--shots` also saves a screenshot of each page at 390 px to .build/live-results/pages/. `--readme-shots` only takes the
five phone screenshots of the README (docs/screenshots/: the NGO's home, a tender open for bids, its bid form, the
survey, the NGO's contract) and walks nothing. PAGES_ONLY=ngo,anon limits
the walk to those users (for a quick look). Exits 1 on any finding; the server must still answer GET /health/live.
"""
import collections
import os
import re
import sys
import time
import urllib.parse

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException

import live

MAX_PAGES = 60
WIDTHS = (1366, 390)
HEIGHT = 844
# One user of each role, and the anonymous visitor; evaluator2 holds the demo's open scoring sheet (an independent seat).
PERSONAS = ["anon", "admin", "finance", "ngo", "evaluator2", "evalcentre", "incubator", "overseer", "fuclerk", "futown"]
# Staff on duty at the demo cases' sites (issue 23): the only callers who may see an applicant's ID number or phone.
CHAIN = {"fuclerk", "futown"}
# Never followed: links that change state or leave the HTML pages.
SKIP = re.compile(r"^/(logout|lang|api/|static/|metrics|health|evidence/|supplier/documents/)|\.(csv|xlsx|json|atom|svg|pdf|yaml)$"
                  r"|/documents/")
# Words of Latin letters a Chinese page may show: codes, formats, units, the brand and standards.
ALLOWED = {w.lower() for w in """
    English Spokes OCDS CSV XLSX PDF JSON API URL QR SVG Atom RSS XML HTTP HTTPS UUID SHA ISO GB CNY RMB ocid ocds PNG JPG JPEG
    DOCX DOC XLS Excel WPS OFD ZIP
""".split()}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
# Tokens that are references, URLs, e-mail, codes: any run with a digit, @, / or :// is not a word of a sentence.
TOKEN = re.compile(r"\S+")
CHINESE = re.compile(r"[\u3400-\u9fff]")

OVERFLOW_JS = """
const w = window.innerWidth, doc = document.documentElement;
if (doc.scrollWidth <= w) return null;
function clipped(el) {
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o !== 'visible') return true;
  }
  return false;
}
function name(el) {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (el.classList.length) s += '.' + [...el.classList].join('.');
  const parent = el.parentElement && el.parentElement !== document.body ? name1(el.parentElement) + ' > ' : '';
  return parent + s;
}
function name1(el) {
  let s = el.tagName.toLowerCase();
  if (el.classList.length) s += '.' + [...el.classList].join('.');
  return s;
}
let widest = null, right = w;
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.right <= right + 0.5 || clipped(el)) continue;
  widest = el; right = r.right;
}
return {scrollWidth: doc.scrollWidth, innerWidth: w,
        element: widest ? name(widest) : '?', right: Math.round(right),
        text: widest ? (widest.innerText || widest.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60) : ''};
"""

TEXT_JS = """
// Every text node (closed <details> and <option>s too), but not codes, usernames, nor what is marked English (lang="en").
const skip = 'script, style, template, code, kbd, samp, [lang^="en"], [translate="no"]';
const parts = [document.title];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (el && !el.closest(skip)) parts.push(n.nodeValue);
}
for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],img[alt],input[type=submit][value]')) {
  if (el.closest(skip)) continue;
  for (const a of ['placeholder', 'title', 'aria-label', 'alt', 'value']) {
    if (el.getAttribute(a) && (a !== 'value' || el.type === 'submit')) parts.push(el.getAttribute(a));
  }
}
return parts.join(' ');
"""

CHROME_JS = """
const out = [];
for (const el of document.querySelectorAll('nav, th, button, legend, summary, label, input[type=submit]')) {
  // a check box's label names an option (a line, a material): data, not chrome
  if (el.closest('.data, [lang^="zh"]') || el.matches('label.check') || el.querySelector('input[type=checkbox], input[type=radio]')) continue;
  // the element's own words: not the options of a select, a textarea's content, nor data marked inside it
  let text = el.value || '';
  if (el.tagName !== 'INPUT') {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('select, textarea, option, .data, [lang^="zh"]').forEach(n => n.remove());
    text = copy.textContent;
  }
  out.push([el.tagName.toLowerCase(), (text || '').trim().replace(/\\s+/g, ' ').slice(0, 80)]);
}
return out;
"""


# Selects whose every option is unlabelled, and fieldsets of choices without a box: by their name.
EMPTY_CHOICES_JS = """
return Array.from(document.querySelectorAll('select')).filter(s => !Array.from(s.options).some(o => o.textContent.trim() !== ''))
    .map(s => 'select ' + (s.name || s.id));
"""


def shape(path):
    """The route's shape: ids, numbers and tokens become holes; the query is left out."""
    parts = urllib.parse.urlsplit(path).path.split("/")
    return "/".join(":" if re.search(r"\d", part) and len(part) > 3 or re.fullmatch(r"[0-9a-f-]{20,}", part) else part
                    for part in parts)


def english_words(text):
    found = collections.Counter()
    for token in TOKEN.findall(text):
        # Figures, addresses, paths; and a case's tracking code (XXXX-XXXX-XXXX), which may draw letters only.
        if re.search(r"\d|@|/|://|\.\w+\.", token) or re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", token):
            continue
        for word in WORD.findall(token):
            if word.lower().strip("'’") not in ALLOWED:
                found[word] += 1
    return found


class Browser:
    def __init__(self, base, language):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={WIDTHS[0]},{HEIGHT}", "--hide-scrollbars"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"download_restrictions": 3})
        self.driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        self.driver.set_page_load_timeout(60)
        self.base, self.language = base, language

    def width(self, pixels):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": pixels, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})

    def sign_in(self, username):
        self.driver.get(f"{self.base}/lang?to={'en' if self.language == 'en' else 'zh'}&back=/login")
        if username == "anon":
            self.driver.get(self.base + "/")
            return
        self.driver.find_element(By.NAME, "username").send_keys(username)
        self.driver.find_element(By.NAME, "password").send_keys(live.PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, 'form[action="/login"] button').click()
        for _ in range(100):
            if self.driver.find_elements(By.CSS_SELECTOR, 'form[action="/logout"]'):
                return
            time.sleep(0.1)
        raise AssertionError(f"{username} is not signed in ({self.driver.current_url})")

    def links(self):
        hrefs = self.driver.execute_script(
            "return [...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download')).map(a => a.getAttribute('href'))")
        out = []
        for href in hrefs:
            if not href.startswith("/") or href.startswith("//"):
                absolute = urllib.parse.urljoin(self.driver.current_url, href)
                if not absolute.startswith(self.base + "/"):
                    continue
                href = absolute[len(self.base):]
            href = href.split("#")[0]
            if href and not SKIP.search(urllib.parse.urlsplit(href).path):
                out.append(href)
        return out

    def close(self):
        self.driver.quit()


def demo_applicant(index):
    """The ID number and phone of DemoRequests.applicant(index) (Sources/Demo/DemoRequests.swift)."""
    digits = "6103241948%02d%02d%03d" % (1 + index % 12, 1 + index % 28, (10 + index) % 1000)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(digits, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])) % 11]
    return digits + check, "139%08d" % (10_000_000 + index * 7_919)


# Every demo applicant's ID number and phone (a dozen live cases at 永平村, then the year's history from 101 on).
PERSONAL = [secret for index in range(1, 2500) for secret in demo_applicant(index)]


def walk(base, persona, language, extra, findings, axe_seen, shots):
    """Crawls as one persona in one language; returns the number of pages walked."""
    browser = Browser(base, language)
    lang = "zh-CN" if language == "zh" else "en"
    who = f"{persona} {lang}"
    try:
        browser.width(WIDTHS[0])
        browser.sign_in(persona)
        # The examples chosen for this user first (a second example of a shape is walked only if chosen), then the crawl.
        queue = collections.deque([(path, True) for path in ["/"] + extra])
        seen_shapes, seen_paths, pages = set(), set(), 0
        while queue and pages < MAX_PAGES:
            path, chosen = queue.popleft()
            if path in seen_paths or (shape(path) in seen_shapes and not chosen):
                continue
            seen_shapes.add(shape(path))
            seen_paths.add(path)
            browser.width(WIDTHS[0])
            try:
                browser.driver.get(base + path)
            except WebDriverException as error:
                findings.append(f"{who} {path}: did not load: {error.msg}")
                continue
            if not browser.driver.current_url.startswith(base):
                continue
            pages += 1
            error = browser.driver.find_elements(By.CSS_SELECTOR, "[data-error]")
            if error:
                findings.append(f"{who} {path}: an error page: {error[0].text[:120]}")
                continue
            if browser.driver.find_elements(By.CSS_SELECTOR, 'form[action="/login"] input[name=password]') and persona != "anon" and path != "/login":
                findings.append(f"{who} {path}: signed out (the login page is shown)")
                continue
            queue.extend((link, False) for link in browser.links() if shape(link) not in seen_shapes)
            # A choice with nothing to choose: a list the template meant to draw and did not (a page-model name shadowed by
            # a form field's inside the form's section drew one empty option).
            empty = browser.driver.execute_script(EMPTY_CHOICES_JS)
            if empty:
                findings.append(f"{who} {path}: a list to choose from offers nothing to choose: {', '.join(empty[:3])}")
            if persona not in CHAIN:
                source = browser.driver.page_source
                leaked = [secret for secret in PERSONAL if secret in source]
                if leaked:
                    findings.append(f"{who} {path}: personal data in full to a caller off the case's chain: {', '.join(leaked[:3])}")
            for width in WIDTHS:
                if width != WIDTHS[0]:
                    browser.width(width)
                wide = browser.driver.execute_script(OVERFLOW_JS)
                if wide:
                    findings.append(f"{who} {width}px {path}: the page is {wide['scrollWidth']} px wide in a {wide['innerWidth']} px window; "
                                    f"widest: {wide['element']} to {wide['right']} px «{wide['text']}»")
            if shots:
                folder = os.path.join(live.RESULTS, "pages", persona, lang)
                os.makedirs(folder, exist_ok=True)
                slug = re.sub(r"[^A-Za-z0-9]+", "-", shape(path)).strip("-") or "home"
                browser.driver.save_screenshot(os.path.join(folder, f"{slug}.png"))
            if lang == "zh-CN":
                words = english_words(browser.driver.execute_script(TEXT_JS))
                if words:
                    listed = ", ".join(f"{w}×{n}" if n > 1 else w for w, n in words.most_common(12))
                    findings.append(f"{who} {path}: English on a Chinese page: {listed}")
                key = (persona, path if chosen else shape(path))
                if key not in axe_seen:
                    axe_seen.add(key)
                    axe = Axe(browser.driver)
                    axe.inject()
                    result = axe.run(options={"resultTypes": ["violations"]})
                    for violation in result["violations"]:
                        if violation.get("impact") in ("critical", "serious"):
                            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
                            findings.append(f"{who} {path}: axe {violation['impact']}: {violation['id']} "
                                            f"({len(violation['nodes'])} nodes, e.g. {'; '.join(targets)}): {violation['help']}")
            else:
                chrome = [(tag, text) for tag, text in browser.driver.execute_script(CHROME_JS) if CHINESE.search(text)]
                if chrome:
                    listed = "; ".join(f"<{tag}> {text}" for tag, text in chrome[:6])
                    findings.append(f"{who} {path}: Chinese in the page's chrome ({len(chrome)}): {listed}")
        return pages
    finally:
        browser.close()


def examples(spokes):
    """The pages walked besides the crawl, for one user: those a crawl reaching one example of each shape would miss
    (a tender open for bids, with its bid form; the evaluator's scoring sheet; the supplier's own contract, with its
    report form; the visitor's survey, reached from a QR code)."""
    def rows(sql):
        return [row for row in spokes.psql(sql).splitlines() if row]
    tendering = rows("SELECT '/tenders/' || id FROM tendering.tenders WHERE status = 'tendering' ORDER BY reference LIMIT 1")
    survey = rows("SELECT '/survey/' || survey_token FROM delivery.contracts WHERE survey_token IS NOT NULL AND status = 'signed' ORDER BY reference LIMIT 1")

    case = lambda state, more="": rows("SELECT '/requests/' || r.id FROM grassroots.service_requests r JOIN grassroots.sites s ON s.id = r.site_id "
                                       f"WHERE r.state = '{state}' {more} ORDER BY r.id LIMIT 1")

    def chosen(persona):
        if persona == "anon":
            return tendering + survey + ["/api/docs"]
        if persona == "fuclerk":
            # The cases of the clerk's own station (a year of other stations' cases is not theirs to read).
            own = "AND r.accepting_site_id = (SELECT id FROM grassroots.sites WHERE code = '610324002-V001')"
            waiting = case("awaiting_materials", own)
            return ["/requests"] + waiting + [path + "/notice" for path in waiting] + case("accepted", own) + case("returned", own)
        if persona == "futown":
            return case("approving", "AND s.code = '610324002-T'") + case("handling", "AND s.code = '610324002-T'") + ["/requests/supervision"]
        if persona == "admin":
            return case("accepted") + case("closed") + ["/requests/supervision?jurisdiction=610324"]
        user = persona.replace("'", "")
        return tendering + rows(
            "SELECT '/tenders/' || pm.tender_id || '/evaluation' FROM tendering.panel_members pm "
            "JOIN identity.users u ON u.id = pm.user_id JOIN tendering.tenders t ON t.id = pm.tender_id "
            f"WHERE u.username = '{user}' AND t.status = 'evaluation' AND pm.submitted_at IS NULL "
            "ORDER BY pm.status = 'independent' DESC, t.reference LIMIT 1") + rows(
            "SELECT '/contracts/' || c.id FROM delivery.contracts c JOIN identity.users u ON u.organisation_id = c.supplier_id "
            f"WHERE u.username = '{user}' ORDER BY c.reference DESC LIMIT 1")
    return chosen


def readme_shots(spokes, base):
    """The README's five phone screenshots, 390 × 844 px, as the NGO and as a visitor with the survey link."""
    folder = os.path.join(live.ROOT, "docs/screenshots")
    os.makedirs(folder, exist_ok=True)
    tender = spokes.psql("SELECT id FROM tendering.tenders WHERE status = 'tendering' ORDER BY reference LIMIT 1")
    contract = spokes.psql("SELECT c.id FROM delivery.contracts c JOIN identity.users u ON u.organisation_id = c.supplier_id "
                           "WHERE u.username = 'ngo' ORDER BY c.status = 'signed' DESC, c.reference LIMIT 1")
    survey = spokes.psql("SELECT survey_token FROM delivery.contracts WHERE status = 'signed' ORDER BY reference LIMIT 1")
    browser = Browser(base, "zh")
    try:
        browser.width(390)
        browser.sign_in("ngo")

        def shot(name, path, scroll_to=None):
            browser.driver.get(base + path)
            if scroll_to:
                browser.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView(); window.scrollBy(0, -70)", scroll_to)
            browser.driver.save_screenshot(os.path.join(folder, f"{name}.png"))
            print(f"pages: screenshot {name}.png of {path}")
        shot("phone-home-ngo", "/")
        shot("phone-tender", f"/tenders/{tender}")
        shot("phone-bid-form", f"/tenders/{tender}", "form[action$='/bid']")
        shot("phone-contract", f"/contracts/{contract}")
        browser.driver.delete_all_cookies()
        shot("phone-survey", f"/lang?to=zh&back=/survey/{survey}")
    finally:
        browser.close()


def main():
    if "--readme-shots" in sys.argv:
        spokes = live.Spokes("pages-shots").seed()
        try:
            readme_shots(spokes, spokes.serve()[1])
        finally:
            spokes.stop()
        return
    shots = "--shots" in sys.argv
    only = [p for p in os.environ.get("PAGES_ONLY", "").split(",") if p]
    personas = [p for p in PERSONAS if not only or p in only]
    started = time.time()
    spokes = live.Spokes("pages").seed()
    findings, counts, failed = [], {}, False
    try:
        _, base = spokes.serve()
        chosen = examples(spokes)
        axe_seen = set()
        for persona in personas:
            for language in ("zh", "en"):
                extra = chosen(persona)
                before = len(findings)
                t0 = time.time()
                try:
                    counts[(persona, language)] = walk(base, persona, language, extra, findings, axe_seen, shots)
                except Exception as error:  # a walk that breaks is a finding, the others still run
                    findings.append(f"{persona} {language}: the walk broke: {error!r}")
                    counts[(persona, language)] = 0
                state = "ok" if len(findings) == before else f"{len(findings) - before} finding(s)"
                print(f"pages: {state}: {persona} {language}: {counts[(persona, language)]} pages, each at {len(WIDTHS)} widths "
                      f"({time.time() - t0:.1f} s)", flush=True)
                for finding in findings[before:]:
                    print(f"  - {finding}", flush=True)
        try:
            spokes.check_alive("the page walk")
        except live.ServerDied as died:
            findings.append(str(died))
            print(f"pages: FAILED: {died}", flush=True)
    finally:
        failed = bool(findings)
        spokes.stop(keep=failed)
    total = sum(counts.values())
    print(f"pages: {total} pages loaded ({len(personas)} users × 2 languages), each measured at {' and '.join(map(str, WIDTHS))} px, "
          f"{len(findings)} finding(s), {time.time() - started:.0f} s")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
