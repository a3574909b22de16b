//! Manifest signs: sound syntactic rules for "this scalar is ≥ 0", "this matrix is symmetric",
//! "this matrix is positive semidefinite", wherever the expression is defined.
//!
//! The rules: the lecture's objects (`H_i`, `H`, `H_B` under `psd H_i`; `Σ`, `A`, `Q`, `I`
//! always; `γ`, `N`, `B`, `d`, `c` ≥ 0; `N − B`, `N − 1`, `B − 1` ≥ 0 on the domain
//! `1 ≤ B ≤ N`); sums with non-negative weights (also sums over samples and expectations);
//! products `S·S`, `M·Mᵀ`, `M·X·Mᵀ` and their palindromic generalizations; even powers of
//! symmetric matrices and any power of a PSD one; traces and extreme eigenvalues of PSD
//! matrices; `kron` of two PSD matrices; `abs`, `sqrt`, `norm`, `rho` ≥ 0; a quotient of
//! non-negatives (where the divisor is non-zero). Anything else is "not known", never "false".

use super::ast::{Assumptions, BatchSize, Expr, ExprKind, Family, Func, MulOp, Sign, Sym};
use num_rational::BigRational;
use num_traits::{Signed, Zero};

/// Structural equality, ignoring columns.
fn same(a: &Expr, b: &Expr) -> bool {
    a.shape == b.shape && a.to_string() == b.to_string()
}

/// `b = aᵀ` structurally (or both are the same symmetric matrix).
fn transpose_pair(a: &Expr, b: &Expr, asm: &Assumptions) -> bool {
    match (&a.kind, &b.kind) {
        (_, ExprKind::Transpose(t)) if same(a, t) => true,
        (ExprKind::Transpose(t), _) if same(t, b) => true,
        _ => same(a, b) && symmetric(a, asm),
    }
}

/// A linear form `α N + β B + κ` if `e` is one.
fn linear_nb(e: &Expr) -> Option<[BigRational; 3]> {
    let zero = || BigRational::zero();
    Some(match &e.kind {
        ExprKind::Num(q) => [zero(), zero(), q.clone()],
        ExprKind::Sym(Sym::N) => [BigRational::from_integer(1.into()), zero(), zero()],
        ExprKind::Sym(Sym::B) => [zero(), BigRational::from_integer(1.into()), zero()],
        ExprKind::Neg(x) => linear_nb(x)?.map(|v| -v),
        ExprKind::Add(ts) => {
            let mut acc = [zero(), zero(), zero()];
            for (s, t) in ts {
                let l = linear_nb(t)?;
                for k in 0..3 {
                    match s {
                        Sign::Plus => acc[k] += &l[k],
                        Sign::Minus => acc[k] -= &l[k],
                    }
                }
            }
            acc
        }
        _ => return None,
    })
}

/// `α N + β B + κ ≥ 0` for all integers `1 ≤ B ≤ N` allowed by `asm`.
fn linear_nonneg(l: &[BigRational; 3], asm: &Assumptions) -> bool {
    let [alpha, beta, kappa] = l;
    let zero = BigRational::zero();
    match asm.batch {
        // B = 1: α N + β + κ ≥ 0 for N ≥ 1.
        BatchSize::One => alpha >= &zero && alpha + beta + kappa >= zero,
        // B = N: (α + β) N + κ ≥ 0 for N ≥ 1.
        BatchSize::Full => alpha + beta >= zero && alpha + beta + kappa >= zero,
        // The cone N ≥ B ≥ b0: vertex (b0, b0), rays (1, 0) and (1, 1).
        BatchSize::Any | BatchSize::TwoOrMore => {
            let b0 = BigRational::from_integer(
                if asm.batch == BatchSize::TwoOrMore {
                    2
                } else {
                    1
                }
                .into(),
            );
            alpha >= &zero && alpha + beta >= zero && (alpha + beta) * b0 + kappa >= zero
        }
    }
}

/// The matrix-valued factors of a product and whether every scalar factor is ≥ 0 (divisors
/// included: where the product is defined a non-negative divisor is positive).
fn split_product<'a>(fs: &'a [super::ast::Factor], asm: &Assumptions) -> (Vec<&'a Expr>, bool) {
    let mut mats = Vec::new();
    let mut scalars_ok = true;
    for f in fs {
        if f.expr.shape.is_scalar() {
            scalars_ok &= nonneg(&f.expr, asm);
        } else {
            mats.push(&f.expr);
        }
    }
    (mats, scalars_ok)
}

