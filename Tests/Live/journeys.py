"""The journeys through the HTML pages in a real browser (Debian's chromium, headless, driven by
Selenium), in Chinese and in English, each at a laptop's width (1280 px) and a phone's (390 px), with a
screenshot of every step in .build/live-results/journeys/<language>-<width>/:

1. a finance office drafts a tender from its purchase list and publishes it;
2. a social organisation bids for a lot of the tender open for bids;
3. an evaluator signs off a reported milestone, the supplier claims the payment, and the buyer
   approves and pays it;
4. a service user answers the satisfaction survey of a contract (opened from its QR code, so on a phone),
   choosing a rating by its label;
5. a resident proposes a need on the residents' voice page;
6. the grassroots tiers handle a resident's request and supervise (issue 23);
7. a new organisation joins the market, is vetted, offers, is found, rated 3A and bids (issue 24).

At 390 px every screenshot also checks that the page is no wider than the window (the width check of
every page is Tests/Live/pages.py). JOURNEYS_WIDTHS=390 runs one width only.

Each step checks what the page shows (and no error page or refused form); each journey ends by
checking through the API that the change is really stored. After each language's journeys the server
must still answer GET /health/live and its log hold no `Fatal error`.

    .build/live-venv/bin/python Tests/Live/journeys.py
"""
import os
import shutil
import sys
import time
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

import live


class Journey:
    """One browser session in one language, signing in as one user after another."""

    def __init__(self, base, language, folder, width=1280):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},1600"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        self.driver.set_page_load_timeout(60)
        self.base, self.language, self.folder, self.width = base, language, folder, width
        self.steps = 0
        os.makedirs(folder, exist_ok=True)

    def open(self, path):
        self.driver.get(self.base + path)
        self.check_no_error(path)

    def check_no_error(self, where):
        refused = self.driver.find_elements(By.CSS_SELECTOR, "[data-error], .error[role=alert]")
        if refused:
            raise AssertionError(f"{where}: the page shows an error: {refused[0].text[:300]}")

    def shot(self, name):
        """A screenshot of the whole page, not just the window's height of it; on a phone, the page must not be wider
        than the window."""
        self.steps += 1
        if self.width < 600:
            self.driver.set_window_size(self.width, 844)
            wide = self.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert wide[0] <= wide[1], f"{name}: the page is {wide[0]} px wide in a {wide[1]} px window"
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(self.width, max(800, min(height, 8000)))
        self.driver.save_screenshot(os.path.join(self.folder, f"{self.steps:02d}-{name}.png"))

    def sign_in(self, username, password=None):
        self.driver.delete_all_cookies()
        self.open(f"/lang?to={'en' if self.language == 'en' else 'zh'}&back=/login")
        self.driver.find_element(By.NAME, "username").send_keys(username)
        self.driver.find_element(By.NAME, "password").send_keys(password or live.PASSWORD)
        self.submit(self.form("/login"))
        assert self.driver.find_elements(By.CSS_SELECTOR, 'form[action="/logout"]'), f"{username} is not signed in"
        html = self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert html == ("en" if self.language == "en" else "zh-CN"), f"the page is in {html}, not {self.language}"

    def form(self, action_suffix):
        for form in self.driver.find_elements(By.TAG_NAME, "form"):
            if (form.get_attribute("action") or "").endswith(action_suffix):
                return form
        raise AssertionError(f"no form posting to …{action_suffix} on {self.driver.current_url}")

    def submit(self, form):
        form.find_element(By.CSS_SELECTOR, "button[type=submit], button:not([type])").click()
        # The click only starts the post: wait until the page it leads to has replaced this one.
        WebDriverWait(self.driver, 30).until(lambda _: self.gone(form))
        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.check_no_error(self.driver.current_url)

    @staticmethod
    def gone(element):
        """Whether the page holding `element` has been replaced (chromium says so in more than one way mid-navigation)."""
        try:
            element.is_enabled()
            return False
        except WebDriverException:  # stale, or "node does not belong to the document"
            return True

    def close(self):
        self.driver.quit()


