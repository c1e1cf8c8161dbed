//! The static status page: one self-contained HTML file.
//!
//! It loads nothing from elsewhere and runs no script: filtering by modality,
//! status, access and licence family is plain CSS (`:has()` on checkboxes and radio buttons). The
//! Content-Security-Policy allows exactly the one inline stylesheet (by its
//! SHA-256) and `data:` images, so even markup that slipped through escaping
//! could neither run nor load anything. Every piece of text from the catalog
//! or the state goes through `escape::html`; links only for http(s) URLs.
//!
//! Its one `<script>` element is a data block: the catalog as schema.org
//! JSON-LD (`report::export::jsonld`) for search engines, typed
//! `application/ld+json`, which a browser never runs, so the policy needs no
//! `script-src` for it. Inside it every `<` is written `\u003c`, so no text
//! can close the element (`</script>`) or open a comment (`<!--`).

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use crate::catalog::entry::{Access, Flag, ResourceKind};
use crate::observation::Status;
use crate::report::common::{
    age, attention_list, counts, day, empty_attention_text, flag_letter, minute, needs_attention,
};
use crate::report::escape::{html, html_link};
use crate::report::model::{ResourceStatus, StatusReport};

/// How many recent runs the history strip shows.
pub const HISTORY_LENGTH: usize = 14;

/// The six modality columns: (CSS id suffix, title), in the survey's order.
const MODALITIES: [(&str, &str); 6] = [
    ("ct", "CT"),
    ("xray", "X-ray"),
    ("mrt", "MRT"),
    ("ultrasound", "Ultrasound"),
    ("metadata", "Metadata"),
    ("case-review", "Case review"),
];

/// The full page.
pub fn render(report: &StatusReport) -> String {
    let css = stylesheet();
    let mut out = String::with_capacity(16 * 1024 + report.resources.len() * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>catwatch · COVID-19 imaging resources</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{css}</style>\n\
         <script type=\"application/ld+json\">\n{}</script>\n</head>\n<body>\n",
        content_security_policy(&css),
        json_script_data(&crate::report::export::jsonld(report, &[]))
    );
    header(&mut out, report);
    out.push_str("<main>\n");
    cards(&mut out, report);
    attention(&mut out, report);
    filters(&mut out, report);
    table(&mut out, report);
    out.push_str("</main>\n");
    footer(&mut out);
    out.push_str("</body>\n</html>\n");
    out
}

/// JSON as the text of a `<script>` data block: `<` appears only inside JSON
/// strings, where `\u003c` means the same character.
fn json_script_data(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The policy the page sets for itself: nothing but its own stylesheet.
pub fn content_security_policy(css: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        base64(&Sha256::digest(css.as_bytes()))
    )
}

fn header(out: &mut String, report: &StatusReport) {
    out.push_str(
        "<header class=\"top\">\n<div class=\"wrap\">\n\
         <p class=\"eyebrow\">catwatch</p>\n\
         <h1>COVID-19 medical imaging resources</h1>\n\
         <p class=\"lede\">Which public data sets are still online, and how fresh they are.</p>\n\
         <p class=\"meta\">",
    );
    let _ = write!(
        out,
        "Generated <time datetime=\"{}\">{}</time>",
        report.generated_at,
        minute(report.generated_at)
    );
    match report.last_successful_run {
        Some(at) => {
            let _ = write!(
                out,
                " · last successful run <time datetime=\"{at}\">{}</time>",
                minute(at)
            );
        }
        None => out.push_str(" · no successful run yet"),
    }
    out.push_str("</p>\n</div>\n</header>\n");
    if report.monitor_degraded {
        out.push_str(
            "<div class=\"wrap\"><p class=\"banner\" role=\"status\"><strong>Monitor degraded.</strong> \
             The last run judged its own network broken (too many probes failed at once); \
             the statuses below were frozen and may be out of date.</p></div>\n",
        );
    }
}

