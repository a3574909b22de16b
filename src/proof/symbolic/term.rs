//! Monomials and polynomials of the normal form: rational coefficient × commuting scalar atoms
//! × a tuple of words in non-commuting letters (one word per Kronecker factor), summed over the
//! monomial's bound indices ("slots").
//!
//! Every operation keeps polynomials canonical: words are split at their scalar junctions (a
//! row-vector·…·column-vector segment is a scalar and commutes), traces are stored as the least
//! rotation of the word or of its transpose, scalar words as the lesser of the word and its
//! transpose, bound slots are renamed canonically, and equal monomials are merged. Soundness
//! does not depend on the canonical forms being unique — only that every rewrite is an
//! identity; uniqueness decides how many true identities are recognized.

use super::super::ast::Shape;
use super::super::limits::{MAX_PERMUTED_SLOTS, MAX_TERMS, MAX_WORD};
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::collections::BTreeMap;

mod canonical;

pub(crate) use canonical::normalize;
use canonical::*;

/// Why a conversion or an operation gave no normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outside {
    /// The expression is outside the symbolic fragment (or a limit was hit): the reason.
    Fragment(String),
    /// The expression divides by zero at these values of `N` and `B`: it is undefined there.
    Undefined,
}

impl Outside {
    /// The reason, in words.
    pub(crate) fn reason(&self) -> String {
        match self {
            Self::Fragment(s) => s.clone(),
            Self::Undefined => "division by zero".to_owned(),
        }
    }
}

pub(crate) type SResult<T> = Result<T, Outside>;

pub(crate) fn outside<T>(why: impl Into<String>) -> SResult<T> {
    Err(Outside::Fragment(why.into()))
}

/// A sample index inside a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Idx {
    /// A bound slot of the enclosing monomial.
    Slot(u8),
    /// Inside an atom's argument: a slot of the monomial that holds the atom.
    Outer(u8),
    /// A concrete sample `1..=N` (when `N` is a number).
    Sample(u32),
    /// A free index of the claim ("for every i").
    Free(String),
    /// A sum's variable while its body is converted.
    Pending(u32),
}

/// What a bound slot ranges over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SlotKind {
    /// The samples `1..N`.
    Sample,
    /// The positions `1..B` of the batch (only inside `E_B[…]`, before its reduction).
    Position,
    /// The coordinates `1..d` of an eigenbasis (or of the standard basis).
    Coord,
}

/// A symmetric `d×d` letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum MatName {
    A,
    Q,
    H,
}

/// A vector letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum VecName {
    X,
    W,
    Ones,
    G,
    WFam,
}

/// Column or row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Orient {
    Col,
    Row,
}

/// A letter of a word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Letter {
    /// A symmetric matrix (its own transpose).
    Mat(MatName, Option<Idx>),
    /// A vector or its transpose.
    Vec(VecName, Option<Idx>, Orient),
}

impl Letter {
    fn shape(&self) -> Shape {
        match self {
            Self::Mat(..) => Shape::MATRIX,
            Self::Vec(_, _, Orient::Col) => Shape::VECTOR,
            Self::Vec(_, _, Orient::Row) => Shape { rows: 0, cols: 1 },
        }
    }

    pub(crate) fn transposed(&self) -> Self {
        match self {
            Self::Mat(..) => self.clone(),
            Self::Vec(n, i, o) => Self::Vec(
                *n,
                i.clone(),
                match o {
                    Orient::Col => Orient::Row,
                    Orient::Row => Orient::Col,
                },
            ),
        }
    }

    fn idx_mut(&mut self) -> Option<&mut Idx> {
        match self {
            Self::Mat(_, i) | Self::Vec(_, i, _) => i.as_mut(),
        }
    }

    pub(crate) fn is_h(&self) -> bool {
        matches!(self, Self::Mat(MatName::H, Some(_)))
    }
}

/// A scalar symbol of the lecture that stays a variable of the coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Param {
    Gamma,
    N,
    B,
    D,
}

impl Param {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Gamma => "γ",
            Self::N => "N",
            Self::B => "B",
            Self::D => "d",
        }
    }
}

/// An opaque scalar function of a normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Opaque {
    Abs,
    Sqrt,
    Norm,
}

/// A coordinate function: the `j`-th eigenvalue of `H` (ascending), or the `j`-th entry of a
/// free vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Entry {
    Lambda,
    X,
    W,
}