def post_tender(journey, base, marker, spokes):
    journey.sign_in("finance")
    journey.shot("finance-signed-in")
    journey.open("/tenders/new")
    form = journey.form("/tenders")
    form.find_element(By.NAME, "title").send_keys(f"{marker} 社区居家养老服务")
    form.find_element(By.NAME, "description").send_keys("为辖区高龄、独居老人提供助餐、助洁和探访服务，旅程测试。")
    # The editor offers only lines with budget left (the others are shown disabled).
    offered = [box for box in form.find_elements(By.NAME, "lines") if box.is_enabled() and not box.is_selected()]
    assert offered, "the purchase list offers no line with budget left"
    offered[0].click()
    journey.shot("tender-form-filled")
    journey.submit(form)
    assert marker in journey.driver.page_source, "the draft does not show its title"
    tender_id = journey.driver.current_url.rstrip("/").split("/")[-1]
    journey.shot("tender-draft")
    journey.submit(journey.form(f"/tenders/{tender_id}/publish"))
    assert not [f for f in journey.driver.find_elements(By.TAG_NAME, "form") if (f.get_attribute("action") or "").endswith("/publish")]
    journey.shot("tender-published")
    status, _, tender = live.request(base, "GET", f"/api/v1/tenders/{tender_id}")
    assert status == 200 and tender["status"] == "enquiries", (status, tender)
    return f"tender {tender['reference']} published"


def seal_bid(journey, tender, lot, price, proposal, marker):
    """On the open tender's page: the lot's bid form filled (price in yuan) and sent; the bidder sees its sealed bid."""
    form = journey.form(f"/tenders/{tender['id']}/lots/{lot['id']}/bid")
    for name, value in (("price", str(price)), ("proposal", proposal)):
        form.find_element(By.NAME, name).clear()
        form.find_element(By.NAME, name).send_keys(value)
    journey.shot("bid-form-filled")
    journey.submit(form)
    assert marker in journey.driver.page_source, "the bidder does not see its sealed bid"
    journey.shot("bid-sealed-receipt")


def bid(journey, base, marker, spokes):
    status, _, tenders = live.request(base, "GET", "/api/v1/tenders?status=tendering")
    tender = tenders[0]
    lot = tender["lots"][0]
    price = lot["budgetFen"] // 200  # half the budget, in yuan
    journey.sign_in("ngo")
    journey.shot("ngo-signed-in")
    journey.open(f"/tenders/{tender['id']}")
    journey.shot("tender-open-for-bids")
    seal_bid(journey, tender, lot, price, f"{marker}：服务方案，配备持证社工六名，每周上门两次。", marker)
    token = live.token(base, "ngo")
    _, _, bids = live.request(base, "GET", f"/api/v1/tenders/{tender['id']}/my-bids", token=token)
    mine = [b for b in bids if b["lotId"] == lot["id"]]
    assert mine and marker in mine[0]["proposal"] and mine[0]["priceFen"] == price * 100, bids
    return f"bid of ¥{price:,} on {tender['reference']} sealed"


def sign_off_and_pay(journey, base, marker, spokes):
    contract_id, milestone_id = spokes.psql(
        "SELECT c.id, m.id FROM delivery.milestones m JOIN delivery.contracts c ON c.id = m.contract_id "
        "WHERE m.status = 'reported' ORDER BY c.reference, m.number LIMIT 1").split("|")
    supplier = spokes.psql(f"SELECT u.username FROM identity.users u JOIN delivery.contracts c ON c.supplier_id = u.organisation_id "
                           f"WHERE c.id = '{contract_id}' AND 'supplier' = ANY(u.roles) ORDER BY u.username LIMIT 1")
    journey.sign_in("evaluator2")
    journey.open(f"/contracts/{contract_id}")
    journey.shot("evaluator-contract")
    form = journey.form(f"/contracts/{contract_id}/milestones/{milestone_id}/sign-off")
    Select(form.find_element(By.NAME, "decision")).select_by_value("partially_met")
    form.find_element(By.NAME, "reasons").send_keys(f"{marker}：现场核查服务记录与回访，结果与报告一致。")
    journey.shot("sign-off-filled")
    journey.submit(form)
    journey.shot("signed-off")
    journey.sign_in(supplier)
    journey.open(f"/contracts/{contract_id}")
    journey.submit(journey.form(f"/contracts/{contract_id}/claims"))
    journey.shot("supplier-claimed")
    journey.sign_in("finance")
    journey.open(f"/contracts/{contract_id}")
    approve = [f for f in journey.driver.find_elements(By.TAG_NAME, "form") if (f.get_attribute("action") or "").endswith("/approve")]
    assert approve, "no claim waits for the buyer's approval"
    journey.shot("claim-waiting")
    journey.submit(approve[0])
    journey.shot("claim-approved")
    pay = [f for f in journey.driver.find_elements(By.TAG_NAME, "form") if (f.get_attribute("action") or "").endswith("/pay")][0]
    pay.find_element(By.NAME, "reference").send_keys(f"GK-{marker[-8:]}")
    journey.submit(pay)
    journey.shot("claim-paid")
    _, _, detail = live.request(base, "GET", f"/api/v1/contracts/{contract_id}", token=live.token(base, "finance"))
    paid = [c for c in detail["claims"] if c.get("treasuryReference") == f"GK-{marker[-8:]}"]
    assert paid and paid[0]["status"] == "paid", detail["claims"]
    return f"milestone signed off, claim {paid[0]['number']} of ¥{paid[0]['amountFen'] / 100:,.2f} approved and paid"


