//! The report as one self-contained HTML page (inline SVG figures).

use super::markdown::{enumeration_table, instance_table, proof_table, summary_lines, INTRO};
use super::*;

/// Undo [`md_name`]'s backslash escapes for HTML (a doubled backslash stays one backslash).
fn md_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n)) if matches!(n, '|' | '*' | '`' | '<' | '>' | '[' | ']' | '\\') => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown tables (as produced above) to HTML tables; other lines become paragraphs.
fn md_table_to_html(md: &str) -> String {
    let mut out = String::from("<table>\n");
    for (k, line) in md.lines().enumerate() {
        if k == 1 {
            continue; // the |---| separator
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        let tag = if k == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for c in cells {
            let c = html_escape(&md_unescape(&c.trim().replace("**", "")));
            let _ = write!(out, "<{tag}>{c}</{tag}>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// An experiment's section as HTML: paragraphs, tables, figures inline.
fn section_html(s: &crate::report::experiments::Section) -> String {
    use crate::report::experiments::{block_markdown, Block};
    let mut out = format!("<h2>{}</h2>\n", html_escape(&s.title));
    for b in &s.blocks {
        match b {
            Block::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", html_escape(p));
            }
            Block::Table(..) | Block::Claims(_) => {
                out.push_str(&md_table_to_html(&block_markdown(b)));
            }
        }
    }
    for f in &s.figures {
        figure_html(&mut out, f, &f.title, &f.caption);
    }
    out
}

/// One figure with its title and caption (plain text, escaped here) and its inline SVG.
fn figure_html(out: &mut String, f: &Figure, title: &str, caption: &str) {
    let _ = write!(
        out,
        "<figure id=\"{}\">\n<h3>{}</h3>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
        html_escape(&f.file),
        html_escape(title),
        f.svg,
        html_escape(caption)
    );
}

/// The report as one self-contained HTML page (inline SVG, no network).
#[must_use]
pub fn document_html(d: &Document) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sgd-stability verification report</title>\n<style>\nbody { font-family: sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #111; }\ntable { border-collapse: collapse; font-size: 13px; margin: 1em 0; }\nth, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; }\nth { background: #eee; }\nfigure { margin: 2em 0; page-break-inside: avoid; }\nfigcaption { font-size: 14px; color: #333; max-width: 720px; }\n.failed { color: #b00; font-weight: bold; }\n@media print { body { max-width: none; } }\n</style>\n</head>\n<body>\n<h1>sgd-stability verification report</h1>\n");
    let _ = writeln!(out, "<p>{}</p>", html_escape(&INTRO.replace('*', "")));
    out.push_str("<h2>Summary</h2>\n");
    for line in summary_lines(d).lines() {
        let class = if line.starts_with("- FAILED") {
            " class=\"failed\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<p{class}>{}</p>",
            html_escape(line.trim_start_matches("- "))
        );
    }
    out.push_str("<h2>Instances</h2>\n");
    out.push_str(&md_table_to_html(&instance_table(d)));
    out.push_str("<h2>Every minibatch against the closed form</h2>\n");
    out.push_str(&md_table_to_html(&enumeration_table(d)));
    if !d.proofs.is_empty() {
        out.push_str("<h2>The lecture's derivations</h2>\n");
        out.push_str(&md_table_to_html(&proof_table(d)));
    }
    for s in &d.experiments {
        out.push_str(&section_html(s));
    }
    out.push_str("<h2>Figures</h2>\n");
    for f in &d.figures {
        // The document's own titles and captions are Markdown.
        figure_html(
            &mut out,
            f,
            &md_unescape(&f.title),
            &md_unescape(&f.caption),
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}
