//! A claim's expression into a normal-form fraction, under one sampling scheme and the step's
//! assumptions, with `N` and `B` symbolic or fixed numbers.
//!
//! The rules, each an identity where the expression is defined: `H = (1/N) Σ_s H_s`,
//! `Σ = (1/N) Σ_s H_s² − H²`, `H_B = (1/B) Σ_{p ∈ B} H_p`, `E_i[e] = (1/N) Σ_i e`,
//! `c = (N − B)/(B(N − 1))` without and `1/B` with replacement (`c = 0` when `B = N`),
//! `H_i = g_i g_iᵀ` under `rank_one`, `Σ_{i≠j} = Σ_{i,j} − Σ_{i=j}`, `Σ_{i<j} f = ½ Σ_{i≠j} f`
//! when `f(i, j) = f(j, i)`, `E_B[…]` by inclusion moments ([`super::batch`]), `tr` of words
//! (cyclic), `kron` factor by factor (mixed-product rule), transposes letter by letter
//! (symmetric letters are their own transposes), scalars commute, `tr(I) = d`,
//! `onesᵀones = d`, `abs(e) = e` when `e` is manifestly ≥ 0, and in `d = 1` every value is a
//! number: letters commute, `tr`, `λ_max`, `λ_min`, `lambda`, `diag` are the identity,
//! `eigdiag(M, v) = v`, `rho`, `norm` are `abs`.

use super::super::ast::{
    Assumptions, Expr, ExprKind, Family, Func, MulOp, PairRule, Rank, Sign, SumDomain, Sym,
};
use super::super::positivity;
use super::batch::{expectation, Sizes};
use super::frac::{Frac, Origin};
use super::term::{
    normalize, outside, Atom, Canon, Idx, Letter, MatName, Mono, Opaque, Orient, Param, Poly,
    SResult, SlotKind, VecName,
};
use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Signed;

/// The scheme and the sizes a conversion runs under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting<'a> {
    pub sampling: Sampling,
    pub sizes: Sizes,
    pub asm: &'a Assumptions,
}

impl Setting<'_> {
    pub(crate) fn canon(&self) -> Canon {
        Canon {
            commute: self.asm.commute == super::super::ast::Commuting::Yes
                && self.asm.rank != Rank::One,
        }
    }

    fn fixed_n(&self) -> Option<u32> {
        match self.sizes {
            Sizes::Fixed { n, .. } => Some(n),
            _ => None,
        }
    }
}

/// The converter: the setting, the fresh names for sum variables, the variables in scope.
pub(crate) struct Converter<'a> {
    pub set: Setting<'a>,
    next: u32,
    scope: Vec<(String, Idx, SlotKind)>,
    /// Free indices bound to concrete samples (when `N` is a number).
    pub free: Vec<(String, Idx)>,
}

fn int(k: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(k))
}

fn param(p: Param) -> Poly {
    Poly::atom(Atom::Param(p))
}

impl<'a> Converter<'a> {
    pub(crate) fn new(set: Setting<'a>) -> Self {
        Self {
            set,
            next: 0,
            scope: Vec::new(),
            free: Vec::new(),
        }
    }

    fn canon(&self) -> Canon {
        self.set.canon()
    }

    fn d1(&self) -> bool {
        self.set.asm.dim_one()
    }

    fn fresh(&mut self) -> Idx {
        self.next += 1;
        Idx::Pending(self.next)
    }

    /// `N` as a fraction-free polynomial.
    fn n_poly(&self) -> Poly {
        match self.set.fixed_n() {
            Some(n) => Poly::constant(int(i64::from(n))),
            None => param(Param::N),
        }
    }

    fn b_poly(&self) -> Poly {
        match self.set.sizes {
            Sizes::Fixed { b, .. } => Poly::constant(int(i64::from(b))),
            Sizes::BatchOne => Poly::one(),
            Sizes::BatchFull => param(Param::N),
            Sizes::Free => param(Param::B),
        }
    }

