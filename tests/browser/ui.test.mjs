// The web UI in headless Chromium: stories page, search, a story with its
// timeline and who said what, an article with a highlighted shared passage
// and its quotations, the comparison, a person's page with their quotes.
// Run by scripts/browser-test: WIRETRACE_BIN is the binary, ARTIFACTS the
// folder for screenshots. Exits non-zero on the first failed check.
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const bin = process.env.WIRETRACE_BIN;
const artifacts = process.env.ARTIFACTS;
mkdirSync(artifacts, { recursive: true });
const db = join(mkdtempSync(join(tmpdir(), "wiretrace-ui-")), "demo.db");
execFileSync(bin, ["demo", "--demo-db", db], { stdio: "ignore" });

const server = spawn(bin, ["--db", db, "serve", "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (c) => reject(new Error(`server exited with ${c}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
let passed = 0;
const check = (cond, what) => { assert.ok(cond, what); passed++; console.log(`ok - ${what}`); };
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));

  await page.goto(base + "/");
  check((await page.locator("a.story").count()) === 3, "the stories page lists the demo's three stories");
  check(await page.getByLabel("From", { exact: true }).getAttribute("type") === "date"
        && await page.getByLabel("to", { exact: true }).getAttribute("type") === "date", "the date inputs are labelled");
  check(await page.locator("a.clear").count() === 0, "an unfiltered list offers nothing to clear");
  await page.screenshot({ path: join(artifacts, "1-stories.png"), fullPage: true });

  await page.fill("input[name=q]", "tram");
  await Promise.all([page.waitForURL(/q=tram/), page.click("button[type=submit]")]);
  check((await page.locator("a.story").count()) === 1, "searching 'tram' leaves one story");
  check((await page.locator("a.story").first().innerText()).includes("tram"), "it is the tram story");
  await page.screenshot({ path: join(artifacts, "2-search.png"), fullPage: true });
  await Promise.all([page.waitForURL(base + "/"), page.click("a.clear")]);
  check((await page.locator("a.story").count()) === 3 && (await page.inputValue("input[name=q]")) === "",
        "Clear takes the search away");

  await page.goto(base + "/");
  await Promise.all([page.waitForURL(/\/stories\//), page.click("a.story:has-text('dockworkers')")]);
  check(await page.locator("svg.axis circle").count() >= 3, "the story's timeline draws its articles on a time axis");
  check(await page.locator("svg.axis rect").count() >= 3, "and its dated events");
  check(await page.locator("table.timeline tr").count() >= 4, "the dated sentences are listed");
  const family = page.locator("details.family").first();
  check(await family.count() === 1, "copies are collapsed into a family");
  await family.locator("summary").click();
  const members = await family.locator("li").count();
  const summary = await family.locator("summary").innerText();
  check(summary.includes(`the original and ${members - 1} cop`), `the family counts its copies apart from the original (${summary}; ${members} listed)`);
  const articleTitles = await page.locator("a.article").allInnerTexts();
  const rowLinks = await page.locator("table.timeline td:nth-child(3) a").allInnerTexts();
  check(rowLinks.length >= 3 && rowLinks.every((t) => articleTitles.includes(t)), "timeline rows link their articles by title");
  const storyTitle = await page.locator("h1").innerText();
  const said = page.locator("section.who-said-what");
  check(await said.count() === 1, "the story shows who said what");
  const speakers = await said.locator(".said-by").allInnerTexts();
  check(speakers.length >= 2 && new Set(speakers).size === speakers.length,
        `its quotations are grouped by speaker, each speaker once (${speakers.join("; ")})`);
  const quoteMeta = await said.locator("li.quote .meta").allInnerTexts();
  check(quoteMeta.length >= 2 && quoteMeta.every((t) => /first reported by .+ · \d+ carriers?/.test(t)),
        "each quotation names its first reporter and its number of carriers");
  check(quoteMeta.some((t) => /· [2-9]\d* carriers/.test(t)), "a quotation carried by copies counts them all");
  await said.screenshot({ path: join(artifacts, "3d-who-said-what.png") });
  await page.screenshot({ path: join(artifacts, "3-story.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, "the story page fits a phone's width");
  const labels = await page.evaluate(() => [...document.querySelectorAll("svg.axis text")]
    .map((t) => t.getBoundingClientRect()).filter((r) => r.width > 0)
    .map((r) => ({ left: r.left, right: r.right, height: r.height })));
  check(labels.length >= 2 && labels.every((r) => r.height >= 10), `the axis labels are readable on a phone (${labels.map((r) => r.height.toFixed(1)).join(", ")} px high)`);
  check(labels.every((r, i) => i === 0 || labels[i - 1].right <= r.left), "and do not overlap");
  await page.locator("svg.axis").screenshot({ path: join(artifacts, "3c-axis-phone.png") });
  await page.screenshot({ path: join(artifacts, "3b-story-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 900 });

  await Promise.all([page.waitForURL(/\/articles\//), page.click("a.article:has-text('picket line')")]);
  const marks = page.locator(".text mark");
  check(await marks.count() >= 1, "the article highlights the passage it shares");
  check(((await marks.first().getAttribute("title")) || "").startsWith("from"), "the highlight names its source");
  check((await page.locator("p.meta:has-text('Story:') a").innerText()) === storyTitle, "the article names its story by its headline");
  const quoted = page.locator(".text q.said");
  check(await quoted.count() >= 1, "the article highlights its quotations");
  check(((await quoted.first().getAttribute("title")) || "").length > 0, "each highlight names who said it");
  check(await page.locator("ul.said li.quote").count() >= 1, "and lists who said what");
  await page.screenshot({ path: join(artifacts, "4-article.png"), fullPage: true });

  await Promise.all([page.waitForURL(/\/compare\?/), marks.first().locator("a").click()]);
  check(await page.locator(".passage").count() >= 1, "compare shows the aligned passages side by side");
  check(await page.locator(".side-b .role.source").count() === 1 && await page.locator(".side-a .role.source").count() === 0,
        "compare marks the source: the wire report (B), not the feature quoting it (A)");
  await page.screenshot({ path: join(artifacts, "5-compare.png"), fullPage: true });

  // A person's page: their quotes over time, reached from the story.
  await page.goto(base + "/");
  await Promise.all([page.waitForURL(/\/stories\//), page.click("a.story:has-text('dockworkers')")]);
  const person = page.locator("section.who-said-what a.speaker").first();
  const personName = (await person.innerText()).replace(/ \(.*\)$/, "");
  await Promise.all([page.waitForURL(/\/entities\//), person.click()]);
  check((await page.locator("h1").innerText()) === personName, `a speaker links to their page (${personName})`);
  const rows = page.locator("table.quotes tr");
  check(await rows.count() >= 2, "the page lists their quotes");
  const dates = await page.locator("table.quotes td:first-child").allInnerTexts();
  check(dates.every((d, i) => i === 0 || dates[i - 1] <= d), `in time order (${dates.join(", ")})`);
  await page.screenshot({ path: join(artifacts, "7-entity.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const entityOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(entityOverflow <= 1, "the person's page fits a phone's width");
  await page.screenshot({ path: join(artifacts, "7b-entity-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 900 });

  check(problems.length === 0, `no console errors (${problems.join("; ")})`);
  // Last: the browser logs the 404 it is about to get as a console error.
  const missing = await page.goto(base + "/no-such-page");
  check(missing.status() === 404 && (missing.headers()["content-type"] || "").startsWith("text/html")
        && (await page.locator("h1").innerText()) === "404", "an unknown page answers an HTML 404");
  await page.screenshot({ path: join(artifacts, "6-not-found.png"), fullPage: true });

  console.log(`browser: ${passed} checks passed`);
} finally {
  await browser.close();
  server.kill();
}
