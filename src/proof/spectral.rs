//! Spectral reduction: a claim about one symmetric matrix `H` and `γ` becomes a statement about
//! one eigenvalue, decided exactly by [`super::decide`].
//!
//! Applies when every matrix in the claim is a polynomial `f(H)` (in `H`, `I`, `γ` and
//! numbers), every scalar is a number, `γ`, or an extreme spectral value `λ_max(f(H))`,
//! `λ_min(f(H))`, `ρ(f(H))`, `‖f(H)‖₂` (`= max_λ |f(λ)|` for symmetric `H`), `ρ(kron(f(H), f(H)))`
//! or `λ_max(kron(f(H), f(H)))` (`= max_λ f(λ)²`) — or, in `d = 1`, any of these and `tr` of a
//! polynomial in `H`, all of which are `f(λ)` for the one eigenvalue `λ = H`.
//!
//! 1. Scaling: every side must be homogeneous in the dimension `[H] = 1`, `[γ] = −1`; then the
//!    claim at `(γ, H)` is the claim at `(1, γH)`, so `γ = 1` (the variable is `u = γλ`).
//! 2. Pointwise: `max_λ f(λ) ≤ r` is `∀λ ∈ spec(H): f(λ) ≤ r` (and `min ≥`, `max |f| ≤`); for a
//!    finite spectrum the maximum is attained. A claim `P`, `P ⟹ Q`, `P ⟺ Q` whose relations are
//!    all of this universal kind holds for every `H` if it holds pointwise for every
//!    `λ ≥ 0` (PSD `H`) or every real `λ` (symmetric `H`); an existential relation
//!    (`λ_max ≥ r`) is not reduced.
//! 3. The pointwise statement is decided exactly ([`super::decide::valid`]). A failure gives
//!    a point `u` where it fails: the instance `H = λI` with `γλ = u` is then a candidate
//!    counterexample for the caller to confirm by evaluation.

use super::ast::{
    Assumptions, Claim, Expr, ExprKind, Func, HessianClass, MulOp, RelOp, Relation, Sign, Sym,
};
use super::decide::{valid, Cmp, Domain, Formula, Witness};
use crate::exact::poly::UPoly;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// A dimension: `Some(k)` for `[H]^k`, `None` for the number 0 (any dimension).
type Dimen = Option<i64>;

fn join(a: Dimen, b: Dimen) -> Result<Dimen, String> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err("not homogeneous in (γ, H)".into()),
        (Some(x), _) | (_, Some(x)) => Ok(Some(x)),
        (None, None) => Ok(None),
    }
}

fn add_dims(a: Dimen, b: Dimen) -> Dimen {
    match (a, b) {
        (Some(x), Some(y)) => Some(x + y),
        _ => None,
    }
}

