//! Indices: the names an index may have, the subscripts of `sum_{…}`, renaming, and the rule
//! that an index is either free or bound in one claim, never both.

use super::*;

/// A single lowercase ASCII letter.
#[must_use]
pub fn is_index_name(v: &str) -> bool {
    v.len() == 1 && v.chars().all(|c| c.is_ascii_lowercase())
}

pub(super) fn parse_sum_spec(sub: &str) -> Result<SumSpec, String> {
    let s = sub.replace('≠', "!=").replace('∈', " in ");
    let (idx, domain) = match s.split_once(" in ") {
        Some((idx, dom)) if dom.trim() == "B" => (idx.trim().to_owned(), SumDomain::Batch),
        Some((_, dom)) => {
            return Err(format!(
                "unknown sum domain `{}`: only `in B` (the batch members)",
                dom.trim()
            ))
        }
        None => (s.trim().to_owned(), SumDomain::Samples),
    };
    let (vars, rule) = if let Some((a, b)) = idx.split_once("!=") {
        (vec![a.trim(), b.trim()], PairRule::Distinct)
    } else if let Some((a, b)) = idx.split_once('<') {
        (vec![a.trim(), b.trim()], PairRule::Ordered)
    } else if let Some((a, b)) = idx.split_once(',') {
        (vec![a.trim(), b.trim()], PairRule::All)
    } else {
        (vec![idx.trim()], PairRule::All)
    };
    if let Some(bad) = vars.iter().find(|v| !is_index_name(v)) {
        return Err(format!(
            "malformed sum index `{bad}` in `sum_{{{sub}}}`: indices are single lowercase letters"
        ));
    }
    if vars.len() == 2 && vars[0] == vars[1] {
        return Err(format!("repeated sum index in `sum_{{{sub}}}`"));
    }
    Ok(SumSpec {
        vars: vars.into_iter().map(str::to_owned).collect(),
        rule,
        domain,
    })
}

/// Replace the index `from` by `to` everywhere in `e` (neither is re-bound inside `e`: the
/// parser refuses a re-bound index).
pub(super) fn rename_index(e: &mut Expr, from: &str, to: &str) {
    if let ExprKind::Family(_, v) = &mut e.kind {
        if v == from {
            *v = to.to_owned();
        }
    }
    for c in e.children_mut() {
        rename_index(c, from, to);
    }
}

/// An index may not be free (universally quantified) in one place and bound by a sum or mean
/// in another place of the same claim.
pub(super) fn check_scoping(claim: &Claim, line: usize) -> PResult<()> {
    let mut free: Vec<(String, usize)> = Vec::new();
    let mut binders: Vec<(String, usize)> = Vec::new();
    for side in claim.sides() {
        scan(side, &mut Vec::new(), &mut free, &mut binders);
    }
    for (v, at) in &binders {
        if let Some((_, fcol)) = free.iter().find(|(f, _)| f == v) {
            return Err(ParseError {
                line,
                col: *at,
                message: format!(
                    "index `{v}` is bound here but also used free (for every {v}) at column {fcol}: rename one of them"
                ),
            });
        }
    }
    Ok(())
}

pub(super) fn scan(
    e: &Expr,
    bound: &mut Vec<String>,
    free: &mut Vec<(String, usize)>,
    binders: &mut Vec<(String, usize)>,
) {
    let vars: Vec<String> = match &e.kind {
        ExprKind::Family(_, v) => {
            if !bound.contains(v) && !free.iter().any(|(f, _)| f == v) {
                free.push((v.clone(), e.col));
            }
            return;
        }
        ExprKind::Sum(spec, _) => spec.vars.clone(),
        ExprKind::SampleMean(v, _) => vec![v.clone()],
        _ => Vec::new(),
    };
    binders.extend(vars.iter().map(|v| (v.clone(), e.col)));
    let n = bound.len();
    bound.extend(vars);
    for c in e.children() {
        scan(c, bound, free, binders);
    }
    bound.truncate(n);
}
