//! Printing claims back as proof-file text (parenthesized so that the text parses to the same
//! tree up to the grouping of literals).

use super::ast::{Claim, Expr, ExprKind, MulOp, PairRule, Relation, Sign, SumDomain, SumSpec};
use num_rational::BigRational;
use std::fmt::{self, Write as _};

/// A rational as `3`, `-3` or `3/4`.
#[must_use]
pub fn rational(q: &BigRational) -> String {
    if q.is_integer() {
        q.numer().to_string()
    } else {
        format!("{}/{}", q.numer(), q.denom())
    }
}

fn spec_text(s: &SumSpec) -> String {
    let idx = match (s.vars.as_slice(), s.rule) {
        ([v], _) => v.clone(),
        ([a, b], PairRule::All) => format!("{a},{b}"),
        ([a, b], PairRule::Distinct) => format!("{a}!={b}"),
        ([a, b], PairRule::Ordered) => format!("{a}<{b}"),
        _ => s.vars.join(","),
    };
    match (s.domain, s.vars.len()) {
        (SumDomain::Samples, 1) => format!("sum_{idx}"),
        (SumDomain::Samples, _) => format!("sum_{{{idx}}}"),
        (SumDomain::Batch, _) => format!("sum_{{{idx} in B}}"),
    }
}

/// Whether `e` prints as one token-like unit (no parentheses needed around it).
fn atomic(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Num(q) => q.is_integer() && q >= &BigRational::from_integer(0.into()),
        ExprKind::Sym(_)
        | ExprKind::Family(..)
        | ExprKind::Call(..)
        | ExprKind::BatchMean(_)
        | ExprKind::SampleMean(..) => true,
        _ => false,
    }
}

fn wrapped(out: &mut String, e: &Expr, paren: bool) {
    if paren {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_expr(out, e);
    }
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Num(q) => out.push_str(&rational(q)),
        ExprKind::Sym(s) => out.push_str(s.name()),
        ExprKind::Family(f, v) => {
            let _ = write!(out, "{}_{v}", f.letter());
        }
        ExprKind::Neg(a) => {
            out.push('-');
            wrapped(out, a, !atomic(a));
        }
        ExprKind::Add(ts) => {
            for (k, (sign, t)) in ts.iter().enumerate() {
                match (k, sign) {
                    (0, _) => {}
                    (_, Sign::Plus) => out.push_str(" + "),
                    (_, Sign::Minus) => out.push_str(" - "),
                }
                // A term is a product: only a sum inside needs parentheses, and a negation
                // after a sign.
                let paren = matches!(t.kind, ExprKind::Add(_))
                    || (k > 0 && matches!(t.kind, ExprKind::Neg(_)));
                wrapped(out, t, paren);
            }
        }
        ExprKind::Mul(fs) => {
            for (k, f) in fs.iter().enumerate() {
                if k > 0 {
                    out.push(if f.op == MulOp::Divide { '/' } else { '*' });
                }
                let paren = match &f.expr.kind {
                    ExprKind::Add(_) | ExprKind::Sum(..) | ExprKind::Neg(_) => true,
                    ExprKind::Mul(_) => true,
                    ExprKind::Num(q) => !q.is_integer(),
                    _ => false,
                };
                wrapped(out, &f.expr, paren);
            }
        }
        ExprKind::Pow(a, k) => {
            wrapped(out, a, !atomic(a));
            let _ = write!(out, "^{k}");
        }
        ExprKind::Transpose(a) => {
            wrapped(out, a, !atomic(a));
            out.push('\'');
        }
        ExprKind::Call(f, args) => {
            out.push_str(f.name());
            out.push('(');
            for (k, a) in args.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a);
            }
            out.push(')');
        }
        ExprKind::Sum(spec, body) => {
            out.push_str(&spec_text(spec));
            out.push(' ');
            wrapped(
                out,
                body,
                matches!(body.kind, ExprKind::Add(_) | ExprKind::Neg(_)),
            );
        }
        ExprKind::BatchMean(b) => {
            out.push_str("E_B[");
            write_expr(out, b);
            out.push(']');
        }
        ExprKind::SampleMean(v, b) => {
            let _ = write!(out, "E_{v}[");
            write_expr(out, b);
            out.push(']');
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_expr(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.lhs, self.op.source(), self.rhs)
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rel(r) => write!(f, "{r}"),
            Self::Implies(p, q) => write!(f, "{p} implies {q}"),
            Self::Iff(p, q) => write!(f, "{p} iff {q}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::proof::parser::parse_claim;

    #[test]
    fn printing_round_trips() {
        for text in [
            "E_B[(sum_{i in B} H_i)^2] = B/N*sum_i H_i^2 + B*(B-1)/(N*(N-1))*sum_{i!=j} H_i*H_j",
            "x'*(I - 2*gamma*H)*x = -x'*x + 2*(x'*x)",
            "rho(kron(I - gamma*H, I - gamma*H)) <= 1 iff norm(H) <= 2/gamma",
            "2*(sum_i H_i)*A = A*(sum_i H_i)' - (-A)",
            "(H*A)' = A*H",
        ] {
            let c = parse_claim(text, 1, 0).unwrap();
            let printed = c.to_string();
            let again = parse_claim(&printed, 1, 0).unwrap();
            assert_eq!(again.to_string(), printed, "{text}");
        }
    }
}