/// A polynomial in `H` (with `γ = 1`) and its dimension.
fn mat_poly(e: &Expr, d1: bool) -> Result<(UPoly, Dimen), String> {
    let one = || UPoly::constant(BigRational::one());
    Ok(match &e.kind {
        ExprKind::Num(q) => (
            UPoly::constant(q.clone()),
            if q.is_zero() { None } else { Some(0) },
        ),
        ExprKind::Sym(Sym::Gamma) => (one(), Some(-1)),
        ExprKind::Sym(Sym::I) => (one(), Some(0)),
        ExprKind::Sym(Sym::H) => (UPoly::t(), Some(1)),
        ExprKind::Sym(s) => return Err(format!("`{}` is not a function of H and γ", s.name())),
        ExprKind::Neg(x) => {
            let (p, dm) = mat_poly(x, d1)?;
            (p.neg(), dm)
        }
        ExprKind::Transpose(x) => mat_poly(x, d1)?,
        ExprKind::Add(ts) => {
            let mut acc = UPoly::new(Vec::new());
            let mut dm = None;
            for (s, t) in ts {
                let (p, dt) = mat_poly(t, d1)?;
                dm = join(dm, dt)?;
                acc = match s {
                    Sign::Plus => acc.add(&p),
                    Sign::Minus => acc.sub(&p),
                };
            }
            (acc, dm)
        }
        ExprKind::Mul(fs) => {
            let mut acc = one();
            let mut dm: Dimen = Some(0);
            for f in fs {
                let (p, dt) = mat_poly(&f.expr, d1)?;
                match f.op {
                    MulOp::Times => {
                        acc = acc.mul(&p);
                        dm = add_dims(dm, dt);
                    }
                    MulOp::Divide => {
                        if p.degree().unwrap_or(0) > 0 || p.is_zero() {
                            return Err("division by a non-constant".into());
                        }
                        acc = acc.scale(&(BigRational::one() / p.coeffs()[0].clone()));
                        dm = add_dims(dm, dt.map(|x| -x));
                    }
                }
            }
            (acc, dm)
        }
        ExprKind::Pow(x, k) => {
            let (p, dm) = mat_poly(x, d1)?;
            let mut acc = one();
            for _ in 0..*k {
                acc = acc.mul(&p);
            }
            (acc, dm.map(|x| x * i64::from(*k)))
        }
        ExprKind::Call(Func::Trace | Func::LambdaMax | Func::LambdaMin, args) if d1 => {
            mat_poly(&args[0], d1)?
        }
        ExprKind::Call(Func::Kron, args) if d1 => {
            let (p, a) = mat_poly(&args[0], d1)?;
            let (q, b) = mat_poly(&args[1], d1)?;
            (p.mul(&q), add_dims(a, b))
        }
        _ => return Err("not a polynomial in H".into()),
    })
}

/// An extreme spectral value over `λ ∈ spec(H)`, or a plain value (a constant; in `d = 1` a
/// polynomial in the one eigenvalue).
#[derive(Debug, Clone)]
enum SVal {
    Plain(UPoly),
    Max(UPoly),
    Min(UPoly),
    MaxAbs(UPoly),
    /// `|f(λ)|` at the one eigenvalue (`d = 1`).
    Abs(UPoly),
}

fn same(a: &Expr, b: &Expr) -> bool {
    a.to_string() == b.to_string()
}