fn cards(out: &mut String, report: &StatusReport) {
    let (by_status, unchecked) = counts(report);
    out.push_str("<section class=\"wrap cards\" aria-label=\"Summary\">\n");
    let total = report.resources.len();
    let _ = writeln!(
        out,
        "<div class=\"card total\"><span class=\"n\">{total}</span><span class=\"l\">{}</span></div>",
        if total == 1 { "resource" } else { "resources" }
    );
    for (status, n) in by_status {
        let _ = writeln!(
            out,
            "<div class=\"card st-{status}\"><span class=\"n\">{n}</span><span class=\"l\"><span class=\"dot\" aria-hidden=\"true\"></span>{status}</span></div>"
        );
    }
    if unchecked > 0 {
        let _ = writeln!(
            out,
            "<div class=\"card st-none\"><span class=\"n\">{unchecked}</span><span class=\"l\"><span class=\"dot\" aria-hidden=\"true\"></span>not checked</span></div>"
        );
    }
    out.push_str("</section>\n");
}

fn attention(out: &mut String, report: &StatusReport) {
    let list = attention_list(report);
    let _ = write!(
        out,
        "<details class=\"wrap needs\" open>\n<summary><h2>Needs attention <span class=\"count\">{}</span></h2></summary>\n",
        list.len()
    );
    if list.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"calm\">{}</p>\n</details>",
            html(empty_attention_text(report))
        );
        return;
    }
    out.push_str("<ul>\n");
    for r in list {
        let _ = write!(
            out,
            "<li><span class=\"state\">{}</span><span class=\"what\"><span class=\"name\">{}</span>",
            pill(r),
            html_link(&r.url, &r.name)
        );
        if let Some(message) = r.message.clone().or(r.reason.map(|code| code.to_string())) {
            let _ = write!(out, " <span class=\"why\">{}</span>", html(&message));
        }
        if let Some(to) = &r.moved_to {
            let _ = write!(
                out,
                " <span class=\"why\">now at {}</span>",
                html_link(to, to)
            );
        }
        for extra in crate::report::common::extras(r) {
            match extra {
                crate::report::common::Extra::Archived { text, url } => {
                    let _ = write!(
                        out,
                        " <span class=\"why\">{}: {}</span>",
                        html(&text),
                        html_link(url, url)
                    );
                }
                crate::report::common::Extra::Text(text) => {
                    let _ = write!(out, " <span class=\"why\">{}</span>", html(&text));
                }
            }
        }
        out.push_str("</span>");
        if let Some(since) = r.since {
            let _ = write!(out, "<span class=\"when\">since {}</span>", day(since));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</details>\n");
}

fn filters(out: &mut String, report: &StatusReport) {
    out.push_str(
        "<section class=\"wrap filters\" aria-label=\"Filters\">\n\
         <fieldset><legend>Includes</legend>\n",
    );
    for (key, title) in MODALITIES {
        let _ = writeln!(
            out,
            "<label class=\"chip\"><input type=\"checkbox\" id=\"m-{key}\"><span>{title}</span></label>"
        );
    }
    out.push_str(
        "</fieldset>\n<fieldset><legend>Status</legend>\n\
         <label class=\"chip\"><input type=\"radio\" name=\"status\" id=\"s-all\" checked><span>All</span></label>\n\
         <label class=\"chip\"><input type=\"radio\" name=\"status\" id=\"s-attention\"><span>Needs attention</span></label>\n",
    );
    let (by_status, unchecked) = counts(report);
    for (status, _) in by_status {
        let _ = writeln!(
            out,
            "<label class=\"chip\"><input type=\"radio\" name=\"status\" id=\"s-{status}\"><span>{status}</span></label>"
        );
    }
    if unchecked > 0 {
        out.push_str("<label class=\"chip\"><input type=\"radio\" name=\"status\" id=\"s-none\"><span>not checked</span></label>\n");
    }
    // Access and licence: a chip for each value some resource has.
    let groups: [FilterGroup<'_>; 2] = [
        (
            "Access",
            "a",
            ACCESS
                .iter()
                .filter(|(access, _, _)| report.resources.iter().any(|r| r.access == *access))
                .map(|(_, key, title)| (*key, *title))
                .collect(),
        ),
        (
            "Licence",
            "l",
            LICENSE_FAMILIES
                .iter()
                .filter(|(key, _)| {
                    report
                        .resources
                        .iter()
                        .any(|r| license_family(&r.license) == *key)
                })
                .copied()
                .collect(),
        ),
    ];
    for (legend, prefix, chips) in groups {
        let _ = writeln!(
            out,
            "</fieldset>\n<fieldset><legend>{legend}</legend>\n\
             <label class=\"chip\"><input type=\"radio\" name=\"{prefix}\" id=\"{prefix}-all\" checked><span>All</span></label>"
        );
        for (key, title) in chips {
            let _ = writeln!(
                out,
                "<label class=\"chip\"><input type=\"radio\" name=\"{prefix}\" id=\"{prefix}-{key}\"><span>{title}</span></label>"
            );
        }
    }
    out.push_str("</fieldset>\n</section>\n");
}

/// A radio group of filters: its legend, its id prefix, and (key, words) per chip.
type FilterGroup<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// Every access model: the value, its filter key and its chip's words.
const ACCESS: [(Access, &str, &str); 5] = [
    (Access::Open, "open", "Open"),
    (Access::Registration, "registration", "Registration"),
    (Access::Request, "request", "On request"),
    (Access::Agreement, "agreement", "Data agreement"),
    (Access::Closed, "closed", "Closed"),
];

fn access_key(access: Access) -> &'static str {
    ACCESS
        .iter()
        .find(|(a, _, _)| *a == access)
        .map_or("closed", |(_, key, _)| key)
}

