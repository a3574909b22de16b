//! Claims about one symmetric matrix `H` written with its eigen-decomposition
//! `H = U diag(λ) Uᵀ` (`λ` ascending): `H`, `I`, `eigdiag(H, v) = U diag(v) Uᵀ` are diagonal in
//! the basis `U`; `diag(v)` and `I` are diagonal in the standard basis, where the vectors
//! `x`, `w`, `ones`, `lambda(H) = λ` live. A trace of a product of matrices diagonal in one basis
//! is `Σ_j` of the product of their diagonals (`tr(U D₁ Uᵀ U D₂ Uᵀ) = tr(D₁ D₂)`), a bilinear form
//! `uᵀ D v` with `D` diagonal in the standard basis is `Σ_j u_j D_jj v_j`. Products that mix the
//! two bases, and everything else, are outside this fragment.

use super::super::ast::{Assumptions, Expr, ExprKind, Func, MulOp, Sign, Sym};
use super::frac::Frac;
use super::term::{outside, Atom, Canon, Entry, Idx, Param, Poly, SResult, SlotKind};
use num_rational::BigRational;
use num_traits::One;

/// The basis a diagonal matrix is diagonal in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    /// An eigenbasis of `H`.
    Eigen,
    /// The standard basis.
    Standard,
    /// Both (multiples of `I`).
    Both,
}

/// A value: a scalar, a diagonal matrix (its diagonal as a function of the coordinate `J`), or
/// a vector (its entries as a function of `J`).
#[derive(Debug, Clone)]
enum Val {
    Scalar(Frac),
    Diag(Basis, Poly),
    Vector { row: bool, entry: Poly },
}

/// The coordinate variable.
const J: Idx = Idx::Pending(u32::MAX);

fn meet(a: Basis, b: Basis) -> SResult<Basis> {
    match (a, b) {
        (Basis::Both, x) | (x, Basis::Both) => Ok(x),
        (x, y) if x == y => Ok(x),
        _ => outside("a product or sum of matrices diagonal in different bases"),
    }
}

struct Eig<'a> {
    asm: &'a Assumptions,
    canon: Canon,
}