fn scalar(e: &Expr, d1: bool) -> Result<(SVal, Dimen), String> {
    let plain = |(p, dm): (UPoly, Dimen)| (SVal::Plain(p), dm);
    Ok(match &e.kind {
        ExprKind::Call(f @ (Func::LambdaMax | Func::LambdaMin | Func::Rho | Func::Norm), args) => {
            let arg = &args[0];
            if arg.shape.is_scalar() {
                return Err("a norm of a scalar".into());
            }
            // kron(X, X): eigenvalues f(λ)f(μ); the extreme ones are max f² (and min needs
            // pairs).
            if let ExprKind::Call(Func::Kron, ka) = &arg.kind {
                if !d1 {
                    if !(same(&ka[0], &ka[1]) && matches!(f, Func::Rho | Func::LambdaMax)) {
                        return Err("a Kronecker product of two different matrices".into());
                    }
                    let (p, dm) = mat_poly(&ka[0], d1)?;
                    return Ok((SVal::Max(p.mul(&p)), add_dims(dm, dm)));
                }
            }
            let (p, dm) = mat_poly(arg, d1)?;
            let v = match (f, d1) {
                (Func::LambdaMax | Func::LambdaMin, true) => SVal::Plain(p),
                (Func::Rho | Func::Norm, true) => SVal::Abs(p),
                (Func::LambdaMax, false) => SVal::Max(p),
                (Func::LambdaMin, false) => SVal::Min(p),
                _ => SVal::MaxAbs(p),
            };
            (v, dm)
        }
        ExprKind::Call(Func::Abs, args) if d1 => {
            let (p, dm) = mat_poly(&args[0], d1)?;
            (SVal::Abs(p), dm)
        }
        ExprKind::Call(Func::Trace, _) if d1 => plain(mat_poly(e, d1)?),
        ExprKind::Num(_) | ExprKind::Sym(Sym::Gamma) => plain(mat_poly(e, d1)?),
        ExprKind::Neg(x) => {
            let (v, dm) = scalar(x, d1)?;
            (negate(v)?, dm)
        }
        ExprKind::Mul(fs) => {
            // One spectral factor at most, scaled by constants.
            let mut c = BigRational::one();
            let mut dm: Dimen = Some(0);
            let mut core: Option<SVal> = None;
            for f in fs {
                let (v, dt) = scalar(&f.expr, d1)?;
                match (v, f.op) {
                    (SVal::Plain(p), op) if p.degree().unwrap_or(0) == 0 && !d1 => {
                        let k = p
                            .coeffs()
                            .first()
                            .cloned()
                            .unwrap_or_else(BigRational::zero);
                        match op {
                            MulOp::Times => c *= k,
                            MulOp::Divide => {
                                if k.is_zero() {
                                    return Err("division by zero".into());
                                }
                                c /= k;
                            }
                        }
                        dm = add_dims(
                            dm,
                            if op == MulOp::Divide {
                                dt.map(|x| -x)
                            } else {
                                dt
                            },
                        );
                    }
                    (v, MulOp::Times) if core.is_none() => {
                        core = Some(v);
                        dm = add_dims(dm, dt);
                    }
                    (SVal::Plain(p), op) if d1 => {
                        // In d = 1 plain values multiply (and divide by constants).
                        let Some(SVal::Plain(q)) = core.take() else {
                            return Err("a product of spectral values".into());
                        };
                        match op {
                            MulOp::Times => {
                                core = Some(SVal::Plain(q.mul(&p)));
                                dm = add_dims(dm, dt);
                            }
                            MulOp::Divide => {
                                if p.degree().unwrap_or(0) > 0 || p.is_zero() {
                                    return Err("division by a non-constant".into());
                                }
                                core = Some(SVal::Plain(
                                    q.scale(&(BigRational::one() / p.coeffs()[0].clone())),
                                ));
                                dm = add_dims(dm, dt.map(|x| -x));
                            }
                        }
                    }
                    _ => return Err("a product of spectral values".into()),
                }
            }
            let core = core.unwrap_or(SVal::Plain(UPoly::constant(BigRational::one())));
            (scale(core, &c)?, dm)
        }
        ExprKind::Add(ts) => {
            // Constants added to at most one spectral value.
            let mut constant = UPoly::new(Vec::new());
            let mut core: Option<SVal> = None;
            let mut dm: Dimen = None;
            for (s, t) in ts {
                let (v, dt) = scalar(t, d1)?;
                dm = join(dm, dt)?;
                let v = if *s == Sign::Minus { negate(v)? } else { v };
                match v {
                    SVal::Plain(p) => constant = constant.add(&p),
                    other if core.is_none() => core = Some(other),
                    _ => return Err("a sum of spectral values".into()),
                }
            }
            let v = match core {
                None => SVal::Plain(constant),
                Some(SVal::Max(f)) if constant.degree().unwrap_or(0) == 0 => {
                    SVal::Max(f.add(&constant))
                }
                Some(SVal::Min(f)) if constant.degree().unwrap_or(0) == 0 => {
                    SVal::Min(f.add(&constant))
                }
                _ => return Err("a constant added to a norm".into()),
            };
            (v, dm)
        }
        ExprKind::Pow(x, k) => {
            let (v, dm) = scalar(x, d1)?;
            let SVal::Plain(p) = v else {
                return Err("a power of a spectral value".into());
            };
            let mut acc = UPoly::constant(BigRational::one());
            for _ in 0..*k {
                acc = acc.mul(&p);
            }
            (SVal::Plain(acc), dm.map(|x| x * i64::from(*k)))
        }
        _ => return Err(format!("`{e}` is not a spectral function of H")),
    })
}