/// A commuting scalar factor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Atom {
    /// The entry of a coordinate function at a coordinate slot.
    Entry(Entry, Idx),
    /// `γ`, `N`, `B`, `d`.
    Param(Param),
    /// `a_i`.
    Family(Idx),
    /// In `d = 1`, where every value is a number: a letter as a commuting scalar (columns
    /// only: `xᵀ = x`).
    Scalar(Letter),
    /// `tr(W)` of a word of `d×d` letters (least rotation of `W` and of `Wᵀ`).
    Trace(Vec<Letter>),
    /// A scalar word `uᵀ…v` with no scalar junction inside (the lesser of it and its
    /// transpose).
    Form(Vec<Letter>),
    /// `abs`, `sqrt` or `norm` of a canonical normal form (its references to this monomial's
    /// slots are [`Idx::Outer`]).
    Func(Opaque, Box<Poly>),
}

/// One Kronecker factor: a word with its shape (rows and columns are `d^0` or `d^1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Word {
    pub letters: Vec<Letter>,
    pub shape: Shape,
}

impl Word {
    pub(crate) fn identity() -> Self {
        Self {
            letters: Vec::new(),
            shape: Shape::MATRIX,
        }
    }

    fn letter(l: Letter) -> Self {
        let shape = l.shape();
        Self {
            letters: vec![l],
            shape,
        }
    }

    fn transposed(&self) -> Self {
        Self {
            letters: self.letters.iter().rev().map(Letter::transposed).collect(),
            shape: self.shape.transposed(),
        }
    }
}

/// A monomial without its coefficient.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Mono {
    /// Sorted commuting factors (with repetition).
    pub atoms: Vec<Atom>,
    /// Kronecker factors; empty for a scalar.
    pub comps: Vec<Word>,
    /// The kinds of the slots `Slot(0..)`.
    pub slots: Vec<SlotKind>,
}

impl Mono {
    pub(crate) fn one() -> Self {
        Self {
            atoms: Vec::new(),
            comps: Vec::new(),
            slots: Vec::new(),
        }
    }

    pub(crate) fn is_scalar(&self) -> bool {
        self.comps.is_empty()
    }

    /// Every index of the monomial, mutably, with whether it sits inside an atom's argument.
    fn for_each_idx(&mut self, f: &mut dyn FnMut(&mut Idx, bool)) {
        for w in &mut self.comps {
            for l in &mut w.letters {
                if let Some(i) = l.idx_mut() {
                    f(i, false);
                }
            }
        }
        for a in &mut self.atoms {
            match a {
                Atom::Param(_) => {}
                Atom::Family(i) | Atom::Entry(_, i) => f(i, false),
                Atom::Scalar(l) => {
                    if let Some(i) = l.idx_mut() {
                        f(i, false);
                    }
                }
                Atom::Trace(w) | Atom::Form(w) => {
                    for l in w {
                        if let Some(i) = l.idx_mut() {
                            f(i, false);
                        }
                    }
                }
                Atom::Func(_, arg) => {
                    let old = std::mem::take(&mut arg.terms);
                    for (mut m, c) in old {
                        m.for_each_idx(&mut |i, _| f(i, true));
                        *arg.terms.entry(m).or_insert_with(BigRational::zero) += c;
                    }
                }
            }
        }
    }

    /// Every index, read-only, with whether it sits inside an atom's argument.
    pub(crate) fn indices(&self) -> Vec<(Idx, bool)> {
        let mut out = Vec::new();
        self.clone()
            .for_each_idx(&mut |i, inner| out.push((i.clone(), inner)));
        out
    }

    /// The slot numbers this monomial's own slots appear as, in order of occurrence (`Slot` in
    /// its words and atoms, `Outer` inside atom arguments).
    pub(crate) fn own_slots(&self) -> Vec<u8> {
        self.indices()
            .into_iter()
            .filter_map(|(i, inner)| match (i, inner) {
                (Idx::Slot(s), false) | (Idx::Outer(s), true) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Whether an index satisfying `pred` occurs anywhere.
    pub(crate) fn mentions(&self, pred: &dyn Fn(&Idx) -> bool) -> bool {
        self.indices().iter().any(|(i, _)| pred(i))
    }

    /// Rename slots by `map` (old slot → new slot); `kinds` are the new slot kinds.
    pub(crate) fn rename_slots(&mut self, map: &[u8], kinds: Vec<SlotKind>) {
        self.for_each_idx(&mut |i, inner| match (i, inner) {
            (Idx::Slot(s), false) | (Idx::Outer(s), true) => *s = map[*s as usize],
            _ => {}
        });
        self.slots = kinds;
    }

    /// Replace index `from` by `to` everywhere (inside atom arguments, a slot reference is
    /// `Outer`).
    pub(crate) fn substitute(&mut self, from: &Idx, to: &Idx) {
        let to_outer = match to {
            Idx::Slot(s) => Idx::Outer(*s),
            other => other.clone(),
        };
        self.for_each_idx(&mut |i, inner| {
            if i == from {
                *i = if inner { to_outer.clone() } else { to.clone() };
            }
        });
    }
}

/// A polynomial: monomials with non-zero rational coefficients.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Poly {
    pub terms: BTreeMap<Mono, BigRational>,
}

/// Settings that change the canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Canon {
    /// The `H_i` commute: runs of `H` letters are sorted.
    pub commute: bool,
}

impl Poly {
    pub(crate) fn zero() -> Self {
        Self::default()
    }