impl Eig<'_> {
    fn entry(e: Entry) -> Poly {
        Poly::atom(Atom::Entry(e, J))
    }

    /// `Σ_j p(j)` over the coordinates.
    fn close(&self, p: &Poly) -> SResult<Poly> {
        let mut out = Poly::zero();
        let mut absent = Poly::zero();
        for (m, c) in &p.terms {
            if !m.mentions(&|i| *i == J) {
                absent.add_term(m.clone(), c.clone());
                continue;
            }
            let mut m2 = m.clone();
            let slot = u8::try_from(m2.slots.len())
                .map_err(|_| super::term::Outside::Fragment("too many indices".into()))?;
            m2.substitute(&J, &Idx::Slot(slot));
            m2.slots.push(SlotKind::Coord);
            for (nm, k) in super::term::normalize(m2, self.canon)?.terms {
                out.add_term(nm, k * c);
            }
        }
        let d = if self.asm.dim_one() {
            Poly::one()
        } else {
            Poly::atom(Atom::Param(Param::D))
        };
        out.add(absent.mul(&d, self.canon)?);
        Ok(out)
    }

    fn vector(&self, e: &Expr) -> SResult<Poly> {
        match self.val(e)? {
            Val::Vector { row: false, entry } => Ok(entry),
            _ => outside("expected a vector"),
        }
    }

    fn val(&self, e: &Expr) -> SResult<Val> {
        let c = self.canon;
        Ok(match &e.kind {
            ExprKind::Num(q) => Val::Scalar(Frac::poly(Poly::constant(q.clone()))),
            ExprKind::Sym(Sym::Gamma) => {
                Val::Scalar(Frac::poly(Poly::atom(Atom::Param(Param::Gamma))))
            }
            ExprKind::Sym(Sym::D) => Val::Scalar(Frac::poly(if self.asm.dim_one() {
                Poly::one()
            } else {
                Poly::atom(Atom::Param(Param::D))
            })),
            ExprKind::Sym(Sym::I) => Val::Diag(Basis::Both, Poly::one()),
            ExprKind::Sym(Sym::H) => Val::Diag(Basis::Eigen, Self::entry(Entry::Lambda)),
            ExprKind::Sym(Sym::X) => Val::Vector {
                row: false,
                entry: Self::entry(Entry::X),
            },
            ExprKind::Sym(Sym::W) => Val::Vector {
                row: false,
                entry: Self::entry(Entry::W),
            },
            ExprKind::Sym(Sym::Ones) => Val::Vector {
                row: false,
                entry: Poly::one(),
            },
            ExprKind::Call(Func::EigDiag, args)
                if matches!(args[0].kind, ExprKind::Sym(Sym::H)) =>
            {
                Val::Diag(Basis::Eigen, self.vector(&args[1])?)
            }
            ExprKind::Call(Func::Eigvals, args)
                if matches!(args[0].kind, ExprKind::Sym(Sym::H)) =>
            {
                Val::Vector {
                    row: false,
                    entry: Self::entry(Entry::Lambda),
                }
            }
            ExprKind::Call(Func::Diag, args) => Val::Diag(Basis::Standard, self.vector(&args[0])?),
            ExprKind::Call(Func::Trace, args) => match self.val(&args[0])? {
                Val::Diag(_, p) => Val::Scalar(Frac::poly(self.close(&p)?)),
                Val::Scalar(s) => Val::Scalar(s),
                Val::Vector { .. } => return outside("the trace of a vector"),
            },
            ExprKind::Transpose(a) => match self.val(a)? {
                Val::Vector { row, entry } => Val::Vector { row: !row, entry },
                other => other,
            },
            ExprKind::Neg(a) => self.scale(self.val(a)?, &-BigRational::one())?,
            ExprKind::Add(ts) => {
                let mut acc: Option<Val> = None;
                for (s, t) in ts {
                    let mut v = self.val(t)?;
                    if *s == Sign::Minus {
                        v = self.scale(v, &-BigRational::one())?;
                    }
                    acc = Some(match acc {
                        None => v,
                        Some(a) => self.add(a, v)?,
                    });
                }
                acc.ok_or_else(|| super::term::Outside::Fragment("an empty sum".into()))?
            }
            ExprKind::Mul(fs) => {
                let mut acc = Val::Scalar(Frac::poly(Poly::one()));
                for f in fs {
                    let v = self.val(&f.expr)?;
                    acc = match f.op {
                        MulOp::Times => self.mul(acc, v)?,
                        MulOp::Divide => match (acc, v) {
                            (Val::Scalar(a), Val::Scalar(b)) => Val::Scalar(a.div(&b, c)?),
                            _ => return outside("a matrix divided in the eigenbasis form"),
                        },
                    };
                }
                acc
            }
            ExprKind::Pow(a, k) => {
                let base = self.val(a)?;
                let mut acc = match &base {
                    Val::Scalar(_) => Val::Scalar(Frac::poly(Poly::one())),
                    _ => Val::Diag(Basis::Both, Poly::one()),
                };
                for _ in 0..*k {
                    acc = self.mul(acc, base.clone())?;
                }
                acc
            }
            _ => return outside("not a function of H in its eigenbasis"),
        })
    }

    fn scale(&self, v: Val, s: &BigRational) -> SResult<Val> {
        Ok(match v {
            Val::Scalar(f) => Val::Scalar(f.scaled(s)),
            Val::Diag(b, p) => Val::Diag(b, p.scaled(s)),
            Val::Vector { row, entry } => Val::Vector {
                row,
                entry: entry.scaled(s),
            },
        })
    }

    fn add(&self, a: Val, b: Val) -> SResult<Val> {
        let c = self.canon;
        Ok(match (a, b) {
            (Val::Scalar(x), Val::Scalar(y)) => Val::Scalar(x.add(&y, c)?),
            (Val::Diag(p, x), Val::Diag(q, y)) => {
                let mut s = x;
                s.add(y);
                Val::Diag(meet(p, q)?, s)
            }
            (Val::Vector { row: r1, entry: x }, Val::Vector { row: r2, entry: y }) if r1 == r2 => {
                let mut s = x;
                s.add(y);
                Val::Vector { row: r1, entry: s }
            }
            _ => return outside("a sum of different kinds"),
        })
    }

    fn mul(&self, a: Val, b: Val) -> SResult<Val> {
        let c = self.canon;
        let poly_scalar = |f: &Frac| -> SResult<Poly> {
            if f.den.is_empty() {
                Ok(f.num.clone())
            } else {
                outside("a quotient times a matrix in the eigenbasis form")
            }
        };
        Ok(match (a, b) {
            (Val::Scalar(x), Val::Scalar(y)) => Val::Scalar(x.mul(&y, c)?),
            (Val::Scalar(x), Val::Diag(bs, p)) | (Val::Diag(bs, p), Val::Scalar(x)) => {
                Val::Diag(bs, p.mul(&poly_scalar(&x)?, c)?)
            }
            (Val::Scalar(x), Val::Vector { row, entry })
            | (Val::Vector { row, entry }, Val::Scalar(x)) => Val::Vector {
                row,
                entry: entry.mul(&poly_scalar(&x)?, c)?,
            },
            (Val::Diag(p, x), Val::Diag(q, y)) => Val::Diag(meet(p, q)?, x.mul(&y, c)?),
            (Val::Vector { row: true, entry }, Val::Diag(bs, p)) => {
                meet(bs, Basis::Standard)?;
                Val::Vector {
                    row: true,
                    entry: entry.mul(&p, c)?,
                }
            }
            (Val::Diag(bs, p), Val::Vector { row: false, entry }) => {
                meet(bs, Basis::Standard)?;
                Val::Vector {
                    row: false,
                    entry: p.mul(&entry, c)?,
                }
            }
            (
                Val::Vector {
                    row: true,
                    entry: x,
                },
                Val::Vector {
                    row: false,
                    entry: y,
                },
            ) => Val::Scalar(Frac::poly(self.close(&x.mul(&y, c)?)?)),
            _ => return outside("an outer product or a vector times a matrix of the eigenbasis"),
        })
    }
}

/// `lhs − rhs` in the eigenbasis form, if both sides are in the fragment.
pub(crate) fn difference(lhs: &Expr, rhs: &Expr, asm: &Assumptions, canon: Canon) -> SResult<Frac> {
    if !(lhs.any(&|e| matches!(e.kind, ExprKind::Call(Func::EigDiag | Func::Eigvals, _)))
        || rhs.any(&|e| matches!(e.kind, ExprKind::Call(Func::EigDiag | Func::Eigvals, _))))
    {
        return outside("no eigenvalue function");
    }
    let eig = Eig { asm, canon };
    match (eig.val(lhs)?, eig.val(rhs)?) {
        (Val::Scalar(a), Val::Scalar(b)) => a.difference(&b, canon),
        (Val::Diag(p, a), Val::Diag(q, b)) if meet(p, q).is_ok() => {
            let mut d = a;
            d.add(b.neg());
            Ok(Frac::poly(d))
        }
        (Val::Vector { row: r1, entry: a }, Val::Vector { row: r2, entry: b }) if r1 == r2 => {
            let mut d = a;
            d.add(b.neg());
            Ok(Frac::poly(d))
        }
        _ => outside("sides of different kinds in the eigenbasis form"),
    }
}