    /// `x / N` (a reduction's denominator).
    fn over_n(&self, x: Frac) -> SResult<Frac> {
        let d = Frac::over(Poly::one(), self.n_poly(), Origin::Reduction)?;
        x.mul(&d, self.canon())
    }

    fn over_b(&self, x: Frac) -> SResult<Frac> {
        let d = Frac::over(Poly::one(), self.b_poly(), Origin::Reduction)?;
        x.mul(&d, self.canon())
    }

    /// A matrix or vector letter (in `d = 1` a commuting scalar).
    fn letter(&self, l: Letter) -> Poly {
        if self.d1() {
            let l = match l {
                Letter::Vec(n, i, _) => Letter::Vec(n, i, Orient::Col),
                m => m,
            };
            Poly::atom(Atom::Scalar(l))
        } else {
            Poly::letter(l)
        }
    }

    fn identity(&self) -> Poly {
        if self.d1() {
            Poly::one()
        } else {
            Poly::identity()
        }
    }

    /// `H_i` (or `g_i g_iᵀ`).
    fn h_at(&self, i: Idx) -> SResult<Poly> {
        if self.set.asm.rank == Rank::One {
            let g = self.letter(Letter::Vec(VecName::G, Some(i.clone()), Orient::Col));
            let gt = self.letter(Letter::Vec(VecName::G, Some(i), Orient::Row));
            g.mul(&gt, self.canon())
        } else {
            Ok(self.letter(Letter::Mat(MatName::H, Some(i))))
        }
    }

    fn lookup(&self, v: &str) -> Idx {
        if let Some((_, i, _)) = self.scope.iter().rev().find(|(n, _, _)| n == v) {
            return i.clone();
        }
        if let Some((_, i)) = self.free.iter().find(|(n, _)| n == v) {
            return i.clone();
        }
        Idx::Free(v.to_owned())
    }

    /// `Σ_{pending}` of `body` over samples or positions: the pending index becomes a slot (or,
    /// when `N` is a number, each concrete sample); a body without it is multiplied by the
    /// range.
    fn close(&self, body: &Frac, pending: &Idx, kind: SlotKind) -> SResult<Frac> {
        if body.den.keys().any(|f| f.mentions(&|i| i == pending)) {
            return outside("a sum of a quotient whose divisor depends on the summation index");
        }
        let canon = self.canon();
        let mut num = Poly::zero();
        let mut absent = Poly::zero();
        let fixed_n = self.set.fixed_n().filter(|_| kind == SlotKind::Sample);
        for (m, c) in &body.num.terms {
            if !m.mentions(&|i| i == pending) {
                absent.add_term(m.clone(), c.clone());
                continue;
            }
            if let Some(n) = fixed_n {
                for s in 1..=n {
                    let mut m2 = m.clone();
                    m2.substitute(pending, &Idx::Sample(s));
                    for (nm, k) in normalize(m2, canon)?.terms {
                        num.add_term(nm, k * c);
                    }
                }
                continue;
            }
            let mut m2 = m.clone();
            let slot = u8::try_from(m2.slots.len())
                .map_err(|_| super::term::Outside::Fragment("too many bound indices".into()))?;
            m2.substitute(pending, &Idx::Slot(slot));
            m2.slots.push(kind);
            for (nm, k) in normalize(m2, canon)?.terms {
                num.add_term(nm, k * c);
            }
        }
        let range = match kind {
            SlotKind::Sample => self.n_poly(),
            SlotKind::Position => self.b_poly(),
            SlotKind::Coord => param(Param::D),
        };
        num.add(absent.mul(&range, canon)?);
        Ok(Frac {
            num,
            den: body.den.clone(),
        })
    }

    /// Convert `body` with `vars` bound to fresh pending indices of `kind`.
    fn bind(&mut self, vars: &[String], kind: SlotKind, body: &Expr) -> SResult<(Frac, Vec<Idx>)> {
        let idx: Vec<Idx> = vars.iter().map(|_| self.fresh()).collect();
        let n = self.scope.len();
        for (v, i) in vars.iter().zip(&idx) {
            self.scope.push((v.clone(), i.clone(), kind));
        }
        let r = self.conv(body);
        self.scope.truncate(n);
        Ok((r?, idx))
    }

