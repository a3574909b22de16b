//! The parser and shape checker of claims: tokens into an [`Expr`] tree, every node with its
//! shape, every error with its column.
//!
//! Recursive descent with an explicit depth bound ([`MAX_NESTING`]); sums and products are
//! n-ary lists, `(e^a)^b` is merged into `e^(ab)` and double transposes cancel, so the tree's
//! depth is at most the nesting depth of the text. Indices are lexically scoped: a sum may not
//! rebind an index that an enclosing sum or mean binds, and an index may not be both free and
//! bound in one claim.

use super::ast::{
    Claim, Expr, ExprKind, Factor, Family, Func, MulOp, PairRule, ParseError, RelOp, Relation,
    Shape, Sign, SumDomain, SumSpec, Sym,
};
use super::lexer::{lex, Tok, Token};
use super::limits::{MAX_DEGREE, MAX_EXCLUDING_SUMS, MAX_EXPONENT, MAX_KRON_POWER, MAX_NESTING};
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

mod scope;
mod shape;

pub use scope::is_index_name;
use scope::{check_scoping, parse_sum_spec, rename_index};
use shape::{call_shape, product_shape, zero_like};

type PResult<T> = Result<T, ParseError>;

/// Parse a claim (the text after `step LABEL:`) that starts at column `offset + 1` of `line`.
///
/// # Errors
/// A [`ParseError`] at the offending column: syntax, shapes (`dimension mismatch: …`), index
/// scoping, or a limit of [`super::limits`].
pub fn parse_claim(text: &str, line: usize, offset: usize) -> Result<Claim, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let toks = lex(&chars, offset, line)?;
    if toks.is_empty() {
        return Err(ParseError {
            line,
            col: offset + 1,
            message: "empty claim".into(),
        });
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        line,
        end_col: offset + chars.len() + 1,
        bound: Vec::new(),
        in_batch_mean: false,
        depth: 0,
        exclusions: 0,
    };
    let claim = p.claim()?;
    check_scoping(&claim, line)?;
    for side in claim.sides() {
        if degree(side).map_or(true, |d| d > MAX_DEGREE) {
            return Err(ParseError {
                line,
                col: side.col,
                message: format!(
                    "degree too high: this side's total degree exceeds {MAX_DEGREE} (limit)"
                ),
            });
        }
    }
    Ok(claim)
}

/// The total degree of `e` in every letter and scalar symbol, with checked arithmetic; `None`
/// on overflow.
#[must_use]
pub fn degree(e: &Expr) -> Option<u32> {
    Some(match &e.kind {
        ExprKind::Num(_) | ExprKind::Sym(Sym::I) => 0,
        ExprKind::Sym(Sym::Sigma) => 2,
        ExprKind::Sym(_) | ExprKind::Family(..) => 1,
        ExprKind::Neg(a)
        | ExprKind::Transpose(a)
        | ExprKind::Sum(_, a)
        | ExprKind::BatchMean(a)
        | ExprKind::SampleMean(_, a) => degree(a)?,
        ExprKind::Add(ts) => ts
            .iter()
            .map(|(_, t)| degree(t))
            .try_fold(0, |m, d| Some(m.max(d?)))?,
        ExprKind::Mul(fs) => fs
            .iter()
            .map(|f| degree(&f.expr))
            .try_fold(0u32, |s, d| s.checked_add(d?))?,
        ExprKind::Call(_, args) => args
            .iter()
            .map(degree)
            .try_fold(0u32, |s, d| s.checked_add(d?))?,
        ExprKind::Pow(a, k) => degree(a)?.checked_mul(*k)?,
    })
}

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    line: usize,
    end_col: usize,
    /// The indices bound around the current position: name, column of the binder, and
    /// whether it ranges over the samples or the batch members.
    bound: Vec<(String, usize, SumDomain)>,
    in_batch_mean: bool,
    depth: usize,
    /// `sum_{j!=i}` rewrites with an outer `i` so far (each copies its body once).
    exclusions: usize,
}