    pub(crate) fn constant(q: BigRational) -> Self {
        let mut p = Self::zero();
        if !q.is_zero() {
            p.terms.insert(Mono::one(), q);
        }
        p
    }

    pub(crate) fn one() -> Self {
        Self::constant(BigRational::one())
    }

    pub(crate) fn mono(m: Mono) -> Self {
        let mut p = Self::zero();
        p.terms.insert(m, BigRational::one());
        p
    }

    pub(crate) fn atom(a: Atom) -> Self {
        Self::mono(Mono {
            atoms: vec![a],
            ..Mono::one()
        })
    }

    /// A single letter as a `d×d` matrix or a vector.
    pub(crate) fn letter(l: Letter) -> Self {
        Self::mono(Mono {
            comps: vec![Word::letter(l)],
            ..Mono::one()
        })
    }

    /// The `d×d` identity.
    pub(crate) fn identity() -> Self {
        Self::mono(Mono {
            comps: vec![Word::identity()],
            ..Mono::one()
        })
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }

    /// The value if it is a rational constant.
    pub(crate) fn as_constant(&self) -> Option<BigRational> {
        match self.terms.len() {
            0 => Some(BigRational::zero()),
            1 => {
                let (m, c) = self.terms.iter().next()?;
                (*m == Mono::one()).then(|| c.clone())
            }
            _ => None,
        }
    }

    pub(crate) fn add_term(&mut self, m: Mono, c: BigRational) {
        use std::collections::btree_map::Entry;
        if c.is_zero() {
            return;
        }
        match self.terms.entry(m) {
            Entry::Vacant(v) => {
                v.insert(c);
            }
            Entry::Occupied(mut o) => {
                *o.get_mut() += c;
                if o.get().is_zero() {
                    o.remove();
                }
            }
        }
    }

    pub(crate) fn add(&mut self, other: Poly) {
        for (m, c) in other.terms {
            self.add_term(m, c);
        }
    }

    pub(crate) fn scaled(mut self, s: &BigRational) -> Self {
        if s.is_zero() {
            return Self::zero();
        }
        for c in self.terms.values_mut() {
            *c *= s;
        }
        self
    }

    pub(crate) fn neg(self) -> Self {
        self.scaled(&-BigRational::one())
    }

    /// Whether every monomial is a scalar.
    pub(crate) fn is_scalar(&self) -> bool {
        self.terms.keys().all(Mono::is_scalar)
    }

    /// The product, canonical. Checks the term count before allocating.
    pub(crate) fn mul(&self, other: &Poly, canon: Canon) -> SResult<Poly> {
        let size = self.len().saturating_mul(other.len());
        if size > MAX_TERMS {
            return outside(format!(
                "a product would have {size} terms, more than {MAX_TERMS} (limit)"
            ));
        }
        let mut out = Poly::zero();
        for (a, ca) in &self.terms {
            if crate::exact::work::exhausted() {
                return outside("the symbolic route reached its work limit");
            }
            for (b, cb) in &other.terms {
                crate::exact::work::charge(4 * (mono_size(a) + mono_size(b)));
                let m = mul_mono(a, b)?;
                let c = ca * cb;
                for (m, k) in normalize(m, canon)?.terms {
                    out.add_term(m, k * &c);
                }
            }
        }
        Ok(out)
    }

    /// `kron(self, other)`.
    pub(crate) fn kron(&self, other: &Poly, canon: Canon) -> SResult<Poly> {
        let size = self.len().saturating_mul(other.len());
        if size > MAX_TERMS {
            return outside(format!(
                "a Kronecker product would have {size} terms, more than {MAX_TERMS} (limit)"
            ));
        }
        let mut out = Poly::zero();
        for (a, ca) in &self.terms {
            for (b, cb) in &other.terms {
                let b = shifted(b, a.slots.len());
                let mut m = a.clone();
                m.atoms.extend(b.atoms);
                m.comps.extend(b.comps);
                m.slots.extend(b.slots);
                for (m, k) in normalize(m, canon)?.terms {
                    out.add_term(m, k * (ca * cb));
                }
            }
        }
        Ok(out)
    }