fn negate(v: SVal) -> Result<SVal, String> {
    Ok(match v {
        SVal::Plain(p) => SVal::Plain(p.neg()),
        SVal::Max(f) => SVal::Min(f.neg()),
        SVal::Min(f) => SVal::Max(f.neg()),
        SVal::MaxAbs(_) | SVal::Abs(_) => return Err("a negated norm".into()),
    })
}

fn scale(v: SVal, c: &BigRational) -> Result<SVal, String> {
    if c.is_negative() {
        return scale(negate(v)?, &-c.clone());
    }
    Ok(match v {
        SVal::Plain(p) => SVal::Plain(p.scale(c)),
        SVal::Max(f) => SVal::Max(f.scale(c)),
        SVal::Min(f) => SVal::Min(f.scale(c)),
        SVal::MaxAbs(f) => SVal::MaxAbs(f.scale(c)),
        SVal::Abs(f) => SVal::Abs(f.scale(c)),
    })
}

fn atom(p: UPoly, op: RelOp) -> Formula {
    let c = match op {
        RelOp::Le => Cmp::Le,
        RelOp::Lt => Cmp::Lt,
        RelOp::Ge => Cmp::Ge,
        RelOp::Gt => Cmp::Gt,
        _ => Cmp::Eq,
    };
    Formula::Atom(p, c)
}

fn mirror(op: RelOp) -> RelOp {
    match op {
        RelOp::Le => RelOp::Ge,
        RelOp::Ge => RelOp::Le,
        RelOp::Lt => RelOp::Gt,
        RelOp::Gt => RelOp::Lt,
        other => other,
    }
}

/// `|f| op r` pointwise.
fn abs_atom(f: &UPoly, r: &UPoly, op: RelOp) -> Formula {
    let upper = atom(f.sub(r), op);
    let lower = atom(f.neg().sub(r), op);
    match op {
        RelOp::Le | RelOp::Lt => Formula::And(vec![upper, lower]),
        RelOp::Ge | RelOp::Gt => Formula::Or(vec![upper, lower]),
        _ => Formula::And(vec![
            Formula::Or(vec![
                atom(f.sub(r), RelOp::Eq),
                atom(f.neg().sub(r), RelOp::Eq),
            ]),
            atom(r.clone(), RelOp::Ge),
        ]),
    }
}

fn relation(r: &Relation, d1: bool) -> Result<Formula, String> {
    if r.op == RelOp::LoewnerLe || r.op == RelOp::LoewnerGe || !r.lhs.shape.is_scalar() {
        return Err("not a scalar relation".into());
    }
    let (l, dl) = scalar(&r.lhs, d1)?;
    let (rv, dr) = scalar(&r.rhs, d1)?;
    join(dl, dr)?;
    let universal = "an existential spectral relation (e.g. λ_max ≥ r) is not reduced";
    Ok(match (l, rv) {
        (SVal::Plain(p), SVal::Plain(q)) => atom(p.sub(&q), r.op),
        (SVal::Abs(f), SVal::Plain(q)) => abs_atom(&f, &q, r.op),
        (SVal::Plain(q), SVal::Abs(f)) => abs_atom(&f, &q, mirror(r.op)),
        (ext, SVal::Plain(q)) => extreme(ext, &q, r.op).ok_or(universal)?,
        (SVal::Plain(q), ext) => extreme(ext, &q, mirror(r.op)).ok_or(universal)?,
        _ => return Err("two spectral values compared".into()),
    })
}

/// `ext op q` as `∀λ`, if it is universal.
fn extreme(ext: SVal, q: &UPoly, op: RelOp) -> Option<Formula> {
    if q.degree().unwrap_or(0) > 0 {
        return None;
    }
    match (ext, op) {
        (SVal::Max(f), RelOp::Le | RelOp::Lt) | (SVal::Min(f), RelOp::Ge | RelOp::Gt) => {
            Some(atom(f.sub(q), op))
        }
        (SVal::MaxAbs(f), RelOp::Le | RelOp::Lt) => Some(abs_atom(&f, q, op)),
        _ => None,
    }
}

