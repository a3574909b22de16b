//! The module structure (ARCHITECTURE.md): no import cycle between the crate's top-level
//! modules, nor between the submodules of one folder module, the leaves import nothing from the crate, and nothing below the presentation layer
//! (`report`, `figures`, `output`, `cli`) imports from it. Read from the `crate::` paths in
//! `src/` (comments stripped), so a new import that breaks the layering fails here.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The presentation layer: renderers, figures, the report folder, the command line.
const PRESENTATION: [&str; 4] = ["report", "figures", "output", "cli"];
/// Leaves: they import nothing from the crate.
const LEAVES: [&str; 4] = ["fmt", "tolerance", "progress", "verdict"];

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// Code without `//` comments (doc comments included).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `crate::` in `code`: `crate::a::…`, `crate::{a, b::c}`.
fn crate_paths(code: &str) -> Vec<String> {
    paths_after(code, "crate::")
}

/// The first names of the paths that follow `prefix` in `code` (`prefix` not preceded by a
/// name character or `::`, so `super::` does not match inside `super::super::`): `prefix a::…`
/// gives `a`, `prefix {a, b::c}` gives `a` and `b`.
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (k, _) in code.match_indices(prefix) {
        let before = code[..k].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[k + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at depth 1 of the group.
            let mut depth = 1;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => start = true,
                    c if start && depth == 1 && (c.is_alphanumeric() || c == '_') => {
                        out.push(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

/// The modules directly under `base` (its `.rs` files and folders, except `skip`) and, for each,
/// the modules of that set it imports — `imports(code, depth)` names them for one file at
/// `depth` below `base` — with the files that do.
fn import_graph(
    base: &Path,
    skip: &[&str],
    imports: impl Fn(&str, usize) -> Vec<String>,
) -> (BTreeSet<String>, Graph) {
    let mut modules = BTreeSet::new();
    for e in std::fs::read_dir(base).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if (p.is_dir() || p.extension().is_some_and(|x| x == "rs")) && !skip.contains(&&*name) {
            modules.insert(name);
        }
    }
    let mut graph = Graph::new();
    let mut stack = vec![base.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if !p.extension().is_some_and(|x| x == "rs") {
                continue;
            }
            let rel = p.strip_prefix(base).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let from = first.trim_end_matches(".rs").to_owned();
            if !modules.contains(&from) {
                continue;
            }
            let code = strip_comments(&std::fs::read_to_string(&p).unwrap());
            for to in imports(&code, rel.components().count()) {
                if modules.contains(&to) && to != from {
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_default()
                        .insert(rel.display().to_string());
                }
            }
        }
    }
    (modules, graph)
}

/// The top-level modules of `src/` and, for each, the top-level modules it imports with the
/// files that do.
fn module_graph(src: &Path) -> (BTreeSet<String>, Graph) {
    import_graph(src, &["lib", "main"], |code, _| crate_paths(code))
}

/// A cycle through `start`, if any: the path back to it.
fn cycle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((m, path)) = stack.pop() {
        for to in graph.get(&m).into_iter().flat_map(BTreeMap::keys) {
            if to == start {
                let mut p = path.clone();
                p.push(to.clone());
                return Some(p);
            }
            if seen.insert(to.clone()) {
                let mut p = path.clone();
                p.push(to.clone());
                stack.push((to.clone(), p));
            }
        }
    }
    None
}

fn edges_of(graph: &Graph, from: &str) -> Vec<(String, BTreeSet<String>)> {
    graph
        .get(from)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// For the folder module `src/top/`, its submodules (`src/top/a.rs`, `src/top/a/`) and, for
/// each, the sibling submodules it imports (`super::b` from `top/a.rs`, `super::super::b` from
/// `top/a/x.rs`, `crate::top::b` from either) with the files that do. The parent (`top.rs` or
/// `top/mod.rs`) is not a sibling: it declares and re-exports its children.
fn submodule_graph(src: &Path, top: &str) -> (BTreeSet<String>, Graph) {
    import_graph(&src.join(top), &["mod"], |code, depth| {
        let mut names = paths_after(code, &format!("crate::{top}::"));
        match depth {
            1 => names.extend(paths_after(code, "super::")),
            2 => names.extend(paths_after(code, "super::super::")),
            _ => {}
        }
        names
    })
}

/// The violations of the layering in `src`, in words.
fn violations(src: &Path) -> Vec<String> {
    let (modules, graph) = module_graph(src);
    let mut out = Vec::new();
    for m in &modules {
        if !src.join(m).is_dir() {
            continue;
        }
        let (subs, g) = submodule_graph(src, m);
        for s in &subs {
            if let Some(c) = cycle_through(&g, s) {
                out.push(format!("import cycle inside {m}: {}", c.join(" → ")));
            }
        }
    }
    for m in &modules {
        if let Some(c) = cycle_through(&graph, m) {
            out.push(format!("import cycle: {}", c.join(" → ")));
        }
        for (to, files) in edges_of(&graph, m) {
            if LEAVES.contains(&m.as_str()) {
                out.push(format!("leaf {m} imports {to} ({files:?})"));
            }
            if PRESENTATION.contains(&to.as_str()) && !PRESENTATION.contains(&m.as_str()) {
                out.push(format!(
                    "{m} (below the presentation layer) imports {to} ({files:?})"
                ));
            }
        }
    }
    out
}

#[test]
fn no_import_cycles_and_no_imports_from_the_presentation_layer() {
    let v = violations(&root().join("src"));
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn the_checker_finds_a_cycle_and_an_upward_import() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("architecture-fake");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("analysis")).unwrap();
    std::fs::create_dir_all(dir.join("report")).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod analysis;\n").unwrap();
    // analysis → fmt is fine; a comment naming crate::report is not an import.
    std::fs::write(
        dir.join("analysis.rs"),
        "use crate::fmt::sig; // crate::report::x\n",
    )
    .unwrap();
    std::fs::write(dir.join("fmt.rs"), "pub fn sig() {}\n").unwrap();
    std::fs::write(dir.join("report.rs"), "use crate::analysis::A;\n").unwrap();
    assert!(violations(&dir).is_empty(), "{:?}", violations(&dir));
    // A grouped import from a lower layer into the renderers closes a cycle.
    std::fs::write(
        dir.join("analysis/summary.rs"),
        "use crate::{fmt, report::sig};\n",
    )
    .unwrap();
    let v = violations(&dir);
    assert!(
        v.iter()
            .any(|s| s.starts_with("import cycle: analysis → report → analysis")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|s| s.starts_with("analysis (below the presentation layer) imports report")),
        "{v:?}"
    );
    // A cycle between two submodules of one folder module, through `super::` one way and
    // `crate::analysis::` the other; `super::super::` from deeper down counts too.
    std::fs::write(dir.join("analysis/summary.rs"), "use super::table::T;\n").unwrap();
    std::fs::write(
        dir.join("analysis/table.rs"),
        "use crate::analysis::summary::S;\n",
    )
    .unwrap();
    let v = violations(&dir);
    assert!(
        v.iter()
            .any(|s| s.starts_with("import cycle inside analysis: summary → table → summary")),
        "{v:?}"
    );
    std::fs::write(dir.join("analysis/table.rs"), "pub struct T;\n").unwrap();
    assert!(violations(&dir).is_empty(), "{:?}", violations(&dir));
    std::fs::create_dir_all(dir.join("analysis/table")).unwrap();
    std::fs::write(
        dir.join("analysis/table/rows.rs"),
        "use super::super::{fmt, summary};\n",
    )
    .unwrap();
    let v = violations(&dir);
    assert!(
        v.iter()
            .any(|s| s.starts_with("import cycle inside analysis: summary → table → summary")),
        "{v:?}"
    );
    std::fs::remove_dir_all(dir.join("analysis/table")).unwrap();
    assert!(violations(&dir).is_empty(), "{:?}", violations(&dir));
    // A leaf that imports.
    std::fs::write(dir.join("fmt.rs"), "use crate::analysis::A;\n").unwrap();
    assert!(violations(&dir)
        .iter()
        .any(|s| s.starts_with("leaf fmt imports")));
}