/// The licence families a reader filters by, read off the SPDX id alone
/// (a licence the catalog names without one is "other").
const LICENSE_FAMILIES: [(&str, &str); 5] = [
    ("cc0", "Public domain (CC0, PDDL)"),
    ("cc-by", "CC BY, BY-SA"),
    ("nc", "Non-commercial (…-NC)"),
    ("other", "Other licence"),
    ("unknown", "Unknown"),
];

fn license_family(license: &crate::catalog::entry::License) -> &'static str {
    match (license.spdx.as_deref(), license.name.as_deref()) {
        (Some("CC0-1.0" | "PDDL-1.0"), _) => "cc0",
        (Some(spdx), _) if spdx.contains("-NC") => "nc",
        (Some(spdx), _) if spdx.starts_with("CC-BY-") => "cc-by",
        (Some(_), _) | (None, Some(_)) => "other",
        (None, None) => "unknown",
    }
}

fn table(out: &mut String, report: &StatusReport) {
    out.push_str(
        "<section class=\"wrap\" aria-labelledby=\"table-title\">\n\
         <h2 id=\"table-title\">All resources</h2>\n<div class=\"table-wrap\">\n<table>\n\
         <thead><tr><th scope=\"col\">Resource</th><th scope=\"col\">Status</th>\
         <th scope=\"col\">Last update</th>",
    );
    for (_, title) in MODALITIES {
        let _ = write!(out, "<th scope=\"col\" class=\"flag\">{title}</th>");
    }
    let _ = write!(
        out,
        "<th scope=\"col\">Last {HISTORY_LENGTH} runs</th></tr></thead>\n<tbody>\n"
    );
    for r in &report.resources {
        row(out, r, report);
    }
    out.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn row(out: &mut String, r: &ResourceStatus, report: &StatusReport) {
    let flags = r.modalities.columns();
    let mut classes = format!("row st-{}", status_class(r.status));
    if needs_attention(r) {
        classes.push_str(" attention");
    }
    let _ = write!(out, "<tr class=\"{classes}\" data-id=\"{}\"", html(&r.id));
    for ((key, _), (_, flag)) in MODALITIES.iter().zip(flags.iter()) {
        let _ = write!(out, " data-{key}=\"{}\"", flag_letter(*flag));
    }
    let _ = write!(
        out,
        " data-access=\"{}\" data-license=\"{}\"",
        access_key(r.access),
        license_family(&r.license)
    );
    out.push_str(">\n");
    let mut sub = format!(
        "{} · {} · {} · {} · verified {}",
        html(&r.id),
        kind_text(r.kind),
        access_text(r.access),
        html(&license_text(&r.license)),
        r.last_verified
    );
    if let Some(n) = r.survey_reference {
        let _ = write!(sub, " · survey [{n}]");
    }
    let _ = writeln!(
        out,
        "<th scope=\"row\"><span class=\"name\">{}</span><span class=\"sub\">{sub}</span></th>",
        html_link(&r.url, &r.name)
    );
    let since = match r.since {
        Some(at) => format!("<span class=\"sub\">since {}</span>", day(at)),
        None => String::new(),
    };
    let _ = writeln!(out, "<td>{}{since}</td>", pill(r));
    match &r.last_updated {
        Some(d) => {
            let _ = writeln!(
                out,
                "<td><time datetime=\"{}\">{}</time><span class=\"sub\" title=\"{}\">{}</span></td>",
                d.at,
                day(d.at),
                html(&d.source),
                html(&age(d.at, report.generated_at))
            );
        }
        None => out.push_str("<td><span class=\"muted\">unknown</span></td>\n"),
    }
    for (_, flag) in flags {
        let letter = flag_letter(flag);
        let word = match flag {
            Flag::Y => "yes",
            Flag::N => "no",
            Flag::U => "unknown",
        };
        let _ = write!(
            out,
            "<td class=\"flag f-{letter}\"><abbr title=\"{word}\">{letter}</abbr></td>"
        );
    }
    out.push('\n');
    history(out, r);
    out.push_str("</tr>\n");
}

fn history(out: &mut String, r: &ResourceStatus) {
    if r.history.is_empty() {
        out.push_str("<td><span class=\"muted\">none yet</span></td>\n");
        return;
    }
    let recent = &r.history[r.history.len().saturating_sub(HISTORY_LENGTH)..];
    let _ = write!(
        out,
        "<td><ol class=\"history\" aria-label=\"{} runs, oldest first\">",
        recent.len()
    );
    for point in recent {
        let label = format!("{}: {}", day(point.at), point.status);
        let _ = write!(
            out,
            "<li class=\"st-{}\" title=\"{label}\"><span class=\"vh\">{label}</span></li>",
            point.status
        );
    }
    out.push_str("</ol></td>\n");
}

fn pill(r: &ResourceStatus) -> String {
    let text = match r.status {
        Some(status) => status.as_str(),
        None => "not checked",
    };
    let flapping = if r.flapping {
        " <span class=\"flapping\">flapping</span>"
    } else {
        ""
    };
    format!(
        "<span class=\"pill st-{}\"><span class=\"dot\" aria-hidden=\"true\"></span>{text}</span>{flapping}",
        status_class(r.status)
    )
}

fn status_class(status: Option<Status>) -> &'static str {
    status.map_or("none", Status::as_str)
}