/// The reduced statement, or why the claim is not of this kind.
fn formula(claim: &Claim, asm: &Assumptions) -> Result<Formula, String> {
    let d1 = asm.dim_one();
    Ok(match claim {
        Claim::Rel(r) => relation(r, d1)?,
        Claim::Implies(p, q) => {
            Formula::Implies(Box::new(relation(p, d1)?), Box::new(relation(q, d1)?))
        }
        Claim::Iff(p, q) => Formula::Iff(Box::new(relation(p, d1)?), Box::new(relation(q, d1)?)),
    })
}

/// What the spectral route found.
#[derive(Debug, Clone)]
pub(crate) enum Spectral {
    /// Proved: the evidence.
    Proved(String),
    /// The pointwise statement fails at `u = γλ`.
    FailsAt(Witness),
}

/// Decide `claim` by spectral reduction, or say why it does not apply.
pub(crate) fn decide(claim: &Claim, asm: &Assumptions) -> Result<Spectral, String> {
    if !claim
        .sides()
        .iter()
        .any(|e| e.any(&|x| matches!(x.kind, ExprKind::Sym(Sym::H))))
    {
        return Err("no H".into());
    }
    let f = formula(claim, asm)?;
    let dom = if asm.hessians == HessianClass::Psd {
        Domain::NonNeg
    } else {
        Domain::Real
    };
    let var = if claim
        .sides()
        .iter()
        .any(|e| e.any(&|x| matches!(x.kind, ExprKind::Sym(Sym::Gamma))))
    {
        "u = γλ"
    } else {
        "λ"
    };
    let range = if dom == Domain::NonNeg {
        " ≥ 0"
    } else {
        " real"
    };
    let each = if asm.dim_one() {
        "λ = H (d = 1)"
    } else {
        "λ ∈ spec(H)"
    };
    match valid(&f, dom) {
        Ok(()) => Ok(Spectral::Proved(format!(
            "proved: reduces spectrally to one statement in {var}{range} ({each}), decided exactly by Sturm sequences"
        ))),
        Err(Some(w)) => Ok(Spectral::FailsAt(w)),
        Err(None) => Err("degree too high for the exact decision (limit)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::parser::parse_claim;

    fn run(text: &str, asm: &Assumptions) -> Result<Spectral, String> {
        decide(&parse_claim(text, 1, 0).unwrap(), asm)
    }

    #[test]
    fn corollary_34_reduces() {
        let a = Assumptions::default();
        for text in [
            "lambda_max((I - gamma*H)^2) <= 1 iff rho(I - gamma*H) <= 1",
            "rho(I - gamma*H) <= 1 iff norm2(H) <= 2/gamma",
            "norm2(H) <= 2/gamma implies rho(kron(I - gamma*H, I - gamma*H)) <= 1",
            "rho(kron(I - gamma*H, I - gamma*H)) <= 1 implies norm2(H) <= 2/gamma",
        ] {
            assert!(matches!(run(text, &a), Ok(Spectral::Proved(_))), "{text}");
        }
        // Indefinite H: λ < 0 breaks (25) ⇔ (26).
        let sym = Assumptions {
            hessians: HessianClass::Symmetric,
            ..Assumptions::default()
        };
        assert!(matches!(
            run("rho(I - gamma*H) <= 1 iff norm2(H) <= 2/gamma", &sym),
            Ok(Spectral::FailsAt(_))
        ));
        // Not homogeneous: left alone.
        assert!(run("rho(I - gamma*H) <= 1 iff norm2(H) <= 2", &a).is_err());
        // Existential: left alone.
        assert!(run("lambda_max(H) >= 1 implies norm2(H) >= 1", &a).is_err());
    }
}
