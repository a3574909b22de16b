//! Normal forms as text for evidence lines: coefficients grouped as polynomials in `N`, `B`,
//! `γ`, `d`, bound indices as `Σ_{s,t}`, cut off after a few terms.

use super::frac::Frac;
use super::term::{Atom, Idx, Letter, MatName, Mono, Opaque, Orient, Param, Poly, VecName};
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const SLOT_NAMES: [&str; 8] = ["s", "t", "u", "v", "p", "q", "r", "m"];

fn slot_name(k: u8) -> String {
    SLOT_NAMES
        .get(k as usize)
        .map_or_else(|| format!("s{k}"), |s| (*s).to_owned())
}

fn idx(i: &Idx) -> String {
    match i {
        Idx::Slot(k) | Idx::Outer(k) => slot_name(*k),
        Idx::Sample(k) => k.to_string(),
        Idx::Free(n) => n.clone(),
        Idx::Pending(_) => "?".to_owned(),
    }
}

fn letter(l: &Letter) -> String {
    let sub = |i: &Option<Idx>| {
        i.as_ref()
            .map(|i| format!("_{}", idx(i)))
            .unwrap_or_default()
    };
    match l {
        Letter::Mat(m, i) => {
            let name = match m {
                MatName::A => "A",
                MatName::Q => "Q",
                MatName::H => "H",
            };
            format!("{name}{}", sub(i))
        }
        Letter::Vec(v, i, o) => {
            let name = match v {
                VecName::X => "x",
                VecName::W | VecName::WFam => "w",
                VecName::Ones => "𝟙",
                VecName::G => "g",
            };
            let t = if *o == Orient::Row { "ᵀ" } else { "" };
            format!("{name}{}{t}", sub(i))
        }
    }
}

fn word(ls: &[Letter]) -> String {
    if ls.is_empty() {
        return "I".to_owned();
    }
    ls.iter().map(letter).collect::<Vec<_>>().join("")
}

fn atom(a: &Atom) -> String {
    match a {
        Atom::Param(p) => p.name().to_owned(),
        Atom::Family(i) => format!("a_{}", idx(i)),
        Atom::Entry(e, i) => {
            let name = match e {
                super::term::Entry::Lambda => "λ",
                super::term::Entry::X => "x",
                super::term::Entry::W => "w",
            };
            format!("{name}_{}", idx(i))
        }
        Atom::Scalar(l) => letter(l),
        Atom::Trace(w) => format!("tr({})", word(w)),
        Atom::Form(w) => format!("({})", word(w)),
        Atom::Func(f, p) => {
            let inner = poly(p, 3);
            match f {
                Opaque::Abs => format!("|{inner}|"),
                Opaque::Sqrt => format!("√({inner})"),
                Opaque::Norm => format!("‖{inner}‖"),
            }
        }
    }
}

/// A rational coefficient polynomial in the parameters.
fn coef_poly(terms: &BTreeMap<Vec<Param>, BigRational>) -> String {
    let mut s = String::new();
    // Highest degree first.
    let mut sorted: Vec<(&Vec<Param>, &BigRational)> = terms.iter().collect();
    sorted.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
    for (k, (params, c)) in sorted.into_iter().enumerate() {
        let neg = c.is_negative();
        let mag = c.abs();
        if k > 0 {
            s.push_str(if neg { " − " } else { " + " });
        } else if neg {
            s.push('−');
        }
        let body: Vec<String> = params.iter().map(|p| p.name().to_owned()).collect();
        let body = power_text(&body);
        if body.is_empty() {
            s.push_str(&super::super::print::rational(&mag));
        } else if mag.is_one() {
            s.push_str(&body);
        } else {
            let _ = write!(s, "{}{body}", super::super::print::rational(&mag));
        }
    }
    s
}

/// `["N", "N", "B"]` → `N²B`.
fn power_text(names: &[String]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < names.len() {
        let mut j = i;
        while j < names.len() && names[j] == names[i] {
            j += 1;
        }
        out.push_str(&names[i]);
        match j - i {
            1 => {}
            2 => out.push('²'),
            3 => out.push('³'),
            k => {
                let _ = write!(out, "^{k}");
            }
        }
        i = j;
    }
    out
}

/// The part of a monomial that is not a parameter.
fn rest_text(m: &Mono) -> String {
    let mut parts: Vec<String> = Vec::new();
    let others: Vec<String> = m
        .atoms
        .iter()
        .filter(|a| !matches!(a, Atom::Param(_)))
        .map(atom)
        .collect();
    parts.extend(others);
    match m.comps.len() {
        0 => {}
        1 => parts.push(word(&m.comps[0].letters)),
        _ => parts.push(format!(
            "kron({})",
            m.comps
                .iter()
                .map(|w| word(&w.letters))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    let body = parts.join("·");
    if m.slots.is_empty() {
        body
    } else {
        let names: Vec<String> = (0..m.slots.len())
            .map(|k| slot_name(u8::try_from(k).unwrap_or(u8::MAX)))
            .collect();
        format!("Σ_{{{}}} {body}", names.join(","))
    }
}

/// At most `max_terms` groups of a polynomial.
pub(crate) fn poly(p: &Poly, max_terms: usize) -> String {
    if p.is_zero() {
        return "0".to_owned();
    }
    // Group by the non-parameter part.
    let mut groups: BTreeMap<Mono, BTreeMap<Vec<Param>, BigRational>> = BTreeMap::new();
    for (m, c) in &p.terms {
        let params: Vec<Param> = m
            .atoms
            .iter()
            .filter_map(|a| match a {
                Atom::Param(p) => Some(*p),
                _ => None,
            })
            .collect();
        let mut rest = m.clone();
        rest.atoms.retain(|a| !matches!(a, Atom::Param(_)));
        *groups
            .entry(rest)
            .or_default()
            .entry(params)
            .or_insert_with(BigRational::zero) += c;
    }
    let total = groups.len();
    let mut parts = Vec::new();
    for (rest, coef) in groups.iter().take(max_terms) {
        let body = rest_text(rest);
        let c = coef_poly(coef);
        parts.push(match (coef.len(), body.is_empty()) {
            (_, true) => c,
            (1, false) if c == "1" => body,
            (1, false) if c == "−1" => format!("−{body}"),
            (1, false) => format!("{c}·{body}"),
            _ => format!("({c})·{body}"),
        });
    }
    let mut s = parts.join(" + ").replace("+ −", "− ");
    if total > max_terms {
        let _ = write!(s, " + … ({} more)", total - max_terms);
    }
    s
}

/// A fraction: numerator, then `/ (factors)`.
pub(crate) fn frac(f: &Frac, max_terms: usize) -> String {
    let num = poly(&f.num, max_terms);
    if f.den.is_empty() || f.num.is_zero() {
        return num;
    }
    let den: Vec<String> = f
        .den
        .iter()
        .map(|(p, &(m, _))| {
            let t = poly(p, 4);
            let t = if p.len() > 1 { format!("({t})") } else { t };
            if m > 1 {
                format!("{t}^{m}")
            } else {
                t
            }
        })
        .collect();
    format!("[{num}] / {}", den.join("·"))
}