    fn sum(
        &mut self,
        vars: &[String],
        rule: PairRule,
        kind: SlotKind,
        body: &Expr,
    ) -> SResult<Frac> {
        let canon = self.canon();
        let (f, idx) = self.bind(vars, kind, body)?;
        let tmp = self.fresh();
        if idx.len() == 1 {
            return self.close(&f, &idx[0], kind);
        }
        let (i, j) = (&idx[0], &idx[1]);
        // Σ_{i=j}: identify j with i.
        let diagonal = || -> SResult<Frac> {
            let num = f.num.substituted(j, i, canon)?;
            self.close(
                &Frac {
                    num,
                    den: f.den.clone(),
                },
                i,
                kind,
            )
        };
        let all = || -> SResult<Frac> {
            let inner = self.close(&f, j, kind)?;
            self.close(&inner, i, kind)
        };
        match rule {
            PairRule::All => all(),
            PairRule::Distinct => all()?.difference(&diagonal()?, canon),
            PairRule::Ordered => {
                // Σ_{i<j} f = ½ Σ_{i≠j} f when f is symmetric in (i, j).
                let swapped = f
                    .num
                    .substituted(i, &tmp, canon)?
                    .substituted(j, i, canon)?
                    .substituted(&tmp, j, canon)?;
                if swapped != f.num {
                    return outside(
                        "a sum over i < j whose body is not symmetric in (i, j) (only its value depends on the order of the indices)",
                    );
                }
                Ok(all()?
                    .difference(&diagonal()?, canon)?
                    .scaled(&BigRational::new(1.into(), 2.into())))
            }
        }
    }

    fn sym(&mut self, s: Sym) -> SResult<Frac> {
        let canon = self.canon();
        Ok(match s {
            Sym::Gamma => Frac::poly(param(Param::Gamma)),
            Sym::N => Frac::poly(self.n_poly()),
            Sym::B => Frac::poly(self.b_poly()),
            Sym::D => Frac::poly(if self.d1() {
                Poly::one()
            } else {
                param(Param::D)
            }),
            Sym::C => self.batch_factor()?,
            Sym::I => Frac::poly(self.identity()),
            Sym::A => Frac::poly(self.letter(Letter::Mat(MatName::A, None))),
            Sym::Q => Frac::poly(self.letter(Letter::Mat(MatName::Q, None))),
            Sym::X => Frac::poly(self.letter(Letter::Vec(VecName::X, None, Orient::Col))),
            Sym::W => Frac::poly(self.letter(Letter::Vec(VecName::W, None, Orient::Col))),
            Sym::Ones => Frac::poly(if self.d1() {
                Poly::one()
            } else {
                Poly::letter(Letter::Vec(VecName::Ones, None, Orient::Col))
            }),
            Sym::H => {
                let s = self.fresh();
                let body = Frac::poly(self.h_at(s.clone())?);
                let sum = self.close(&body, &s, SlotKind::Sample)?;
                self.over_n(sum)?
            }
            Sym::Sigma => {
                let s = self.fresh();
                let h = self.h_at(s.clone())?;
                let sq = Frac::poly(h.mul(&h, canon)?);
                let mean_sq = self.over_n(self.close(&sq, &s, SlotKind::Sample)?)?;
                let hbar = self.sym(Sym::H)?;
                mean_sq.difference(&hbar.mul(&hbar, canon)?, canon)?
            }
            Sym::HBatch => {
                let p = self.fresh();
                let body = Frac::poly(self.h_at(p.clone())?);
                let sum = self.close(&body, &p, SlotKind::Position)?;
                self.over_b(sum)?
            }
        })
    }