def survey(journey, base, marker, spokes):
    contract, token = spokes.psql("SELECT id, survey_token FROM delivery.contracts WHERE survey_token IS NOT NULL AND status = 'signed' "
                                  "ORDER BY reference LIMIT 1").split("|")
    before = int(spokes.psql(f"SELECT count(*) FROM delivery.survey_answers WHERE contract_id = '{contract}'"))
    journey.driver.delete_all_cookies()
    journey.open(f"/lang?to={'en' if journey.language == 'en' else 'zh'}&back=/survey/{token}")
    journey.shot("survey")
    form = journey.form(f"/survey/{token}")
    # The rating is chosen by its words, as a thumb does: the label must carry its radio button.
    label = [l for l in form.find_elements(By.CSS_SELECTOR, "label") if l.find_elements(By.CSS_SELECTOR, "input[type=radio][value='4']")][0]
    label.click()
    assert form.find_element(By.CSS_SELECTOR, "input[type=radio][value='4']").is_selected(), "a click on the label does not choose the rating"
    form.find_element(By.NAME, "comment").send_keys(f"{marker}：社工很耐心。")
    journey.shot("survey-filled")
    journey.submit(form)
    assert journey.driver.find_elements(By.CSS_SELECTOR, "[role=status]"), "no thanks after the answer"
    journey.shot("survey-thanks")
    after = int(spokes.psql(f"SELECT count(*) FROM delivery.survey_answers WHERE contract_id = '{contract}'"))
    assert after == before + 1, (before, after)
    return f"survey answered (rating 4), {after} answers on the contract"


def voice(journey, base, marker, spokes):
    journey.driver.delete_all_cookies()
    journey.open(f"/lang?to={'en' if journey.language == 'en' else 'zh'}&back=/voice")
    journey.shot("voice")
    form = [f for f in journey.driver.find_elements(By.TAG_NAME, "form")
            if (f.get_attribute("action") or "").endswith("/voice") and f.get_attribute("method") == "post"][0]
    form.find_element(By.NAME, "title").send_keys(f"{marker} 老旧小区加装扶手")
    form.find_element(By.NAME, "description").send_keys("楼道台阶陡，高龄老人上下楼不便，希望加装扶手并定期探访。")
    journey.shot("voice-filled")
    journey.submit(form)
    assert marker in journey.driver.page_source, "the proposed need is not listed"
    journey.shot("voice-proposed")
    count = spokes.psql(f"SELECT count(*) FROM transparency.needs WHERE title LIKE '{marker}%'")
    assert count == "1", count
    return "a need proposed on the residents' voice page"