fn kind_text(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Imaging => "imaging",
        ResourceKind::Literature => "literature",
    }
}

/// The licence as a reader needs it: its name, and how sure the catalog is.
fn license_text(license: &crate::catalog::entry::License) -> String {
    use crate::catalog::entry::LicenseStatus;
    let named = license.spdx.as_deref().or(license.name.as_deref());
    match (named, license.status) {
        (Some(name), LicenseStatus::Confirmed) => format!("licence {name}"),
        (Some(name), LicenseStatus::Believed) => format!("licence {name} (believed)"),
        _ => "licence unknown".to_owned(),
    }
}

fn access_text(access: Access) -> &'static str {
    match access {
        Access::Open => "open access",
        Access::Registration => "registration",
        Access::Request => "on request",
        Access::Agreement => "data agreement",
        Access::Closed => "closed",
    }
}

fn footer(out: &mut String) {
    out.push_str(
        "<footer class=\"wrap\">\n<p>Y / N / U: the modality is present, absent, or unknown, as in the 2020 survey. \
         Statuses come from catwatch's nightly checks: <em>stale</em> means no update for longer than the threshold, \
         <em>failing</em> a transient failure, <em>dead</em> gone for several runs, <em>blocked</em> a bot wall \
         (alive as far as we can tell).</p>\n\
         <p>This page runs no script and loads nothing from elsewhere.</p>\n</footer>\n",
    );
}