    /// `c`: `(N − B)/(B(N − 1))` without replacement (0 when `B = N`), `1/B` with.
    fn batch_factor(&self) -> SResult<Frac> {
        if self.set.sampling == Sampling::WithReplacement {
            return self.over_b(Frac::poly(Poly::one()));
        }
        match self.set.sizes {
            Sizes::Fixed { n, b } => {
                Ok(Frac::poly(Poly::constant(crate::moments::batch_factor::<
                    BigRational,
                >(
                    n as usize,
                    b as usize,
                    self.set.sampling,
                ))))
            }
            Sizes::BatchFull => Ok(Frac::poly(Poly::zero())),
            _ => {
                let mut num = self.n_poly();
                num.add(self.b_poly().neg());
                let mut nm1 = self.n_poly();
                nm1.add(Poly::constant(int(-1)));
                let f = self.over_b(Frac::poly(num))?;
                let g = Frac::over(Poly::one(), nm1, Origin::Reduction)?;
                f.mul(&g, self.canon())
            }
        }
    }

    /// An opaque function of a scalar (or `norm` of a vector).
    fn opaque(&self, f: Opaque, arg: Frac) -> SResult<Frac> {
        if !arg.den.is_empty() {
            return outside("abs, sqrt or norm of a quotient");
        }
        if let Some(c) = arg.num.as_constant() {
            match f {
                Opaque::Abs | Opaque::Norm => return Ok(Frac::poly(Poly::constant(c.abs()))),
                Opaque::Sqrt => {
                    if c.is_negative() {
                        return outside("the square root of a negative number");
                    }
                    let (n, d) = (c.numer().sqrt(), c.denom().sqrt());
                    if &(&n * &n) == c.numer() && &(&d * &d) == c.denom() {
                        return Ok(Frac::poly(Poly::constant(BigRational::new(n, d))));
                    }
                }
            }
        }
        Ok(Frac::poly(Poly::atom(Atom::Func(f, Box::new(arg.num)))))
    }

    fn call(&mut self, f: Func, args: &[Expr]) -> SResult<Frac> {
        let canon = self.canon();
        let d1 = self.d1();
        let x = self.conv(&args[0])?;
        match f {
            Func::Trace => {
                if d1 {
                    Ok(x)
                } else {
                    x.trace(canon)
                }
            }
            Func::Kron => {
                let y = self.conv(&args[1])?;
                if d1 || args[0].shape.is_scalar() || args[1].shape.is_scalar() {
                    x.mul(&y, canon)
                } else {
                    x.kron(&y, canon)
                }
            }
            Func::Abs => {
                if positivity::nonneg(&args[0], self.set.asm) {
                    Ok(x)
                } else {
                    self.opaque(Opaque::Abs, x)
                }
            }
            Func::Sqrt => self.opaque(Opaque::Sqrt, x),
            Func::Norm => {
                if args[0].shape.is_scalar() || d1 {
                    if positivity::nonneg(&args[0], self.set.asm) {
                        Ok(x)
                    } else {
                        self.opaque(Opaque::Abs, x)
                    }
                } else if args[0].shape.cols == 0 {
                    self.opaque(Opaque::Norm, x)
                } else {
                    outside("the spectral norm of a matrix (d ≥ 2)")
                }
            }
            Func::Rho if d1 => {
                if positivity::nonneg(&args[0], self.set.asm) {
                    Ok(x)
                } else {
                    self.opaque(Opaque::Abs, x)
                }
            }
            Func::LambdaMax | Func::LambdaMin | Func::Eigvals | Func::Diag if d1 => Ok(x),
            Func::EigDiag if d1 => self.conv(&args[1]),
            Func::LambdaMax
            | Func::LambdaMin
            | Func::Rho
            | Func::Eigvals
            | Func::Diag
            | Func::EigDiag => outside(format!(
                "`{}` needs the eigenvalues of a matrix (d ≥ 2)",
                f.name()
            )),
        }
    }

