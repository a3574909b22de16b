//! The canonical form of one monomial: words split at their scalar junctions, traces and scalar
//! words in their least rotation or transpose, the pair rules of the opaque functions, and bound
//! slots renamed so that equal monomials get equal names (see [`super`]).

use super::*;

/// The junction dimensions of a word: `dims[t]` is the size (as a power of `d`) between letters
/// `t − 1` and `t`; `dims[0]` the rows, `dims[len]` the columns.
pub(super) fn junctions(w: &Word) -> Vec<u8> {
    let mut dims = Vec::with_capacity(w.letters.len() + 1);
    dims.push(w.shape.rows);
    for l in &w.letters {
        dims.push(l.shape().cols);
    }
    if w.letters.is_empty() {
        dims.push(w.shape.cols);
    }
    dims
}

/// `tr(w)` of a square word, as a polynomial (a product of scalar atoms, or `d` for `tr(I)`).
pub(super) fn trace_word(w: &Word) -> SResult<Poly> {
    if w.shape.rows != w.shape.cols {
        return outside("the trace of a non-square word");
    }
    if w.letters.is_empty() {
        return Ok(if w.shape.rows == 0 {
            Poly::one()
        } else {
            Poly::atom(Atom::Param(Param::D))
        });
    }
    let dims = junctions(w);
    // Rotate so that the word starts at a scalar junction, if it has one: then it is a product
    // of scalar words.
    if let Some(t) = dims.iter().position(|&k| k == 0) {
        let n = w.letters.len();
        let t = t % n;
        let mut rotated: Vec<Letter> = w.letters[t..].to_vec();
        rotated.extend_from_slice(&w.letters[..t]);
        let scalar = Word {
            letters: rotated,
            shape: Shape::SCALAR,
        };
        let m = Mono {
            comps: vec![scalar],
            ..Mono::one()
        };
        return normalize(m, Canon { commute: false });
    }
    Ok(Poly::atom(Atom::Trace(least_cyclic(&w.letters))))
}

/// The least rotation of `w` or of its transpose.
pub(super) fn least_cyclic(w: &[Letter]) -> Vec<Letter> {
    let t: Vec<Letter> = w.iter().rev().map(Letter::transposed).collect();
    let mut best: Option<Vec<Letter>> = None;
    for src in [w, &t[..]] {
        for k in 0..src.len() {
            let mut r = src[k..].to_vec();
            r.extend_from_slice(&src[..k]);
            if best.as_ref().map_or(true, |b| r < *b) {
                best = Some(r);
            }
        }
    }
    best.unwrap_or_default()
}

/// The lesser of a scalar word and its transpose; `onesᵀ·ones` is `d`.
pub(super) fn scalar_word(w: Vec<Letter>) -> Atom {
    let t: Vec<Letter> = w.iter().rev().map(Letter::transposed).collect();
    Atom::Form(if t < w { t } else { w })
}

/// Split every Kronecker factor at its scalar junctions and pull the scalar segments out as
/// atoms; drop scalar factors; then the pair rules of the opaque functions; then the canonical
/// slot names. The result is a polynomial because `norm(v)² = vᵀv` expands.
pub(crate) fn normalize(mut m: Mono, canon: Canon) -> SResult<Poly> {
    if crate::exact::work::exhausted() {
        return outside("the symbolic route reached its work limit");
    }
    crate::exact::work::charge(8 * mono_size(&m));
    let mut comps = Vec::with_capacity(m.comps.len());
    for w in std::mem::take(&mut m.comps) {
        let dims = junctions(&w);
        let n = w.letters.len();
        // Scalar junction positions strictly inside, plus the ends if they are scalar.
        let cuts: Vec<usize> = (0..=n).filter(|&t| dims[t] == 0).collect();
        if cuts.is_empty() || n == 0 {
            if n == 0 && w.shape.is_scalar() {
                continue; // the scalar 1
            }
            comps.push(w);
            continue;
        }
        // Segments between consecutive cuts are scalars.
        for pair in cuts.windows(2) {
            let seg = w.letters[pair[0]..pair[1]].to_vec();
            if !seg.is_empty() {
                m.atoms.push(scalar_word(seg));
            }
        }
        let first = cuts[0];
        let last = cuts[cuts.len() - 1];
        let mut rest: Vec<Letter> = w.letters[..first].to_vec();
        rest.extend_from_slice(&w.letters[last..]);
        if !(rest.is_empty() && w.shape.is_scalar()) {
            comps.push(Word {
                letters: rest,
                shape: w.shape,
            });
        }
    }
    m.comps = comps;
    // onesᵀ ones = d.
    let ones_pair = Atom::Form(vec![
        Letter::Vec(VecName::Ones, None, Orient::Row),
        Letter::Vec(VecName::Ones, None, Orient::Col),
    ]);
    for a in &mut m.atoms {
        if *a == ones_pair {
            *a = Atom::Param(Param::D);
        }
    }
    if let Some(p) = pair_rule(&m, canon)? {
        return Ok(p);
    }
    let mut out = Poly::zero();
    out.add_term(canonical(m, canon), BigRational::one());
    Ok(out)
}