def service_request(journey, base, marker, spokes):
    """Issue 23's journey: 永平村's clerk accepts an application for temporary assistance (FM-005) with a material
    missing and prints the one-time notice; the resident brings it; the clerk forwards; the Tiandu centre approves; the
    county centre pays it out (handles); the window hands it over; the resident follows it with the tracking code and
    the phone's last four digits, and rates it."""
    station = spokes.psql("SELECT id FROM grassroots.sites WHERE code = '610324002-V001'")
    phone = "1390000" + marker[-4:].translate(str.maketrans("abcdef", "123456"))
    journey.sign_in("fuclerk")
    journey.open("/requests")
    journey.shot("clerk-windows")
    journey.open(f"/sites/{station}/requests/new")
    form = journey.form(f"/sites/{station}/requests")
    form.find_element(By.CSS_SELECTOR, "input[name=itemCode][value='FM-005']").click()
    for material in ("M0001", "M0002", "M0004"):  # the household-assets declaration (M0005) is not brought
        form.find_element(By.CSS_SELECTOR, f"input[name='presented-FM-005'][value='{material}']").click()
    form.find_element(By.NAME, "name").send_keys(f"{marker}赵")
    form.find_element(By.NAME, "idNumber").send_keys("610324195001010029")
    form.find_element(By.NAME, "phone").send_keys(phone)
    journey.shot("application-filled")
    journey.submit(form)
    case = journey.driver.current_url.split("?")[0]
    path = case[len(base):]
    page = journey.driver.page_source
    assert "M0005" in page, "the missing material is not named"
    code = __import__("re").search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page).group(0)
    journey.shot("awaiting-materials")
    journey.open(path + "/notice")
    assert "M0005" in journey.driver.page_source and code in journey.driver.page_source
    journey.shot("one-time-notice")
    journey.open(path)
    supply = journey.form(path + "/materials")
    supply.find_element(By.CSS_SELECTOR, "input[name=presented][value='M0005']").click()
    journey.submit(supply)
    journey.shot("accepted")
    journey.submit(journey.form(path + "/forward"))
    journey.shot("forwarded")
    journey.sign_in("futown")
    journey.open(path)
    journey.submit(journey.form(path + "/approve"))
    journey.shot("approved-by-the-town")
    journey.sign_in("fucounty")
    journey.open(path)
    complete = journey.form(path + "/complete")
    complete.find_element(By.NAME, "text").send_keys(f"{marker}：核发临时救助金1500元")
    journey.submit(complete)
    journey.shot("handled-by-the-county")
    journey.sign_in("fuclerk")
    journey.open(path)
    journey.submit(journey.form(path + "/hand-over"))
    journey.shot("handed-over")
    # The resident, no account: the code and the four digits.
    journey.driver.delete_all_cookies()
    journey.open(f"/lang?to={'en' if journey.language == 'en' else 'zh'}&back=/track")
    track = journey.form("/track")
    track.find_element(By.NAME, "code").send_keys(code.lower())
    track.find_element(By.NAME, "tail").send_keys(phone[-4:])
    journey.submit(track)
    assert marker in journey.driver.page_source, "the resident does not see the result"
    assert f"{marker}赵" not in journey.driver.page_source, "the tracking page shows the applicant's name"
    journey.shot("tracked")
    rate = journey.form("/track/rate")
    label = [l for l in rate.find_elements(By.CSS_SELECTOR, "label") if l.find_elements(By.CSS_SELECTOR, "input[value='satisfied']")][0]
    label.click()
    journey.submit(rate)
    assert journey.driver.find_elements(By.CSS_SELECTOR, "[role=status]"), "no thanks after the rating"
    journey.shot("rated")
    row = spokes.psql(f"SELECT r.state, r.outcome, g.rating FROM grassroots.service_requests r JOIN grassroots.request_ratings g "
                      f"ON g.request_id = r.id WHERE r.tracking_code = '{code}'")
    assert row == "closed|granted|satisfied", row
    return f"case {code}: accepted at 永平村 with M0005 missing, approved by the town, handled by the county, rated satisfied"