/// Whether `M₁⋯M_k` is manifestly PSD (or ≥ 0 for a scalar result): palindromic in transpose
/// pairs, with a PSD middle factor when `k` is odd.
fn palindrome(mats: &[&Expr], asm: &Assumptions) -> bool {
    let k = mats.len();
    if k == 0 {
        return true;
    }
    for i in 0..k / 2 {
        if !transpose_pair(mats[i], mats[k - 1 - i], asm) {
            return false;
        }
    }
    k % 2 == 0 || psd(mats[k / 2], asm)
}

/// Whether the scalar (or, in `d = 1`, any) value of `e` is manifestly `≥ 0`.
#[must_use]
pub(crate) fn nonneg(e: &Expr, asm: &Assumptions) -> bool {
    if !e.shape.is_scalar() {
        return psd(e, asm);
    }
    match &e.kind {
        ExprKind::Num(q) => !q.is_negative(),
        ExprKind::Sym(_) => true,
        ExprKind::Family(Family::A, _) => false,
        ExprKind::Family(..) => false,
        ExprKind::Neg(x) => matches!(&x.kind, ExprKind::Num(q) if q.is_zero()),
        ExprKind::Add(ts) => {
            ts.iter().all(|(s, t)| *s == Sign::Plus && nonneg(t, asm))
                || linear_nb(e).is_some_and(|l| linear_nonneg(&l, asm))
        }
        ExprKind::Mul(fs) => {
            let (mats, ok) = split_product(fs, asm);
            if ok && palindrome(&mats, asm) {
                return true;
            }
            // A product of scalars that pairs up: s·s.
            let scalars: Vec<&Expr> = fs.iter().map(|f| &f.expr).collect();
            fs.iter().all(|f| f.op == MulOp::Times) && mats.is_empty() && {
                let mut rest = scalars.clone();
                let mut ok = true;
                while let Some(a) = rest.pop() {
                    if nonneg(a, asm) {
                        continue;
                    }
                    match rest.iter().position(|b| same(a, b)) {
                        Some(j) => {
                            rest.remove(j);
                        }
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                ok
            }
        }
        ExprKind::Pow(x, k) => k % 2 == 0 || nonneg(x, asm),
        ExprKind::Transpose(x) => nonneg(x, asm),
        ExprKind::Call(f, args) => match f {
            Func::Trace => psd(&args[0], asm) || trace_of_psd_pair(&args[0], asm),
            Func::LambdaMax | Func::LambdaMin => psd(&args[0], asm),
            Func::Rho | Func::Norm | Func::Abs | Func::Sqrt => true,
            Func::Kron => nonneg(&args[0], asm) && nonneg(&args[1], asm),
            Func::Diag | Func::Eigvals | Func::EigDiag => false,
        },
        ExprKind::Sum(_, b) | ExprKind::BatchMean(b) | ExprKind::SampleMean(_, b) => nonneg(b, asm),
    }
}

/// `tr(P·Q) ≥ 0` for PSD `P`, `Q`.
fn trace_of_psd_pair(e: &Expr, asm: &Assumptions) -> bool {
    let ExprKind::Mul(fs) = &e.kind else {
        return false;
    };
    let (mats, ok) = split_product(fs, asm);
    ok && mats.len() == 2 && psd(mats[0], asm) && psd(mats[1], asm)
}

/// Whether `e` is manifestly symmetric (square, `e = eᵀ`).
#[must_use]
pub(crate) fn symmetric(e: &Expr, asm: &Assumptions) -> bool {
    if e.shape.is_scalar() {
        return true;
    }
    if !e.shape.is_square() {
        return false;
    }
    match &e.kind {
        ExprKind::Num(_) => true,
        ExprKind::Sym(s) => !matches!(s, Sym::X | Sym::W | Sym::Ones),
        ExprKind::Family(f, _) => *f == Family::H,
        ExprKind::Neg(x) | ExprKind::Transpose(x) | ExprKind::Pow(x, _) => symmetric(x, asm),
        ExprKind::Add(ts) => ts.iter().all(|(_, t)| symmetric(t, asm)),
        ExprKind::Mul(fs) => {
            let mats: Vec<&Expr> = fs
                .iter()
                .filter(|f| !f.expr.shape.is_scalar())
                .map(|f| &f.expr)
                .collect();
            let k = mats.len();
            (0..k / 2).all(|i| transpose_pair(mats[i], mats[k - 1 - i], asm))
                && (k % 2 == 0 || symmetric(mats[k / 2], asm))
        }
        ExprKind::Call(f, args) => match f {
            Func::Kron => symmetric(&args[0], asm) && symmetric(&args[1], asm),
            Func::Diag | Func::EigDiag => true,
            _ => false,
        },
        ExprKind::Sum(_, b) | ExprKind::BatchMean(b) | ExprKind::SampleMean(_, b) => {
            symmetric(b, asm)
        }
    }
}

/// Whether the square matrix `e` is manifestly positive semidefinite (in `d = 1`: `≥ 0`).
#[must_use]
pub(crate) fn psd(e: &Expr, asm: &Assumptions) -> bool {
    if e.shape.is_scalar() {
        return nonneg(e, asm);
    }
    if !e.shape.is_square() {
        return false;
    }
    match &e.kind {
        ExprKind::Num(q) => !q.is_negative(),
        ExprKind::Sym(s) => match s {
            Sym::I | Sym::A | Sym::Q | Sym::Sigma => true,
            Sym::H | Sym::HBatch => asm.psd(),
            _ => false,
        },
        ExprKind::Family(Family::H, _) => asm.psd(),
        ExprKind::Family(..) => false,
        ExprKind::Neg(_) => false,
        ExprKind::Add(ts) => ts.iter().all(|(s, t)| *s == Sign::Plus && psd(t, asm)),
        ExprKind::Mul(fs) => {
            let (mats, ok) = split_product(fs, asm);
            ok && palindrome(&mats, asm)
        }
        ExprKind::Pow(x, k) => *k == 0 || psd(x, asm) || (k % 2 == 0 && symmetric(x, asm)),
        ExprKind::Transpose(x) => psd(x, asm),
        ExprKind::Call(f, args) => match f {
            Func::Kron => {
                (psd(&args[0], asm) && psd(&args[1], asm))
                    || (asm.dim_one() && same(&args[0], &args[1]) && symmetric(&args[0], asm))
            }
            Func::Diag => nonneg_vector(&args[0], asm),
            Func::EigDiag => nonneg_vector(&args[1], asm),
            _ => false,
        },
        ExprKind::Sum(_, b) | ExprKind::BatchMean(b) | ExprKind::SampleMean(_, b) => psd(b, asm),
    }
}

/// A vector with manifestly non-negative entries.
fn nonneg_vector(e: &Expr, asm: &Assumptions) -> bool {
    match &e.kind {
        ExprKind::Sym(Sym::W | Sym::Ones) => true,
        ExprKind::Call(Func::Eigvals, args) => psd(&args[0], asm),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::ast::Claim;
    use crate::proof::parser::parse_claim;

    fn lhs(text: &str) -> Expr {
        let Claim::Rel(r) = parse_claim(text, 1, 0).unwrap() else {
            panic!()
        };
        r.lhs
    }

    #[test]
    fn the_matrix_of_theorem_33_is_manifestly_psd() {
        let a = Assumptions::default();
        let m = lhs("(I - gamma*H)^2 + gamma^2*(N-B)/(B*(N-1))*Sigma >=_L 0");
        assert!(psd(&m, &a));
        let not = lhs("(I - gamma*H)^2 - gamma^2*Sigma >=_L 0");
        assert!(!psd(&not, &a));
        let not = lhs("(I - gamma*H)^2 + gamma^2*(B-N)*Sigma >=_L 0");
        assert!(!psd(&not, &a));
    }

    #[test]
    fn congruences_and_forms() {
        let a = Assumptions::default();
        assert!(nonneg(&lhs("x'*A*x >= 0"), &a));
        assert!(!nonneg(&lhs("x'*A*w >= 0"), &a));
        assert!(psd(&lhs("(I - gamma*H_i)*Q*(I - gamma*H_i) >=_L 0"), &a));
        assert!(!psd(&lhs("H*Q*H_i >=_L 0"), &a));
        let sym = Assumptions {
            hessians: crate::proof::ast::HessianClass::Symmetric,
            ..Assumptions::default()
        };
        assert!(!psd(&lhs("H >=_L 0"), &sym));
        assert!(psd(&lhs("H^2 >=_L 0"), &sym));
    }
}
