//! A real browser for the pages' tests: Debian's Chromium driven over W3C WebDriver by its
//! `chromedriver`, with axe-core (from npm) for the accessibility scans. A few requests of the
//! protocol, through the same HTTP client as every other test: no mock of a browser.
//!
//! Where Chromium, its driver or axe-core is missing, [`Browser::start`] says `SKIPPED` and
//! returns `None`; where `VERBUND_REQUIRE_BROWSER` is set (CI, `.ci/run` installs them), a
//! missing one fails the test.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Http;

/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How the browser shows pages.
#[derive(Clone, Copy, Debug)]
pub struct Screen {
    /// CSS pixels wide.
    pub width: u32,
    /// CSS pixels high.
    pub height: u32,
}

impl Screen {
    /// An office PC.
    pub const DESKTOP: Screen = Screen {
        width: 1280,
        height: 900,
    };
    /// A small phone.
    pub const PHONE: Screen = Screen {
        width: 360,
        height: 780,
    };
}

/// A headless Chromium session.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    session: String,
    http: Http,
    /// axe-core's script, to inject into a page.
    axe: String,
}

/// True if the browser is required (CI).
fn required() -> bool {
    std::env::var_os("VERBUND_REQUIRE_BROWSER").is_some()
}

/// Says `SKIPPED` for a missing tool, or fails where the browser is required.
fn missing(what: &str) -> Option<Browser> {
    assert!(
        !required(),
        "{what} is required (VERBUND_REQUIRE_BROWSER) but missing; .ci/run installs it"
    );
    eprintln!("SKIPPED a browser test: {what} is missing (.ci/run installs it)");
    None
}

/// Where axe-core's script is: `VERBUND_AXE_JS`, else where `.ci/run` installs it.
fn axe_path() -> PathBuf {
    match std::env::var_os("VERBUND_AXE_JS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/browser/node_modules/axe-core/axe.min.js"),
    }
}

