#!/usr/bin/env python3
"""The worker's page in a real headless browser (Debian's chromium and chromedriver, via Selenium).

Fills the form for the bundled example household H001 (武汉市江岸区, three people, wage 1,500元),
submits it, reads the decisions on the page, checks the worker view is folded away and the
printable slip is filled, and saves screenshots of the answer and of the slip as printed.

    python3 Tests/browser/test_page.py http://127.0.0.1:PORT OUT_DIR
"""
import base64
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main():
    base, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,2400", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 15)
    try:
        driver.get(base + "/")
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")

        def household(key):
            return driver.find_element(By.CSS_SELECTOR, f"#household-fields [data-key='{key}']")

        def member(card, key):
            return card.find_element(By.CSS_SELECTOR, f"[data-key='{key}']")

        # The form comes from the schema: Chinese labels and what proves each field.
        labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#household-fields .field > label")]
        if "户籍类型" not in labels or "家庭金融资产合计" not in labels:
            fail(f"household labels from the schema missing: {labels}")
        asks = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#household-fields .ask"))
        if "户口簿" not in asks:
            fail("the documents that prove a field are not shown")

        driver.find_element(By.ID, "on").send_keys("")
        driver.execute_script("document.getElementById('on').value = '2023-12-01'")
        household("id").send_keys("H001")
        Select(household("region")).select_by_value("420102")
        Select(household("hukou_type")).select_by_visible_text("城镇")
        household("deposits").send_keys("8000")
        household("houses").send_keys("1")
        household("vehicles").send_keys("0")
        Select(household("vehicle_disability_aid")).select_by_visible_text("否")

        people = [
            ("P1", "张建国", "420102198003150032", "户主", "1500", True),
            ("P2", "李秀英", "420102198207040046", "配偶", "", False),
            ("P3", "张小明", "420102201009090055", "子女", "", None),
        ]
        driver.find_element(By.ID, "add-member").click()
        driver.find_element(By.ID, "add-member").click()
        driver.find_element(By.ID, "add-member").click()
        cards = driver.find_elements(By.CSS_SELECTOR, "[data-member]")
        if len(cards) != 4:
            fail(f"expected 4 member cards after adding three, found {len(cards)}")
        # Remove the last one again: members can be added and removed.
        cards[-1].find_element(By.CSS_SELECTOR, "button.remove").click()
        cards = driver.find_elements(By.CSS_SELECTOR, "[data-member]")
        if len(cards) != 3:
            fail(f"expected 3 member cards after removing one, found {len(cards)}")
        for card, (pid, name, idn, relation, wage, able) in zip(cards, people):
            member(card, "id").send_keys(pid)
            member(card, "name").send_keys(name)
            member(card, "id_number").send_keys(idn)
            Select(member(card, "relation")).select_by_visible_text(relation)
            for key in ("in_prison", "missing_declared", "work_injury_care_allowance"):
                Select(member(card, key)).select_by_visible_text("否")
            member(card, "disability_grade").send_keys("0")
            Select(member(card, "obligor_status")).select_by_value("capable")
            if able is not None:
                Select(member(card, "able_to_work")).select_by_visible_text("是" if able else "否")
            if wage:
                card.find_element(By.CSS_SELECTOR, "[data-key='incomes'] input[data-kind='wage']").send_keys(wage)
            else:
                card.find_element(By.CSS_SELECTOR, "[data-key='incomes'] input[data-none]").click()
        Select(member(cards[2], "student")).select_by_value("up_to_bachelor")
        Select(member(cards[2], "orphan_support")).select_by_visible_text("否")

        driver.find_element(By.ID, "submit").click()
        wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#decisions .decision")))

        title = driver.find_element(By.ID, "answer-title").text
        if title != "张某某家（3人）· 武汉市江岸区 · 2023年12月1日":
            fail(f"answer title: {title!r}")
        dibao = driver.find_element(By.CSS_SELECTOR, ".decision[data-policy='dibao']")
        if dibao.get_attribute("data-status") != "eligible" or "符合，预计每月1,320元" not in dibao.text:
            fail(f"低保 decision on the page: {dibao.text!r}")
        if "家庭人均月收入500元，低于武汉市江岸区低保标准940元" not in dibao.text:
            fail("the reason with its figures is not shown")
        page_text = driver.find_element(By.ID, "answer").text
        if "张建国" in page_text or "420102198003150032" in page_text:
            fail("a name or ID number is shown unmasked")
        worker = dibao.find_element(By.CSS_SELECTOR, "details.worker")
        if worker.get_attribute("open") is not None or worker.find_element(By.TAG_NAME, "pre").is_displayed():
            fail("the worker view is not folded away")
        worker.find_element(By.TAG_NAME, "summary").click()
        if "policies/dibao.yaml" not in worker.find_element(By.TAG_NAME, "pre").text:
            fail("the worker view does not name the rule source")
        gaoling = driver.find_elements(By.CSS_SELECTOR, ".decision[data-policy='gaoling']")
        if not gaoling or "将于2060年3月15日年满80周岁" not in gaoling[0].text:
            fail("高龄津贴 does not say when it would change")

        driver.find_element(By.ID, "answer").screenshot(os.path.join(out, "answer.png"))

        slip = driver.find_element(By.ID, "slip").get_attribute("textContent")
        for expected in ("社会救助政策资格初步核对结果", "最低生活保障：符合，预计每月1,320元", "以民政部门审核确认", "规则版本"):
            if expected not in slip:
                fail(f"the printable slip lacks {expected!r}: {slip[:300]!r}")
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, "paperWidth": 8.27, "paperHeight": 11.69})
        with open(os.path.join(out, "slip.pdf"), "wb") as f:
            f.write(base64.b64decode(pdf["data"]))

        # A household the rules cannot read: the errors are shown, the page stays usable.
        Select(household("region")).select_by_value("")
        driver.find_element(By.ID, "submit").click()
        wait.until(EC.visibility_of_element_located((By.ID, "check-error")))
        if "区划代码" not in driver.find_element(By.ID, "check-error").text:
            fail(f"the error for a missing region: {driver.find_element(By.ID, 'check-error').text!r}")

        # The policy sheets are linked for the chosen region.
        driver.find_element(By.CSS_SELECTOR, "[data-tab='policies']").click()
        links = driver.find_elements(By.CSS_SELECTOR, "#policy-list a")
        if len(links) < 8 or "format=html" not in links[0].get_attribute("href"):
            fail("the policy sheets are not listed")
        driver.get(links[0].get_attribute("href"))
        if "政策明白纸" not in driver.find_element(By.TAG_NAME, "body").text:
            fail("a policy sheet does not open")
        print(f"ok: page filled, submitted and read; screenshots in {out}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