    /// The transpose (Kronecker factors transposed in place).
    pub(crate) fn transposed(&self, canon: Canon) -> SResult<Poly> {
        let mut out = Poly::zero();
        for (m, c) in &self.terms {
            let mut t = m.clone();
            t.comps = m.comps.iter().map(Word::transposed).collect();
            for (m, k) in normalize(t, canon)?.terms {
                out.add_term(m, k * c);
            }
        }
        Ok(out)
    }

    /// The trace of a square polynomial.
    pub(crate) fn trace(&self, canon: Canon) -> SResult<Poly> {
        let mut out = Poly::zero();
        for (m, c) in &self.terms {
            let mut t = m.clone();
            let comps = std::mem::take(&mut t.comps);
            let mut p = Poly::mono(t);
            for w in comps {
                p = p.mul(&trace_word(&w)?, canon)?;
            }
            out.add(p.scaled(c));
        }
        Ok(out)
    }

    /// Re-normalize every monomial (after a substitution of indices).
    pub(crate) fn renormalized(self, canon: Canon) -> SResult<Poly> {
        let mut out = Poly::zero();
        for (m, c) in self.terms {
            for (m, k) in normalize(m, canon)?.terms {
                out.add_term(m, k * &c);
            }
        }
        Ok(out)
    }

    /// Replace index `from` by `to` and re-normalize.
    pub(crate) fn substituted(&self, from: &Idx, to: &Idx, canon: Canon) -> SResult<Poly> {
        let mut p = Poly::zero();
        for (m, c) in &self.terms {
            let mut m = m.clone();
            m.substitute(from, to);
            p.add_term(m, c.clone());
        }
        p.renormalized(canon)
    }

    /// Whether some monomial mentions an index satisfying `pred`.
    pub(crate) fn mentions(&self, pred: &dyn Fn(&Idx) -> bool) -> bool {
        self.terms.keys().any(|m| m.mentions(pred))
    }

    /// Every bound sample slot replaced by each concrete sample `1..=n` (all assignments).
    pub(crate) fn expand_sample_slots(&self, n: u32, canon: Canon) -> SResult<Poly> {
        let mut out = Poly::zero();
        let mut made = 0usize;
        for (m, c) in &self.terms {
            let k = m.slots.len();
            if m.slots.contains(&SlotKind::Position) {
                return outside("a batch position outside E_B[…]");
            }
            let count = (n as usize).checked_pow(u32::try_from(k).unwrap_or(u32::MAX));
            made = made.saturating_add(count.unwrap_or(usize::MAX));
            if made > super::super::limits::MAX_EXPANDED_TERMS {
                return outside(format!(
                    "expanding the sums over N = {n} samples would give more than {} terms (limit)",
                    super::super::limits::MAX_EXPANDED_TERMS
                ));
            }
            let mut assign = vec![1u32; k];
            loop {
                let mut m2 = m.clone();
                m2.for_each_idx(&mut |i, inner| match (&*i, inner) {
                    (Idx::Slot(s), false) | (Idx::Outer(s), true) => {
                        *i = Idx::Sample(assign[*s as usize]);
                    }
                    _ => {}
                });
                m2.slots.clear();
                for (nm, kq) in normalize(m2, canon)?.terms {
                    out.add_term(nm, kq * c);
                }
                // Next assignment.
                let mut j = 0;
                while j < k && assign[j] == n {
                    assign[j] = 1;
                    j += 1;
                }
                if j == k {
                    break;
                }
                assign[j] += 1;
            }
        }
        Ok(out)
    }