/// The stylesheet, with the filter rules generated for every modality and
/// status so that the page needs no script.
pub fn stylesheet() -> String {
    let mut css = String::from(BASE_CSS);
    for (key, _) in MODALITIES {
        let _ = writeln!(
            css,
            "body:has(#m-{key}:checked) tr.row:not([data-{key}=\"Y\"]){{display:none}}"
        );
    }
    css.push_str("body:has(#s-attention:checked) tr.row:not(.attention){display:none}\n");
    for status in Status::ALL.iter().map(|s| s.as_str()).chain(["none"]) {
        let _ = writeln!(
            css,
            "body:has(#s-{status}:checked) tr.row:not(.st-{status}){{display:none}}"
        );
    }
    for (_, key, _) in ACCESS {
        let _ = writeln!(
            css,
            "body:has(#a-{key}:checked) tr.row:not([data-access=\"{key}\"]){{display:none}}"
        );
    }
    for (key, _) in LICENSE_FAMILIES {
        let _ = writeln!(
            css,
            "body:has(#l-{key}:checked) tr.row:not([data-license=\"{key}\"]){{display:none}}"
        );
    }
    css
}

const BASE_CSS: &str = r#"
:root{--bg:#f6f7f9;--panel:#fff;--text:#1c2024;--muted:#5c6670;--line:#e1e4e8;--accent:#2f5bd3;--chip:#eef1f5;
--ok:#1a7f37;--stale:#9a6700;--moved:#bc4c00;--failing:#bc4c00;--dead:#cf222e;--blocked:#0969da;--archived:#6e7781;--unknown:#6e7781;--none:#8c959f}
@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--panel:#161b22;--text:#e6edf3;--muted:#8d96a0;--line:#30363d;--accent:#6d9eff;--chip:#21262d;
--ok:#3fb950;--stale:#d29922;--moved:#f0883e;--failing:#f0883e;--dead:#f85149;--blocked:#58a6ff;--archived:#8d96a0;--unknown:#8d96a0;--none:#6e7681}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif;overflow-wrap:break-word}
.why,tbody th,.calm,footer p{overflow-wrap:anywhere}
.needs li>*{min-width:0}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
.top{background:var(--panel);border-bottom:1px solid var(--line);padding:28px 0 20px;margin-bottom:20px}
.eyebrow{margin:0;font-size:12px;letter-spacing:.12em;text-transform:uppercase;color:var(--accent);font-weight:700}
h1{margin:2px 0 4px;font-size:26px;line-height:1.2;letter-spacing:-.01em}
.lede{margin:0;color:var(--muted)}
.meta{margin:8px 0 0;font-size:13px;color:var(--muted)}
h2{font-size:17px;margin:0 0 10px}
.count{display:inline-block;min-width:1.6em;padding:0 .45em;border-radius:999px;background:var(--chip);font-size:13px;text-align:center;color:var(--muted)}
.banner{margin:0 0 16px;padding:10px 14px;border-radius:8px;border:1px solid var(--stale);background:color-mix(in srgb,var(--stale) 12%,var(--panel))}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:20px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 16px;min-width:108px;display:flex;flex-direction:column}
.card .n{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
.card .l{font-size:13px;color:var(--muted);display:flex;align-items:center;gap:6px}
.card.total{border-color:transparent;background:transparent;padding-left:0}
.needs{margin-bottom:22px}
.needs summary{cursor:pointer;list-style:none;margin-bottom:10px}
.needs summary::-webkit-details-marker{display:none}
.needs summary h2{display:inline;margin:0}
.needs summary::after{content:"hide";margin-left:10px;font-size:12px;color:var(--accent)}
.needs:not([open]) summary::after{content:"show"}
.needs ul{list-style:none;margin:0;padding:0;background:var(--panel);border:1px solid var(--line);border-radius:10px}
.needs li{padding:7px 14px;border-top:1px solid var(--line);display:grid;grid-template-columns:160px 1fr auto;gap:4px 12px;align-items:baseline}
.needs li:first-child{border-top:0}
.needs .why{color:var(--muted);font-size:13px;margin-left:4px}
.needs .when{font-size:12px;color:var(--muted);white-space:nowrap}
.calm{margin:0;padding:10px 14px;background:var(--panel);border:1px solid var(--line);border-radius:10px;color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:8px 24px;margin-bottom:14px}
fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;align-items:center;gap:6px}
legend{float:left;margin-right:6px;font-size:13px;font-weight:600;color:var(--muted)}
.chip{position:relative;cursor:pointer;font-size:13px}
.chip input{position:absolute;opacity:0;width:1px;height:1px}
.chip span{display:inline-block;padding:3px 11px;border-radius:999px;border:1px solid var(--line);background:var(--panel)}
.chip input:checked+span{background:var(--accent);border-color:var(--accent);color:#fff}
.chip input:focus-visible+span{outline:2px solid var(--accent);outline-offset:2px}
.table-wrap{position:relative;overflow-x:auto;background:var(--panel);border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:9px 12px;text-align:left;vertical-align:top;border-top:1px solid var(--line)}
thead th{border-top:0;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;white-space:nowrap;background:var(--panel);position:sticky;top:0}
tbody th{font-weight:400;min-width:220px}
tbody tr:hover{background:color-mix(in srgb,var(--accent) 5%,transparent)}
.name{font-weight:600}
.sub{display:block;font-size:12px;color:var(--muted)}
td .sub{white-space:nowrap}
.muted{color:var(--muted)}
.flag{text-align:center;width:1%;white-space:nowrap}
td.flag abbr{text-decoration:none;font-weight:700;font-size:12px;display:inline-block;width:22px;height:22px;line-height:22px;border-radius:6px}
.f-Y abbr{background:color-mix(in srgb,var(--ok) 16%,transparent);color:var(--ok)}
.f-N abbr{color:var(--muted);font-weight:400}
.f-U abbr{color:var(--stale);background:color-mix(in srgb,var(--stale) 12%,transparent)}
.pill{display:inline-flex;align-items:center;gap:6px;padding:1px 10px 1px 8px;border-radius:999px;font-size:13px;font-weight:600;white-space:nowrap;
background:color-mix(in srgb,var(--c) 13%,transparent);color:var(--c)}
.dot{width:8px;height:8px;border-radius:50%;background:var(--c);display:inline-block;flex:none}
.flapping{font-size:12px;padding:1px 8px;border-radius:999px;border:1px dashed var(--moved);color:var(--moved);white-space:nowrap}
.history{list-style:none;margin:2px 0 0;padding:0;display:flex;gap:2px}
.history li{width:7px;height:18px;border-radius:2px;background:var(--c)}
.st-ok{--c:var(--ok)}.st-stale{--c:var(--stale)}.st-moved{--c:var(--moved)}.st-failing{--c:var(--failing)}.st-dead{--c:var(--dead)}
.st-blocked{--c:var(--blocked)}.st-archived{--c:var(--archived)}.st-unknown{--c:var(--unknown)}.st-none{--c:var(--none)}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
footer.wrap{margin:28px auto 40px;font-size:13px;color:var(--muted)}
footer p{margin:4px 0;max-width:900px}
@media (max-width:720px){.wrap{padding:0 14px}.needs li{grid-template-columns:1fr}h1{font-size:21px}.card{min-width:90px;padding:8px 12px}.card .n{font-size:20px}}
"#;

/// Standard base64 with padding, for the CSP hash.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn no_text_can_close_the_json_ld_script() {
        let data = json_script_data(r#"{"name":"</script><!--<script>"}"#);
        assert!(!data.contains('<'), "{data}");
        let back: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert_eq!(back["name"], "</script><!--<script>");
    }

    #[test]
    fn the_policy_hashes_exactly_the_inline_stylesheet() {
        let css = stylesheet();
        let page = render(&StatusReport {
            generated_at: "2026-11-26T21:00:00Z".parse().unwrap(),
            last_successful_run: None,
            monitor_degraded: false,
            resources: vec![],
        });
        assert!(page.contains(&format!("<style>{css}</style>")));
        assert!(page.contains(&content_security_policy(&css)));
        assert_eq!(page.matches("<style>").count(), 1);
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains("<script type=\"application/ld+json\">"));
        assert!(!page.contains(" style=\""));
    }
}