def supervision(journey, base, marker, spokes):
    """Issue 23's supervision: a case at 永平村's window is five working days past its deadline, so the tier above (the
    Tiandu centre's head, futown) sees it on the station's overdue list with the highest alert, and the supervision page
    counts it; the county centre (fucounty) records the sampled re-check of the town's approval of temporary assistance.
    The server's clock is real time, so the case is aged in the database (moved back 12 days, deadlines with it) until
    training mode's instance clock (issue 27) can move time instead."""
    station = spokes.psql("SELECT id FROM grassroots.sites WHERE code = '610324002-V001'")
    code = spokes.psql(f"SELECT tracking_code FROM grassroots.service_requests WHERE accepting_site_id = '{station}' AND state = 'accepted' "
                       "ORDER BY registered_at LIMIT 1")
    assert code, "the demo has no accepted case at 永平村"
    spokes.psql("UPDATE grassroots.service_requests SET registered_at = registered_at - interval '12 days', "
                "accepted_at = accepted_at - interval '12 days', due_at = due_at - interval '12 days', "
                "head_alert_at = head_alert_at - interval '12 days', above_alert_at = above_alert_at - interval '12 days', "
                f"final_due_at = final_due_at - interval '12 days' WHERE tracking_code = '{code}'")
    journey.sign_in("futown")
    journey.open(f"/sites/{station}/requests?scope=overdue")
    page = journey.driver.page_source
    assert code in page, "the overdue case is not on the station's overdue list for the tier above"
    above = "上级督办" if journey.language == "zh" else "tier above"
    assert above in page, "the overdue list does not say the tier above is alerted"
    journey.shot("overdue-seen-by-the-town")
    journey.open("/requests/supervision?jurisdiction=610324002")
    journey.shot("town-supervision")
    journey.sign_in("fucounty")
    sampled = spokes.psql("SELECT r.id FROM grassroots.rechecks k JOIN grassroots.service_requests r ON r.id = k.request_id "
                          "WHERE k.outcome IS NULL LIMIT 1")
    assert sampled, "the demo has no open re-check"
    journey.open(f"/requests/{sampled}")
    form = journey.form(f"/requests/{sampled}/recheck")
    form.find_element(By.CSS_SELECTOR, "input[name=outcome][value='confirmed']").click()
    form.find_element(By.NAME, "text").send_keys(f"{marker}：入户核对家庭收入与财产，审批无误")
    journey.shot("recheck-filled")
    journey.submit(form)
    journey.shot("recheck-recorded")
    row = spokes.psql(f"SELECT outcome, finding FROM grassroots.rechecks WHERE request_id = '{sampled}'")
    assert row.startswith("confirmed|" + marker), row
    return f"case {code} overdue seen by the town with the tier-above alert; the county's re-check of {sampled[:8]} recorded"


def verified_records(journey, base, marker, spokes):
    """Issue 23's payment on verified records: the Fufeng finance office opens the station contract and reads, for each
    metric, the platform's figure beside the organisation's report and the evaluator's verified count, and the payment
    calculation naming the figure it paid on."""
    contract = spokes.psql("SELECT c.id FROM delivery.contracts c JOIN identity.organisations o ON o.id = c.buyer_id "
                           "WHERE o.credit_code = '11610324300000010K'")
    assert contract, "the demo has no Fufeng station contract"
    journey.sign_in("fufeng")
    journey.open(f"/contracts/{contract}")
    page = journey.driver.page_source
    record = "平台记录" if journey.language == "zh" else "Platform's record"
    assert record in page, "the contract page does not show the platform's record"
    reported = spokes.psql(f"SELECT results->>'on_time' FROM delivery.reports WHERE contract_id = '{contract}'")
    kept = spokes.psql(f"SELECT platform_figures->>'on_time' FROM delivery.signoffs WHERE contract_id = '{contract}'")
    assert reported and kept and int(reported) > int(kept), (reported, kept)
    line = f"平台记录{kept}" if journey.language == "zh" else f"platform's record {kept}"
    assert line in page, f"the calculation does not name the platform's figure {kept}"
    journey.shot("contract-paid-on-records")
    return f"the station contract shows {reported} reported and {kept} on the platform's records, and pays on {kept}"