    /// Convert an expression.
    pub(crate) fn conv(&mut self, e: &Expr) -> SResult<Frac> {
        let canon = self.canon();
        match &e.kind {
            ExprKind::Num(q) => Ok(Frac::poly(Poly::constant(q.clone()))),
            ExprKind::Sym(s) => self.sym(*s),
            ExprKind::Family(f, v) => {
                let i = self.lookup(v);
                Ok(Frac::poly(match f {
                    Family::H => self.h_at(i)?,
                    Family::G => self.letter(Letter::Vec(VecName::G, Some(i), Orient::Col)),
                    Family::W => self.letter(Letter::Vec(VecName::WFam, Some(i), Orient::Col)),
                    Family::A => Poly::atom(Atom::Family(i)),
                }))
            }
            ExprKind::Neg(a) => Ok(self.conv(a)?.neg()),
            ExprKind::Add(ts) => {
                let mut acc: Option<Frac> = None;
                for (s, t) in ts {
                    let mut x = self.conv(t)?;
                    if *s == Sign::Minus {
                        x = x.neg();
                    }
                    acc = Some(match acc {
                        None => x,
                        Some(a) => a.add(&x, canon)?,
                    });
                }
                Ok(acc.unwrap_or_default())
            }
            ExprKind::Mul(fs) => {
                let mut acc = Frac::poly(Poly::one());
                for f in fs {
                    acc = match f.op {
                        MulOp::Times => acc.mul(&self.conv(&f.expr)?, canon)?,
                        MulOp::Divide => match &f.expr.kind {
                            // x/(a·b) = (x/a)/b: keep the divisor's factors apart.
                            ExprKind::Mul(gs) if gs.iter().all(|g| g.op == MulOp::Times) => {
                                for g in gs {
                                    acc = acc.div(&self.conv(&g.expr)?, canon)?;
                                }
                                acc
                            }
                            _ => acc.div(&self.conv(&f.expr)?, canon)?,
                        },
                    };
                }
                Ok(acc)
            }
            ExprKind::Pow(a, k) => {
                let base = self.conv(a)?;
                let mut acc = if a.shape.is_scalar() || self.d1() {
                    Frac::poly(Poly::one())
                } else {
                    Frac::poly(kron_identity(a.shape.rows))
                };
                for _ in 0..*k {
                    acc = acc.mul(&base, canon)?;
                }
                Ok(acc)
            }
            ExprKind::Transpose(a) => {
                let x = self.conv(a)?;
                if self.d1() {
                    Ok(x)
                } else {
                    x.transposed(canon)
                }
            }
            ExprKind::Call(f, args) => self.call(*f, args),
            ExprKind::Sum(spec, body) => {
                let kind = match spec.domain {
                    SumDomain::Samples => SlotKind::Sample,
                    SumDomain::Batch => SlotKind::Position,
                };
                self.sum(&spec.vars, spec.rule, kind, body)
            }
            ExprKind::SampleMean(v, body) => {
                let s = self.sum(
                    std::slice::from_ref(v),
                    PairRule::All,
                    SlotKind::Sample,
                    body,
                )?;
                self.over_n(s)
            }
            ExprKind::BatchMean(body) => {
                let x = self.conv(body)?;
                if x.den.keys().any(|f| {
                    f.terms
                        .keys()
                        .any(|m| m.slots.contains(&SlotKind::Position))
                }) {
                    return outside("E_B of a quotient by a batch-dependent scalar");
                }
                let mut e = expectation(&x.num, self.set.sampling, self.set.sizes, canon)?;
                if let Some(n) = self.set.fixed_n() {
                    e.num = e.num.expand_sample_slots(n, canon)?;
                }
                let mut den_part = Frac::poly(Poly::one());
                den_part.den = x.den;
                e.mul(&den_part, canon)
            }
        }
    }
}

/// The identity of size `d^rows` (a Kronecker product of `rows` identities).
fn kron_identity(rows: u8) -> Poly {
    let mut m = Mono::one();
    for _ in 0..rows {
        m.comps.push(super::term::Word::identity());
    }
    Poly::mono(m)
}