/// A free port on this machine.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts Chromium in `language` (`de`, `en`: what it asks in `Accept-Language`) on
    /// `screen`; `None` (SKIPPED) where it is not installed.
    pub fn start(language: &str, screen: Screen) -> Option<Browser> {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(chromium) = chromium else {
            return missing("chromium");
        };
        let Ok(axe) = std::fs::read_to_string(axe_path()) else {
            return missing("axe-core (npm)");
        };
        let port = free_port();
        let driver = match Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(driver) => driver,
            Err(_) => return missing("chromedriver"),
        };
        let http = Http::default();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http
            .try_send("GET", &format!("{base}/status"), None, &[], None)
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--no-first-run",
                        format!("--lang={language}"),
                    ],
                    "prefs": {"intl.accept_languages": language},
                    "mobileEmulation": {"deviceMetrics": {
                        "width": screen.width, "height": screen.height, "pixelRatio": 1.0,
                        "mobile": screen.width < 600, "touch": false
                    }},
                }
            }}
        });
        let reply = http.send(
            "POST",
            &format!("{base}/session"),
            None,
            &[],
            Some(&capabilities.to_string()),
        );
        let session = reply.json()["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a WebDriver session: {}", reply.text))
            .to_owned();
        Some(Browser {
            driver,
            session: format!("{base}/session/{session}"),
            http,
            axe,
        })
    }

    /// One WebDriver command; its `value`, or the status and `value` of its error.
    fn try_command(&self, method: &str, path: &str, body: Value) -> Result<Value, (u16, Value)> {
        let url = format!("{}{path}", self.session);
        let body = (method == "POST").then(|| body.to_string());
        let reply = self.http.send(method, &url, None, &[], body.as_deref());
        let value = reply.json()["value"].clone();
        match reply.status {
            200 => Ok(value),
            status => Err((status, value)),
        }
    }

    /// One WebDriver command; its `value`.
    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_command(method, path, body)
            .unwrap_or_else(|(status, value)| panic!("WebDriver {method} {path}: {status} {value}"))
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url }));
    }

    /// The URL shown.
    pub fn url(&self) -> String {
        self.command("GET", "/url", json!({}))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Does `act` — a click or a key that loads another page: a link, a form's post and the
    /// page it answers with or redirects to — and waits up to 5 seconds until that new page
    /// has loaded. Whatever is read next is read from it, never from the page acted on (whose
    /// heading or message may hold the same words).
    fn loads(&self, act: impl FnOnce()) {
        // The page acted on is marked; the page that replaces it is a new document, unmarked.
        self.execute("window.verbundLeft = true;", json!([]));
        act();
        let started = Instant::now();
        loop {
            let url = format!("{}/execute/sync", self.session);
            let body = json!({
                "script": "return document.readyState === 'complete' && !window.verbundLeft;",
                "args": [],
            })
            .to_string();
            // Between two documents the script may fail: that is not loaded yet.
            let reply = self.http.send("POST", &url, None, &[], Some(&body));
            if reply.status == 200 && reply.json()["value"] == json!(true) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no new page loaded; still on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks the element `css` selects — a link, a form's button — and waits until the page
    /// it leads to has loaded.
    pub fn click_to_load(&self, css: &str) {
        self.loads(|| self.click(css));
    }

    /// Presses `keys` (as [`Browser::press`]) on a link or button that leads to another page,
    /// and waits until that page has loaded.
    pub fn press_to_load(&self, keys: &str) {
        self.loads(|| self.press(keys));
    }

    /// The element `css` selects, waiting up to 5 seconds for it.
    pub fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self.try_command(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            );
            if let Ok(found) = found {
                return found[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("an element id: {found}"))
                    .to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no element {css:?} on {}: {}",
                self.url(),
                self.text("body")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many elements `css` selects now.
    pub fn count(&self, css: &str) -> usize {
        self.command(
            "POST",
            "/elements",
            json!({"using": "css selector", "value": css}),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    /// Does `act` on the element `css` selects, and answers its value; if a script replaced that element between
    /// finding it and acting on it (htmx swaps parts of a page), finds it again, for up to 5
    /// seconds.
    fn on_element(&self, css: &str, act: impl Fn(&str) -> Result<Value, (u16, Value)>) -> Value {
        let started = Instant::now();
        loop {
            let element = self.find(css);
            match act(&element) {
                Ok(value) => return value,
                Err((_, value))
                    if value["error"] == "stale element reference"
                        && started.elapsed() < Duration::from_secs(5) => {}
                Err((status, value)) => panic!("WebDriver on {css:?}: {status} {value}"),
            }
        }
    }

    /// Clicks the element `css` selects (one that changes the page in place; for one that
    /// loads another page, [`Browser::click_to_load`]).
    pub fn click(&self, css: &str) {
        self.on_element(css, |element| {
            self.try_command("POST", &format!("/element/{element}/click"), json!({}))
        });
    }

    /// Types `text` into the element `css` selects, after clearing it.
    pub fn fill(&self, css: &str, text: &str) {
        self.on_element(css, |element| {
            self.try_command("POST", &format!("/element/{element}/clear"), json!({}))?;
            self.try_command(
                "POST",
                &format!("/element/{element}/value"),
                json!({ "text": text }),
            )
        });
    }

    /// Chooses the option of the `select` element `css` whose value is `value`.
    pub fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    /// The visible text of the element `css` selects, as WebDriver renders it (a table's
    /// cells apart by spaces), waiting up to 5 seconds for it.
    pub fn text(&self, css: &str) -> String {
        self.on_element(css, |element| {
            self.try_command("GET", &format!("/element/{element}/text"), json!({}))
        })
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// The text of the element `css` selects once it holds `needle`, waiting up to 5 seconds
    /// (a form's answer arrives after its click returned).
    pub fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_for(css, needle, |text| text.contains(needle))
    }

    /// The text of the element `css` selects once it holds `needle` and no longer `gone` (a
    /// list filtered in place), waiting up to 5 seconds.
    pub fn wait_text_without(&self, css: &str, needle: &str, gone: &str) -> String {
        let wanted = format!("{needle} without {gone}");
        self.wait_for(css, &wanted, |text| {
            text.contains(needle) && !text.contains(gone)
        })
    }

    fn wait_for(&self, css: &str, needle: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            // The page may be between two documents: a failed read is read again.
            let url = format!("{}/execute/sync", self.session);
            let body = json!({
                "script": "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                "args": [css],
            })
            .to_string();
            let reply = self.http.send("POST", &url, None, &[], Some(&body));
            let text = match reply.status {
                200 => reply.json()["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                _ => String::new(),
            };
            if done(&text) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{needle:?} never showed in {css:?} on {}: {text}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The value of the element's `name` property, waiting up to 5 seconds for the element.
    pub fn property(&self, css: &str, name: &str) -> Value {
        self.on_element(css, |element| {
            self.try_command(
                "GET",
                &format!("/element/{element}/property/{name}"),
                json!({}),
            )
        })
    }

    /// The page printed as the browser prints it (A4 portrait, the print stylesheet
    /// applied): a PDF, base64-encoded as WebDriver answers it.
    pub fn print_pdf_base64(&self) -> String {
        self.command(
            "POST",
            "/print",
            json!({"orientation": "portrait", "page": {"width": 21.0, "height": 29.7}, "background": false}),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Runs `script` in the page with `args`; its result.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    /// Presses keys as a person at the keyboard does (`\u{E004}` is Tab, `\u{E007}` Enter,
    /// `\u{E00D}` Space), on whatever has the focus.
    pub fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.command(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        self.command("DELETE", "/actions", json!({}));
    }

    /// Moves the focus with Tab, as a keyboard user does, until it is on an element whose
    /// text or label holds `label`; fails if it is not reached within 40 steps.
    pub fn tab_to(&self, label: &str) {
        for _ in 0..40 {
            self.press("\u{E004}");
            let focused = self.execute(
                "const e = document.activeElement; return e ? (e.innerText || e.value || '') + ' ' + (e.getAttribute('aria-label') || '') + ' ' + ((e.labels && e.labels[0] && e.labels[0].innerText) || '') : '';",
                json!([]),
            );
            if focused.as_str().unwrap_or_default().contains(label) {
                return;
            }
        }
        panic!("the keyboard does not reach {label:?} on {}", self.url());
    }

    /// The page's width beyond the screen's, in CSS pixels: 0 where nothing scrolls sideways.
    pub fn overflow_x(&self) -> i64 {
        self.execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            json!([]),
        )
        .as_i64()
        .unwrap_or(i64::MAX)
    }

    /// The language the page declares (`<html lang>`).
    pub fn page_language(&self) -> String {
        self.execute("return document.documentElement.lang;", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The serious and critical violations axe-core finds on the page (WCAG 2.1 A and AA), as
    /// `rule: selectors` lines.
    pub fn accessibility_violations(&self) -> Vec<String> {
        self.execute(&self.axe, json!([]));
        let found = self.command(
            "POST",
            "/execute/async",
            json!({
                "script": "const done = arguments[arguments.length - 1]; axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))).catch(e => done(['axe failed: ' + e]));",
                "args": []
            }),
        );
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a screenshot of the page as PNG at `path`.
    pub fn screenshot(&self, path: &std::path::Path) {
        use std::io::Write as _;
        let data = self.command("GET", "/screenshot", json!({}));
        let png = base64_decode(data.as_str().expect("base64 text"));
        let mut file = std::fs::File::create(path).expect("a screenshot file");
        file.write_all(&png).expect("the screenshot is written");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.try_send("DELETE", &self.session, None, &[], None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Decodes standard base64 (a screenshot from the driver).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter_map(value) {
        buffer = buffer << 6 | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_as_written() {
        assert_eq!(super::base64_decode("aGVsbG8="), b"hello");
        assert_eq!(super::base64_decode("AAEC/w=="), [0, 1, 2, 255]);
    }
}