def credit_code(first17):
    """The 18-character unified social credit code with its GB 32100 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + alphabet[(31 - total % 31) % 31]


def marketplace(journey, base, marker, spokes):
    """Issue 24's journey: a new social-work agency signs up at Lixia with its credit code and certificate (a registered
    one: an unregistered team may join and use the nursery, but only a registered organisation bids); the district's
    registrar (civil) returns it with a reason, it corrects and resubmits, the registrar approves; the incubator takes it
    into the nursery; it publishes an offer of home care; a buyer (finance) finds it in the directory by service and
    street and ticks it as an invitee; the registrar records its 3A rating; and it bids on a tender open for bids that
    asks for 3A."""
    name, username, password = f"{marker}泉水社会工作服务社", "agency" + marker[1:9].lower(), "journey-password-24"
    code = credit_code("52370102" + str(int(marker[1:9], 16) % 10**9).zfill(9))
    certificate = os.path.join(journey.folder, "certificate.pdf")
    open(certificate, "wb").write(b"%PDF-1.4\n%%EOF\n")
    journey.driver.delete_all_cookies()
    journey.open(f"/lang?to={'en' if journey.language == 'en' else 'zh'}&back=/join")
    form = journey.form("/join")
    Select(form.find_element(By.NAME, "form")).select_by_value("social_work_agency")
    Select(form.find_element(By.NAME, "jurisdictionCode")).select_by_value("370102")
    for field, value in (("nameZh", name), ("creditCode", code), ("registrationAuthority", "济南市历下区民政局"), ("legalRepresentative", "王建"),
                         ("contactName", "王建"), ("contactPhone", "13905310024"), ("email", f"{username}@example.cn"), ("username", username),
                         ("displayName", "王建"), ("password", password), ("certificate", certificate)):
        form.find_element(By.NAME, field).send_keys(value)
    journey.shot("join-filled")
    journey.submit(form)
    organisation = spokes.psql(f"SELECT id || '|' || status FROM identity.organisations WHERE name_zh = '{name}'")
    assert organisation.endswith("|applied"), organisation
    organisation = organisation.split("|")[0]
    journey.shot("applied")

    def decide(decision, reasons=""):
        journey.sign_in("civil")
        journey.open("/registrations")
        assert name in journey.driver.page_source, "the application is not in the registrar's queue"
        journey.open(f"/organisations/{organisation}")
        form = journey.form(f"/organisations/{organisation}/registration/decision")
        form.find_element(By.CSS_SELECTOR, f"input[name=decision][value={decision}]").click()
        form.find_element(By.NAME, "reasons").send_keys(reasons)
        journey.shot(f"registrar-{decision}")
        journey.submit(form)

    decide("return", "负责人姓名与身份证件不一致，请更正为“王建国”。")
    journey.sign_in(username, password)
    journey.open(f"/organisations/{organisation}")
    assert "王建国" in journey.driver.page_source, "the applicant does not see the bureau's reasons"
    form = journey.form(f"/organisations/{organisation}/registration")
    form.find_element(By.NAME, "legalRepresentative").clear()
    form.find_element(By.NAME, "legalRepresentative").send_keys("王建国")
    journey.shot("correction-filled")
    journey.submit(form)
    decide("approve")
    assert spokes.psql(f"SELECT status FROM identity.organisations WHERE id = '{organisation}'") == "approved"

    journey.sign_in("incubator")
    journey.open(f"/incubator/organisations/{organisation}")
    form = journey.form(f"/incubator/organisations/{organisation}/move")
    Select(form.find_element(By.NAME, "stage")).select_by_value("nursery")
    form.find_element(By.NAME, "reason").send_keys(f"{marker}：新登记的社区互助团队，入驻初创苗圃")
    journey.submit(form)
    journey.shot("in-the-nursery")

    journey.sign_in(username, password)
    journey.open("/supplier/offers")
    form = journey.form("/supplier/offers")
    Select(form.find_element(By.NAME, "itemCode")).select_by_value("A0101")
    Select(form.find_element(By.NAME, "areas")).select_by_value("370102")
    for field, value in (("capacity", "300"), ("priceMin", "1200"), ("priceMax", "1500"), ("description", f"{marker}：居家上门助餐助洁")):
        form.find_element(By.NAME, field).send_keys(value)
    journey.shot("offer-filled")
    journey.submit(form)
    assert f"{marker}：居家上门助餐助洁" in journey.driver.page_source
    journey.shot("offer-published")

    journey.sign_in("finance")
    journey.open("/suppliers?pick=1&code=A0101&area=370102010")
    assert name in journey.driver.page_source, "the buyer does not find the team in the directory by service and street"
    journey.driver.find_element(By.CSS_SELECTOR, f"input[name=invite][value='{organisation}']").click()
    journey.shot("directory-picked")
    button = journey.driver.find_element(By.CSS_SELECTOR, "button[formaction='/tenders/new']")
    button.click()
    WebDriverWait(journey.driver, 30).until(lambda _: journey.gone(button))
    box = journey.driver.find_element(By.CSS_SELECTOR, f"input[name=invited][value='{organisation}']")
    assert box.is_selected(), "the editor does not tick the invitee picked in the directory"
    journey.shot("editor-with-invitee")

    journey.sign_in("civil")
    journey.open(f"/organisations/{organisation}")
    journey.driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    form = journey.form(f"/organisations/{organisation}/ratings")
    Select(form.find_element(By.NAME, "level")).select_by_value("3")
    journey.driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "awardedOn"),
                                  time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400)))
    for field, value in (("points", "872"), ("assessedBy", "历下区社会组织评估委员会"), ("document", f"历民评〔2026〕{marker[-3:]}号")):
        form.find_element(By.NAME, field).send_keys(value)
    form.find_element(By.NAME, "file").send_keys(certificate)  # the rating certificate's scan, public with the rating
    journey.shot("rating-filled")
    journey.submit(form)
    assert spokes.psql(f"SELECT level FROM identity.ratings WHERE organisation_id = '{organisation}'") == "3"
    assert journey.driver.find_elements(By.CSS_SELECTOR, f"a[href^='/organisations/{organisation}/standing-documents/']"), \
        "the rating's document is not linked on the organisation's page"

    _, _, tenders = live.request(base, "GET", "/api/v1/tenders?status=tendering")
    tender = [t for t in tenders if (t.get("eligibility") or {}).get("minimumRating") == 3][0]
    lot = tender["lots"][-1]
    journey.sign_in(username, password)
    journey.open(f"/tenders/{tender['id']}")
    seal_bid(journey, tender, lot, lot["budgetFen"] // 250, f"{marker}：社工六名每周上门三次。", marker)
    bids = spokes.psql(f"SELECT count(*) FROM tendering.bids WHERE bidder_id = '{organisation}' AND tender_id = '{tender['id']}'")
    assert bids == "1", bids
    return f"agency {username} joined (returned once), entered the nursery, offered A0101, was found and picked, rated 3A, and bid on {tender['reference']}"


JOURNEYS = [("tender", post_tender), ("bid", bid), ("sign-off-and-payment", sign_off_and_pay), ("survey", survey), ("voice", voice),
            ("service-request", service_request), ("supervision", supervision), ("verified-records", verified_records),
            ("marketplace", marketplace)]
WIDTHS = [int(w) for w in os.environ.get("JOURNEYS_WIDTHS", "1280,390").split(",")]
# JOURNEYS_ONLY=marketplace,bid and JOURNEYS_LANGUAGES=zh run a part (while working on one); `make test-live` runs all.
ONLY = [name for name in os.environ.get("JOURNEYS_ONLY", "").split(",") if name]
LANGUAGES = os.environ.get("JOURNEYS_LANGUAGES", "zh,en").split(",")


def main():
    failures, done = [], 0
    shutil.rmtree(os.path.join(live.RESULTS, "journeys"), ignore_errors=True)
    journeys = [(name, walk) for name, walk in JOURNEYS if not ONLY or name in ONLY]
    for language, width in [(language, width) for language in LANGUAGES for width in WIDTHS]:
        spokes = live.Spokes(f"journeys-{language}-{width}").seed()
        # Every request logged, refusals included (at debug), so the log check after each journey reads all of it.
        spokes.env["LOG_LEVEL"] = "debug"
        try:
            _, base = spokes.serve()
            for name, walk in journeys:
                folder = os.path.join(live.RESULTS, "journeys", f"{language}-{width}", name)
                journey = Journey(base, language, folder, width)
                marker = f"J{uuid.uuid4().hex[:10]}"
                started = time.time()
                try:
                    outcome = walk(journey, base, marker, spokes)
                    done += 1
                    print(f"journeys: ok: {language} {width}px: {name}: {outcome} ({journey.steps} screenshots, {time.time() - started:.1f} s)", flush=True)
                except Exception as error:
                    journey.shot("failed")
                    failures.append(f"{language} {width}px {name}")
                    print(f"journeys: FAILED: {language} {width}px: {name}: {error!r} {getattr(error, 'msg', '')} (screenshots in {folder})", flush=True)
                finally:
                    journey.close()
            try:
                spokes.check_alive(f"the journeys in {language} at {width} px")
                print(f"journeys: ok: {language} {width}px: the server still live, no fatal error logged", flush=True)
            except live.ServerDied as died:
                failures.append(f"{language} server")
                print(f"journeys: FAILED: {language}: {died}", flush=True)
        finally:
            spokes.stop(keep=bool(failures))
    print(f"journeys: {done} of {len(journeys) * len(LANGUAGES) * len(WIDTHS)} journeys passed, in Chinese and in English at "
          f"{' and '.join(f'{w} px' for w in WIDTHS)}; screenshots in {live.RESULTS}/journeys")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