    /// The parameters in `values` replaced by numbers (atoms inside arguments are kept).
    pub(crate) fn with_params(
        &self,
        values: &[(Param, BigRational)],
        canon: Canon,
    ) -> SResult<Poly> {
        let mut out = Poly::zero();
        for (m, c) in &self.terms {
            let mut m2 = m.clone();
            let mut k = c.clone();
            m2.atoms.retain(|a| match a {
                Atom::Param(p) => match values.iter().find(|(q, _)| q == p) {
                    Some((_, v)) => {
                        k *= v;
                        false
                    }
                    None => true,
                },
                _ => true,
            });
            for (nm, kq) in normalize(m2, canon)?.terms {
                out.add_term(nm, kq * &k);
            }
        }
        Ok(out)
    }
}

/// `b` with its slots renumbered from `offset`.
fn shifted(b: &Mono, offset: usize) -> Mono {
    let mut b = b.clone();
    if offset > 0 && !b.slots.is_empty() {
        let map: Vec<u8> = (0..b.slots.len())
            .map(|s| u8::try_from(s + offset).unwrap_or(u8::MAX))
            .collect();
        let kinds = b.slots.clone();
        b.rename_slots(&map, kinds);
    }
    b
}

/// The product of two monomials (not yet normalized).
fn mul_mono(a: &Mono, b: &Mono) -> SResult<Mono> {
    if a.slots.len() + b.slots.len() > usize::from(u8::MAX) {
        return outside("more than 255 bound indices in one monomial");
    }
    let b = shifted(b, a.slots.len());
    let mut m = a.clone();
    m.atoms.extend(b.atoms);
    m.slots.extend(b.slots);
    m.comps = match (a.comps.is_empty(), b.comps.is_empty()) {
        (_, true) => a.comps.clone(),
        (true, false) => b.comps,
        (false, false) => {
            if a.comps.len() != b.comps.len() {
                return outside("a product of Kronecker products with different factor counts");
            }
            let mut out = Vec::with_capacity(a.comps.len());
            for (x, y) in a.comps.iter().zip(b.comps) {
                if x.shape.cols != y.shape.rows {
                    return outside(
                        "a product of Kronecker products whose factors do not match in size",
                    );
                }
                let mut letters = x.letters.clone();
                letters.extend(y.letters);
                if letters.len() > MAX_WORD {
                    return outside(format!("a word longer than {MAX_WORD} letters (limit)"));
                }
                out.push(Word {
                    letters,
                    shape: Shape {
                        rows: x.shape.rows,
                        cols: y.shape.cols,
                    },
                });
            }
            out
        }
    };
    Ok(m)
}

/// A size measure of a monomial (letters, atoms, slots).
fn mono_size(m: &Mono) -> u64 {
    let letters: usize = m.comps.iter().map(|w| w.letters.len()).sum();
    (1 + letters + m.atoms.len() + m.slots.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Canon = Canon { commute: false };

    fn h(s: u8) -> Letter {
        Letter::Mat(MatName::H, Some(Idx::Slot(s)))
    }

    #[test]
    fn traces_are_cyclic() {
        let a = Letter::Mat(MatName::A, None);
        let hh = Letter::Mat(MatName::H, None);
        let w1 = Word {
            letters: vec![a.clone(), hh.clone(), a.clone()],
            shape: Shape::MATRIX,
        };
        let w2 = Word {
            letters: vec![hh, a.clone(), a],
            shape: Shape::MATRIX,
        };
        assert_eq!(trace_word(&w1).unwrap(), trace_word(&w2).unwrap());
    }

    #[test]
    fn slot_names_are_canonical() {
        let m1 = Mono {
            atoms: Vec::new(),
            comps: vec![Word {
                letters: vec![h(1), h(0)],
                shape: Shape::MATRIX,
            }],
            slots: vec![SlotKind::Sample, SlotKind::Sample],
        };
        let m2 = Mono {
            comps: vec![Word {
                letters: vec![h(0), h(1)],
                shape: Shape::MATRIX,
            }],
            ..m1.clone()
        };
        assert_eq!(normalize(m1, C).unwrap(), normalize(m2, C).unwrap());
    }

    #[test]
    fn scalar_segments_commute_out() {
        // g gᵀ A g gᵀ = (gᵀ A g) g gᵀ.
        let g = Letter::Vec(VecName::G, None, Orient::Col);
        let gt = g.transposed();
        let a = Letter::Mat(MatName::A, None);
        let m = Mono {
            comps: vec![Word {
                letters: vec![g.clone(), gt.clone(), a.clone(), g.clone(), gt.clone()],
                shape: Shape::MATRIX,
            }],
            ..Mono::one()
        };
        let p = normalize(m, C).unwrap();
        let (mono, _) = p.terms.iter().next().unwrap();
        assert_eq!(mono.atoms, vec![Atom::Form(vec![gt, a, g.clone()])]);
        assert_eq!(mono.comps[0].letters.len(), 2);
    }

    #[test]
    fn permutations_enumerate() {
        let mut p = vec![0u8, 1, 2];
        let mut n = 1;
        while next_permutation(&mut p) {
            n += 1;
        }
        assert_eq!(n, 6);
    }
}