impl Parser<'_> {
    fn err<T>(&self, col: usize, message: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            line: self.line,
            col,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.col)
    }

    fn eat_op(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Op(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// One more level of nesting, or an error at `col`.
    fn enter(&mut self, col: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(
                col,
                format!("nesting deeper than {MAX_NESTING} levels (limit)"),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expect_close(&mut self, close: char, open_col: usize) -> PResult<()> {
        if self.eat_op(close) {
            return Ok(());
        }
        let open = if close == ')' { '(' } else { '[' };
        self.err(
            open_col,
            format!(
                "unbalanced `{open}`: expected `{close}` before column {}",
                self.col()
            ),
        )
    }

    fn claim(&mut self) -> PResult<Claim> {
        let first = self.relation()?;
        let claim = match self.peek() {
            Some(Tok::Ident(w, None)) if w == "implies" => {
                self.pos += 1;
                Claim::Implies(first, self.relation()?)
            }
            Some(Tok::Ident(w, None)) if w == "iff" => {
                self.pos += 1;
                Claim::Iff(first, self.relation()?)
            }
            _ => Claim::Rel(first),
        };
        if self.pos < self.toks.len() {
            let c = self.col();
            return match self.peek() {
                Some(Tok::Op(')' | ']')) => self.err(c, "unbalanced bracket: nothing to close"),
                _ => self.err(c, "unexpected text after the claim"),
            };
        }
        Ok(claim)
    }

    fn relation(&mut self) -> PResult<Relation> {
        let lhs = self.expr()?;
        let col = self.col();
        let Some(Tok::Rel(op)) = self.peek().cloned() else {
            return match self.peek() {
                Some(Tok::Op(')' | ']')) => self.err(col, "unbalanced bracket: nothing to close"),
                _ => self.err(col, "expected a relation (=, <=, >=, <, >, <=_L, >=_L)"),
            };
        };
        self.pos += 1;
        let rhs = self.expr()?;
        match op {
            RelOp::Eq if lhs.shape != rhs.shape => self.err(
                col,
                format!(
                    "dimension mismatch: `=` between {} and {}",
                    lhs.shape, rhs.shape
                ),
            ),
            RelOp::Le | RelOp::Ge | RelOp::Lt | RelOp::Gt
                if !(lhs.shape.is_scalar() && rhs.shape.is_scalar()) =>
            {
                self.err(
                    col,
                    format!(
                        "dimension mismatch: `{}` compares scalars, got {} and {} (use <=_L for the Loewner order)",
                        op.symbol(),
                        lhs.shape,
                        rhs.shape
                    ),
                )
            }
            RelOp::LoewnerLe | RelOp::LoewnerGe
                if lhs.shape != rhs.shape || !lhs.shape.is_square() || lhs.shape.is_scalar() =>
            {
                // `X ⪰ 0` compares with the zero matrix.
                if rhs.shape.is_scalar()
                    && lhs.shape.is_square()
                    && !lhs.shape.is_scalar()
                    && matches!(&rhs.kind, ExprKind::Num(q) if q.is_zero())
                {
                    let rhs = zero_like(&lhs, rhs.col);
                    return Ok(Relation { lhs, op, rhs });
                }
                self.err(
                    col,
                    format!(
                        "dimension mismatch: the Loewner order compares square matrices of one size, got {} and {}",
                        lhs.shape, rhs.shape
                    ),
                )
            }
            _ => Ok(Relation { lhs, op, rhs }),
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        let first = self.term()?;
        let start = first.col;
        let shape = first.shape;
        let mut terms = vec![(Sign::Plus, first)];
        loop {
            let col = self.col();
            let sign = if self.eat_op('+') {
                Sign::Plus
            } else if self.eat_op('-') {
                Sign::Minus
            } else {
                break;
            };
            let rhs = self.term()?;
            if rhs.shape != shape {
                return self.err(
                    col,
                    format!(
                        "dimension mismatch: cannot {} {} and {}",
                        if sign == Sign::Minus {
                            "subtract"
                        } else {
                            "add"
                        },
                        shape,
                        rhs.shape
                    ),
                );
            }
            terms.push((sign, rhs));
        }
        if terms.len() == 1 {
            return Ok(terms.pop().expect("one term").1);
        }
        Ok(Expr {
            kind: ExprKind::Add(terms),
            col: start,
            shape,
        })
    }

    fn term(&mut self) -> PResult<Expr> {
        let first = self.unary()?;
        let start = first.col;
        let mut shape = first.shape;
        let mut factors = vec![Factor {
            op: MulOp::Times,
            expr: first,
        }];
        loop {
            let col = self.col();
            let op = if self.eat_op('*') {
                MulOp::Times
            } else if self.eat_op('/') {
                MulOp::Divide
            } else {
                break;
            };
            let rhs = self.unary()?;
            match op {
                MulOp::Divide => {
                    if !rhs.shape.is_scalar() {
                        return self.err(
                            col,
                            format!("dimension mismatch: cannot divide by {}", rhs.shape),
                        );
                    }
                }
                MulOp::Times => {
                    shape = product_shape(shape, rhs.shape).ok_or_else(|| ParseError {
                        line: self.line,
                        col,
                        message: format!(
                            "dimension mismatch: cannot multiply {} by {}",
                            shape, rhs.shape
                        ),
                    })?;
                }
            }
            factors.push(Factor { op, expr: rhs });
        }
        if factors.len() == 1 {
            return Ok(factors.pop().expect("one factor").expr);
        }
        Ok(Expr {
            kind: ExprKind::Mul(factors),
            col: start,
            shape,
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        let col = self.col();
        if self.eat_op('-') {
            self.enter(col)?;
            let e = self.unary();
            self.leave();
            let e = e?;
            let shape = e.shape;
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(e)),
                col,
                shape,
            });
        }
        if let Some(Tok::Ident(name, sub)) = self.peek().cloned() {
            if name == "sum" {
                self.pos += 1;
                self.enter(col)?;
                let s = self.sum(col, sub.as_deref());
                self.leave();
                return s;
            }
        }
        self.power()
    }

    /// Bind `vars` (at `col`) for the duration of `f`.
    fn with_bound<T>(
        &mut self,
        vars: &[String],
        col: usize,
        domain: SumDomain,
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> PResult<T> {
        for v in vars {
            if let Some((_, at, _)) = self.bound.iter().find(|(b, _, _)| b == v) {
                return self.err(
                    col,
                    format!(
                        "index `{v}` is already bound by the sum or mean at column {at}; a sum inside it cannot bind it again (write a pair of indices as one sum, e.g. `sum_{{i!=j}} H_i*H_j`)"
                    ),
                );
            }
        }
        let n = self.bound.len();
        self.bound
            .extend(vars.iter().map(|v| (v.clone(), col, domain)));
        let r = f(self);
        self.bound.truncate(n);
        r
    }

    fn sum(&mut self, col: usize, sub: Option<&str>) -> PResult<Expr> {
        let Some(sub) = sub else {
            return self.err(col, "`sum` needs an index: sum_i, sum_{i!=j}, sum_{i in B}");
        };
        let spec = parse_sum_spec(sub).map_err(|m| ParseError {
            line: self.line,
            col,
            message: m,
        })?;
        if spec.domain == SumDomain::Batch && !self.in_batch_mean {
            return self.err(col, "a sum over `i in B` is only defined inside E_B[…]");
        }
        if let Some(e) = self.sum_excluding_outer(col, &spec)? {
            return Ok(e);
        }
        let vars = spec.vars.clone();
        let body = self.with_bound(&vars, col, spec.domain, Self::term)?;
        let shape = body.shape;
        Ok(Expr {
            kind: ExprKind::Sum(spec, Box::new(body)),
            col,
            shape,
        })
    }

    /// `sum_{j!=i} f(j)` where `i` is already bound by an enclosing sum or mean: the sum over
    /// `j` alone, without the term `j = i`, read as `sum_j f(j) − f(i)` (exact: `i` is one of the
    /// values `j` ranges over). Over the batch (`sum_{j!=i in B}`) `i` must be a batch position
    /// itself, bound by an enclosing `sum_{i in B}`; positions are distinct, so the same
    /// rewrite holds. `None` when the spec binds no outer index.
    fn sum_excluding_outer(&mut self, col: usize, spec: &SumSpec) -> PResult<Option<Expr>> {
        if spec.rule != PairRule::Distinct || spec.vars.len() != 2 {
            return Ok(None);
        }
        let outer_of = |p: &Self, v: &str| p.bound.iter().find(|(b, _, _)| b == v).cloned();
        let (inner, (outer, _, outer_domain)) =
            match (outer_of(self, &spec.vars[0]), outer_of(self, &spec.vars[1])) {
                (None, Some(o)) => (spec.vars[0].clone(), o),
                (Some(o), None) => (spec.vars[1].clone(), o),
                _ => return Ok(None),
            };
        if spec.domain == SumDomain::Batch && outer_domain != SumDomain::Batch {
            return self.err(
                col,
                format!(
                    "`{outer}` ranges over the samples, `{inner}` over the batch members: `sum_{{{inner}!={outer} in B}}` is not defined (a sample may be in the batch any number of times)"
                ),
            );
        }
        self.exclusions += 1;
        if self.exclusions > MAX_EXCLUDING_SUMS {
            return self.err(
                col,
                format!("more than {MAX_EXCLUDING_SUMS} sums `sum_{{j!=i}}` over an outer index in one claim (limit)"),
            );
        }
        let body = self.with_bound(std::slice::from_ref(&inner), col, spec.domain, Self::term)?;
        let shape = body.shape;
        let mut diagonal = body.clone();
        rename_index(&mut diagonal, &inner, &outer);
        let all = Expr {
            kind: ExprKind::Sum(
                SumSpec {
                    vars: vec![inner],
                    rule: PairRule::All,
                    domain: spec.domain,
                },
                Box::new(body),
            ),
            col,
            shape,
        };
        Ok(Some(Expr {
            kind: ExprKind::Add(vec![(Sign::Plus, all), (Sign::Minus, diagonal)]),
            col,
            shape,
        }))
    }

    fn power(&mut self) -> PResult<Expr> {
        let mut e = self.postfix()?;
        while self.peek() == Some(&Tok::Op('^')) {
            let col = self.col();
            self.pos += 1;
            let k = match self.peek().cloned() {
                Some(Tok::Num(q)) if q.is_integer() => {
                    self.pos += 1;
                    Some(q.to_integer())
                }
                _ => None,
            };
            let Some(k) = k else {
                return self.err(col, "a power must be a non-negative integer literal");
            };
            let Some(k) = k.to_u32().filter(|&k| k <= MAX_EXPONENT) else {
                return self.err(col, format!("exponent {k} exceeds {MAX_EXPONENT} (limit)"));
            };
            if !e.shape.is_square() {
                return self.err(
                    col,
                    format!("dimension mismatch: cannot raise {} to a power", e.shape),
                );
            }
            let start = e.col;
            let shape = e.shape;
            // (x^a)^b = x^(ab): one node, and one exponent to bound.
            let (base, k) = match e.kind {
                ExprKind::Pow(base, a) => match a.checked_mul(k).filter(|&m| m <= MAX_EXPONENT) {
                    Some(m) => (base, m),
                    None => {
                        return self.err(
                            col,
                            format!(
                            "exponent {a}·{k} of a repeated power exceeds {MAX_EXPONENT} (limit)"
                        ),
                        )
                    }
                },
                other => (
                    Box::new(Expr {
                        kind: other,
                        col: start,
                        shape,
                    }),
                    k,
                ),
            };
            e = Expr {
                kind: ExprKind::Pow(base, k),
                col: start,
                shape,
            };
            e = self.transposes(e);
        }
        Ok(e)
    }

    /// Postfix transposes; `e''` is `e`.
    fn transposes(&mut self, mut e: Expr) -> Expr {
        while self.eat_op('\'') {
            e = match e.kind {
                ExprKind::Transpose(inner) => *inner,
                kind => {
                    let col = e.col;
                    let shape = e.shape.transposed();
                    Expr {
                        kind: ExprKind::Transpose(Box::new(Expr {
                            kind,
                            col,
                            shape: e.shape,
                        })),
                        col,
                        shape,
                    }
                }
            };
        }
        e
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.atom()?;
        Ok(self.transposes(e))
    }

    fn atom(&mut self) -> PResult<Expr> {
        let col = self.col();
        let Some(tok) = self.peek().cloned() else {
            return self.err(col, "expected an expression, found the end of the claim");
        };
        self.pos += 1;
        match tok {
            Tok::Num(q) => Ok(Expr {
                kind: ExprKind::Num(q),
                col,
                shape: Shape::SCALAR,
            }),
            Tok::Op('(') => {
                self.enter(col)?;
                let e = self.expr();
                self.leave();
                let e = e?;
                self.expect_close(')', col)?;
                Ok(Expr { col, ..e })
            }
            Tok::Op(c) => self.err(col, format!("expected an expression, found `{c}`")),
            Tok::Rel(op) => self.err(
                col,
                format!("expected an expression, found `{}`", op.symbol()),
            ),
            Tok::Ident(name, sub) => {
                self.enter(col)?;
                let e = self.ident(col, &name, sub.as_deref());
                self.leave();
                e
            }
        }
    }

    fn expectation(&mut self, col: usize, sub: Option<&str>) -> PResult<Expr> {
        let open = self.col();
        if !self.eat_op('[') {
            return self.err(open, "expected `[` after E_…");
        }
        let kind = match sub {
            Some("B") => {
                if self.in_batch_mean {
                    return self.err(col, "E_B[…] inside E_B[…] is not supported");
                }
                self.in_batch_mean = true;
                let body = self.expr();
                self.in_batch_mean = false;
                ExprKind::BatchMean(Box::new(body?))
            }
            Some(v) if is_index_name(v) => {
                let vars = [v.to_owned()];
                let body = self.with_bound(&vars, col, SumDomain::Samples, Self::expr)?;
                ExprKind::SampleMean(v.to_owned(), Box::new(body))
            }
            _ => {
                return self.err(
                    col,
                    "expectation must be E_B[…] (over a batch) or E_i[…] (over a sample)",
                )
            }
        };
        self.expect_close(']', open)?;
        let shape = match &kind {
            ExprKind::BatchMean(b) | ExprKind::SampleMean(_, b) => b.shape,
            _ => unreachable!("an expectation"),
        };
        Ok(Expr { kind, col, shape })
    }

    fn ident(&mut self, col: usize, name: &str, sub: Option<&str>) -> PResult<Expr> {
        if let Some(f) = Func::lookup(name).filter(|_| sub.is_none()) {
            return self.call(col, f, name);
        }
        if name == "E" {
            return self.expectation(col, sub);
        }
        let sym = match (name, sub) {
            ("gamma", None) => Some(Sym::Gamma),
            ("N", None) => Some(Sym::N),
            ("B", None) => Some(Sym::B),
            ("c", None) => Some(Sym::C),
            ("d", None) => Some(Sym::D),
            ("H", None) => Some(Sym::H),
            ("Sigma", None) => Some(Sym::Sigma),
            ("I", None) => Some(Sym::I),
            ("A", None) => Some(Sym::A),
            ("Q", None) => Some(Sym::Q),
            ("H", Some("B")) => Some(Sym::HBatch),
            ("x", None) => Some(Sym::X),
            ("w", None) => Some(Sym::W),
            ("ones", None) => Some(Sym::Ones),
            _ => None,
        };
        if let Some(sym) = sym {
            if sym == Sym::HBatch && !self.in_batch_mean {
                return self.err(col, "H_B (the batch mean) is only defined inside E_B[…]");
            }
            return Ok(Expr {
                kind: ExprKind::Sym(sym),
                col,
                shape: sym.shape(),
            });
        }
        let fam = match name {
            "H" => Some(Family::H),
            "g" => Some(Family::G),
            "a" => Some(Family::A),
            "w" => Some(Family::W),
            _ => None,
        };
        match (fam, sub) {
            (Some(fam), Some(v)) if is_index_name(v) => Ok(Expr {
                kind: ExprKind::Family(fam, v.to_owned()),
                col,
                shape: fam.shape(),
            }),
            (Some(_), Some(v)) => self.err(
                col,
                format!(
                    "unknown index `{v}` in `{name}_{v}`: indices are single lowercase letters"
                ),
            ),
            _ => {
                let full = sub.map_or_else(|| name.to_owned(), |s| format!("{name}_{s}"));
                self.err(col, format!("unknown symbol `{full}`"))
            }
        }
    }

    fn call(&mut self, col: usize, f: Func, name: &str) -> PResult<Expr> {
        let open = self.col();
        if !self.eat_op('(') {
            return self.err(open, format!("expected `(` after `{name}`"));
        }
        let mut args = vec![self.expr()?];
        while self.eat_op(',') {
            if args.len() >= 2 {
                return self.err(self.col(), format!("too many arguments to `{name}`"));
            }
            args.push(self.expr()?);
        }
        self.expect_close(')', open)?;
        if args.len() != f.arity() {
            return self.err(
                col,
                format!(
                    "`{name}` takes {} argument(s), got {}",
                    f.arity(),
                    args.len()
                ),
            );
        }
        let shape = call_shape(f, &args).map_err(|what| ParseError {
            line: self.line,
            col,
            message: format!("dimension mismatch: `{name}` {what}"),
        })?;
        Ok(Expr {
            kind: ExprKind::Call(f, args),
            col,
            shape,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParseError {
        parse_claim(text, 1, 0).unwrap_err()
    }

    #[test]
    fn an_inner_sum_cannot_rebind_an_index() {
        let e = err("sum_i H_i*sum_{i,j} H_j = N^2*H^2");
        assert!(e.message.contains("already bound"), "{e}");
        assert_eq!(e.col, 11);
        let e = err("sum_i E_i[H_i] = H");
        assert!(e.message.contains("already bound"), "{e}");
        let e = err("sum_i H_i*sum_{i<j} H_j = N^2*H^2");
        assert!(e.message.contains("already bound"), "{e}");
    }

    #[test]
    fn an_inner_sum_excluding_an_outer_index_is_the_sum_minus_that_term() {
        let c = parse_claim("sum_i H_i*sum_{j!=i} H_j = H", 1, 0).unwrap();
        let lhs = &c.sides()[0];
        let ExprKind::Sum(spec, body) = &lhs.kind else {
            panic!("{lhs:?}")
        };
        assert_eq!(spec.vars, ["i"]);
        let ExprKind::Mul(fs) = &body.kind else {
            panic!("{body:?}")
        };
        let ExprKind::Add(ts) = &fs[1].expr.kind else {
            panic!("{:?}", fs[1])
        };
        assert!(
            matches!(&ts[0].1.kind, ExprKind::Sum(s, _) if s.vars == ["j"] && s.rule == PairRule::All)
        );
        assert_eq!(ts[1].0, Sign::Minus);
        assert!(matches!(&ts[1].1.kind, ExprKind::Family(_, v) if v == "i"));
        // Over the batch the outer index must be a batch position too.
        let e = parse_claim("E_B[sum_i H_i*sum_{j!=i in B} H_j] = H", 1, 0).unwrap_err();
        assert!(e.message.contains("not defined"), "{e}");
        assert!(parse_claim("E_B[sum_{i in B} H_i*sum_{j!=i in B} H_j] = H", 1, 0).is_ok());
        let deep = "sum_a H_a*sum_{b!=a} H_b*sum_{c!=b} H_c*sum_{e!=c} H_e*sum_{f!=e} H_f*sum_{g!=f} H_g*sum_{h!=g} H_h*sum_{k!=h} H_k = H";
        let e = parse_claim(deep, 1, 0).unwrap_err();
        assert!(e.message.contains("(limit)"), "{e}");
    }

    #[test]
    fn an_index_cannot_be_free_and_bound() {
        let e = err("H_i*sum_i H_i = H");
        assert!(e.message.contains("also used free"), "{e}");
    }

    #[test]
    fn deep_nesting_and_big_exponents_are_refused() {
        let deep = format!("{}H{} = H", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).message.contains("nesting"));
        let long = format!("{}H{} = H", "(".repeat(5000), ")".repeat(5000));
        assert!(err(&long).message.contains("limit"));
        assert!(err("H^100000 = H").message.contains("exponent"));
        assert!(err("((H^64)^64)^64 = H").message.contains("exponent"));
        let minus = format!("{}H = H", "-".repeat(500));
        assert!(err(&minus).message.contains("nesting"));
    }

    #[test]
    fn long_sums_are_flat() {
        let text = format!("{} = 20*H", vec!["H"; 20].join(" + "));
        let c = parse_claim(&text, 1, 0).unwrap();
        let Claim::Rel(r) = c else { panic!() };
        assert!(matches!(&r.lhs.kind, ExprKind::Add(ts) if ts.len() == 20));
    }

    #[test]
    fn transposes_cancel_and_powers_merge() {
        let Claim::Rel(r) = parse_claim("(H^2)^3'' = H", 1, 0).unwrap() else {
            panic!()
        };
        assert!(
            matches!(r.lhs.kind, ExprKind::Pow(_, 6)),
            "{:?}",
            r.lhs.kind
        );
    }
}