/// `abs(p)² = p²`, `sqrt(p)² = p`, `norm(v)² = vᵀv`: the first pair found, expanded.
pub(super) fn pair_rule(m: &Mono, canon: Canon) -> SResult<Option<Poly>> {
    for (k, a) in m.atoms.iter().enumerate() {
        let Atom::Func(f, arg) = a else { continue };
        let Some(j) = m.atoms[k + 1..]
            .iter()
            .position(|b| b == a)
            .map(|j| j + k + 1)
        else {
            continue;
        };
        let mut rest = m.clone();
        rest.atoms.remove(j);
        rest.atoms.remove(k);
        // The argument refers to this monomial's slots as `Outer`: make them `Slot` again.
        let mut inner = Poly::zero();
        for (am, c) in &arg.terms {
            let mut am = am.clone();
            if !am.slots.is_empty() {
                return outside("an opaque function of an expression with its own sums, squared");
            }
            am.for_each_idx(&mut |i, _| {
                if let Idx::Outer(s) = i {
                    *i = Idx::Slot(*s);
                }
            });
            am.slots = rest.slots.clone();
            inner.add_term(am, c.clone());
        }
        let square = match f {
            Opaque::Abs => inner.mul(&inner, canon)?,
            Opaque::Sqrt => inner,
            Opaque::Norm => inner.transposed(canon)?.mul(&inner, canon)?,
        };
        // `rest` and `square` share the slots: multiply without renumbering.
        let mut out = Poly::zero();
        for (sm, c) in square.terms {
            let mut merged = rest.clone();
            merged.atoms.extend(sm.atoms);
            if !sm.comps.is_empty() {
                if !merged.comps.is_empty() {
                    return outside("a squared norm times a matrix word");
                }
                merged.comps = sm.comps;
            }
            for (nm, k) in normalize(merged, canon)?.terms {
                out.add_term(nm, k * &c);
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// Re-canonicalize atoms after a renaming: traces rotate, forms orient, arguments renormalize.
pub(super) fn canonical_atoms(atoms: &mut [Atom]) {
    for a in atoms.iter_mut() {
        match a {
            Atom::Trace(w) => *w = least_cyclic(w),
            Atom::Form(w) => *a = scalar_word(std::mem::take(w)),
            _ => {}
        }
    }
    atoms.sort();
}

/// Sort runs of `H` letters (the `H_i` commute).
pub(super) fn sort_h_runs(w: &mut [Letter]) {
    let mut start = 0;
    while start < w.len() {
        let mut end = start;
        while end < w.len() && w[end].is_h() {
            end += 1;
        }
        w[start..end].sort();
        start = end + 1;
    }
}

/// Slots in order of first occurrence (in the words, then the atoms).
pub(super) fn first_occurrence(m: &Mono) -> Vec<u8> {
    let mut order: Vec<u8> = Vec::new();
    for s in m.own_slots() {
        if !order.contains(&s) {
            order.push(s);
        }
    }
    order
}

/// The monomial with its slots renamed so that equal monomials get equal names.
pub(super) fn canonical(mut m: Mono, canon: Canon) -> Mono {
    let k = m.slots.len();
    // Unused slots cannot occur (a sum over an unused index is a factor N); renumber densely.
    let apply = |m: &Mono, order: &[u8]| -> Mono {
        let mut map = vec![0u8; k];
        let mut kinds = Vec::with_capacity(k);
        for (new, &old) in order.iter().enumerate() {
            map[old as usize] = u8::try_from(new).unwrap_or(u8::MAX);
            kinds.push(m.slots[old as usize]);
        }
        let mut r = m.clone();
        r.rename_slots(&map, kinds);
        canonical_atoms(&mut r.atoms);
        if canon.commute {
            for w in &mut r.comps {
                sort_h_runs(&mut w.letters);
            }
        }
        r
    };
    if k == 0 {
        canonical_atoms(&mut m.atoms);
        if canon.commute {
            for w in &mut m.comps {
                sort_h_runs(&mut w.letters);
            }
        }
        return m;
    }
    let atoms_use_slots = m.atoms.iter().any(|a| {
        let probe = Mono {
            atoms: vec![a.clone()],
            ..Mono::one()
        };
        !probe.own_slots().is_empty()
    });
    let mut order = first_occurrence(&m);
    let rest: Vec<u8> = (0..k)
        .filter_map(|s| u8::try_from(s).ok())
        .filter(|s| !order.contains(s))
        .collect();
    order.extend(rest);
    if !atoms_use_slots && !canon.commute {
        // The words fix an order: first occurrence is canonical.
        return apply(&m, &order);
    }
    if k > MAX_PERMUTED_SLOTS {
        // Deterministic, not necessarily canonical.
        let first = apply(&m, &order);
        let mut order2 = first_occurrence(&first);
        let rest: Vec<u8> = (0..k)
            .filter_map(|s| u8::try_from(s).ok())
            .filter(|s| !order2.contains(s))
            .collect();
        order2.extend(rest);
        return apply(&first, &order2);
    }
    let mut best: Option<Mono> = None;
    let mut perm: Vec<u8> = (0..k).filter_map(|s| u8::try_from(s).ok()).collect();
    loop {
        crate::exact::work::charge(4 * mono_size(&m));
        if crate::exact::work::exhausted() {
            break;
        }
        let cand = apply(&m, &perm);
        if best.as_ref().map_or(true, |b| cand < *b) {
            best = Some(cand);
        }
        if !next_permutation(&mut perm) {
            break;
        }
    }
    best.unwrap_or(m)
}

/// The next permutation in lexicographic order; `false` after the last.
pub(crate) fn next_permutation(p: &mut [u8]) -> bool {
    if p.len() < 2 {
        return false;
    }
    let mut i = p.len() - 1;
    while i > 0 && p[i - 1] >= p[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = p.len() - 1;
    while p[j] <= p[i - 1] {
        j -= 1;
    }
    p.swap(i - 1, j);
    p[i..].reverse();
    true
}
