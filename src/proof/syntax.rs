//! The derivation language: lexer, parser and shape checker for `proofs/*.lecture` files.
//!
//! Every error carries the line and column (1-based, in characters) where it was found.

use crate::instance::Sampling;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use std::fmt;

/// A parse or shape error at `line:col`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

type PResult<T> = Result<T, ParseError>;

/// The shape of a value as powers of `d`: a scalar is `(0, 0)`, a vector `(1, 0)`, a row
/// vector `(0, 1)`, a `d×d` matrix `(1, 1)`, a Kronecker product of two `(2, 2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Rows are `d^rows`.
    pub rows: u8,
    /// Columns are `d^cols`.
    pub cols: u8,
}

impl Shape {
    /// A scalar.
    pub const SCALAR: Shape = Shape { rows: 0, cols: 0 };
    /// A `d×d` matrix.
    pub const MATRIX: Shape = Shape { rows: 1, cols: 1 };
    /// A column vector of length `d`.
    pub const VECTOR: Shape = Shape { rows: 1, cols: 0 };

    /// Whether this is a scalar.
    #[must_use]
    pub fn is_scalar(self) -> bool {
        self == Self::SCALAR
    }

    /// Whether this is square.
    #[must_use]
    pub fn is_square(self) -> bool {
        self.rows == self.cols
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |k: u8| match k {
            0 => "1".to_owned(),
            1 => "d".to_owned(),
            k => format!("d^{k}"),
        };
        match (self.rows, self.cols) {
            (0, 0) => f.write_str("a scalar"),
            (1, 0) => f.write_str("a vector (d×1)"),
            (0, 1) => f.write_str("a row vector (1×d)"),
            (1, 1) => f.write_str("a d×d matrix"),
            (r, c) => write!(f, "a {}×{} matrix", side(r), side(c)),
        }
    }
}

/// A named object of the lecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sym {
    /// `γ`, the learning rate.
    Gamma,
    /// `N`, the number of samples.
    N,
    /// `B`, the batch size.
    B,
    /// `c`, the batch factor: `(N − B)/(B(N − 1))` without replacement, `1/B` with.
    C,
    /// `d`, the dimension.
    D,
    /// `H = (1/N) Σ_i H_i`.
    H,
    /// `Σ = (1/N) Σ_i H_i² − H²`.
    Sigma,
    /// The identity.
    I,
    /// A free symmetric PSD test matrix (universally quantified).
    A,
    /// A second free symmetric PSD test matrix (a covariance `Q_k`).
    Q,
    /// `H_B = (1/B) Σ_{i ∈ B} H_i`, only inside `E_B[…]`.
    HBatch,
    /// A free vector (universally quantified).
    X,
    /// A free vector with non-negative entries (universally quantified).
    W,
    /// The all-ones vector.
    Ones,
}

impl Sym {
    fn shape(self) -> Shape {
        match self {
            Self::Gamma | Self::N | Self::B | Self::C | Self::D => Shape::SCALAR,
            Self::H | Self::Sigma | Self::I | Self::A | Self::Q | Self::HBatch => Shape::MATRIX,
            Self::X | Self::W | Self::Ones => Shape::VECTOR,
        }
    }

    /// The name in proof files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Gamma => "gamma",
            Self::N => "N",
            Self::B => "B",
            Self::C => "c",
            Self::D => "d",
            Self::H => "H",
            Self::Sigma => "Sigma",
            Self::I => "I",
            Self::A => "A",
            Self::Q => "Q",
            Self::HBatch => "H_B",
            Self::X => "x",
            Self::W => "w",
            Self::Ones => "ones",
        }
    }
}

/// A family indexed by the samples `i = 1..N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fam {
    /// `H_i`, symmetric (PSD unless `assume symmetric H_i`).
    H,
    /// `g_i`, a vector; `H_i = g_i g_iᵀ` under `assume rank_one H_i`.
    G,
    /// `a_i`, a scalar.
    A,
    /// `w_i`, a vector.
    W,
}

impl Fam {
    fn shape(self) -> Shape {
        match self {
            Self::H => Shape::MATRIX,
            Self::G | Self::W => Shape::VECTOR,
            Self::A => Shape::SCALAR,
        }
    }

    /// The letter in proof files.
    #[must_use]
    pub fn letter(self) -> &'static str {
        match self {
            Self::H => "H",
            Self::G => "g",
            Self::A => "a",
            Self::W => "w",
        }
    }
}

/// A function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `tr(M)`.
    Trace,
    /// `lambda_max(M)` of a symmetric matrix.
    LambdaMax,
    /// `lambda_min(M)` of a symmetric matrix.
    LambdaMin,
    /// `norm(v)` (Euclidean) or `norm(M)` = `norm2(M)` (spectral).
    Norm,
    /// `abs(s)`.
    Abs,
    /// `sqrt(s)`.
    Sqrt,
    /// `rho(M)`: spectral radius of a symmetric matrix, `max |λ|`.
    Rho,
    /// `kron(M, M')`.
    Kron,
    /// `diag(v)`: the diagonal matrix with `v` on the diagonal.
    Diag,
    /// `lambda(M)`: the eigenvalues of a symmetric matrix, ascending, as a vector.
    Eigvals,
    /// `eigdiag(M, v) = U diag(v) Uᵀ` where `M = U diag(lambda(M)) Uᵀ`.
    EigDiag,
}

impl Func {
    fn lookup(name: &str) -> Option<Self> {
        Some(match name {
            "tr" | "Tr" | "trace" => Self::Trace,
            "lambda_max" => Self::LambdaMax,
            "lambda_min" => Self::LambdaMin,
            "norm" | "norm2" => Self::Norm,
            "abs" => Self::Abs,
            "sqrt" => Self::Sqrt,
            "rho" => Self::Rho,
            "kron" => Self::Kron,
            "diag" => Self::Diag,
            "lambda" => Self::Eigvals,
            "eigdiag" => Self::EigDiag,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        match self {
            Self::Kron | Self::EigDiag => 2,
            _ => 1,
        }
    }
}

/// Which index pairs a two-index sum visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairRule {
    /// Every index tuple.
    All,
    /// `i ≠ j`.
    Distinct,
    /// `i < j`.
    Ordered,
}

/// A sum binder: `sum_i`, `sum_{i,j}`, `sum_{i!=j}`, `sum_{i<j}`, each optionally `in B`
/// (over the members of the batch, by position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumSpec {
    /// The bound index names (one or two).
    pub vars: Vec<String>,
    /// The rule for two indices.
    pub rule: PairRule,
    /// Over the batch members instead of the samples.
    pub in_batch: bool,
}

/// An expression node with its column and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// 1-based column of its first character.
    pub col: usize,
    /// Its shape.
    pub shape: Shape,
}

/// The expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A rational literal.
    Num(BigRational),
    /// A named object.
    Sym(Sym),
    /// A family member `H_i`, `g_i`, `a_i`, `w_i` at index variable `i`.
    Fam(Fam, String),
    /// `−e`.
    Neg(Box<Expr>),
    /// `e + f`.
    Add(Box<Expr>, Box<Expr>),
    /// `e − f`.
    Sub(Box<Expr>, Box<Expr>),
    /// `e * f` (matrix product; scalar multiple if one side is a scalar).
    Mul(Box<Expr>, Box<Expr>),
    /// `e / s` with `s` a scalar.
    Div(Box<Expr>, Box<Expr>),
    /// `e^k`.
    Pow(Box<Expr>, u32),
    /// `e'`.
    Transpose(Box<Expr>),
    /// `f(args)`.
    Call(Func, Vec<Expr>),
    /// `sum_… body`.
    Sum(SumSpec, Box<Expr>),
    /// `E_B[body]`: expectation over a random batch.
    BatchMean(Box<Expr>),
    /// `E_i[body]`: mean over `i = 1..N`.
    SampleMean(String, Box<Expr>),
}

/// A relation operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelOp {
    /// `=`.
    Eq,
    /// `<=` (scalars).
    Le,
    /// `>=` (scalars).
    Ge,
    /// `<` (scalars).
    Lt,
    /// `>` (scalars).
    Gt,
    /// `<=_L`, `⪯` (Loewner order).
    LoewnerLe,
    /// `>=_L`, `⪰` (Loewner order).
    LoewnerGe,
}

impl RelOp {
    /// The symbol in reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Le => "≤",
            Self::Ge => "≥",
            Self::Lt => "<",
            Self::Gt => ">",
            Self::LoewnerLe => "⪯",
            Self::LoewnerGe => "⪰",
        }
    }
}

/// `lhs op rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Left side.
    pub lhs: Expr,
    /// The relation.
    pub op: RelOp,
    /// Right side.
    pub rhs: Expr,
}

/// What a step claims.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// A relation, for all values of the free symbols.
    Rel(Relation),
    /// Whenever the first holds, the second holds.
    Implies(Relation, Relation),
    /// Both implications.
    Iff(Relation, Relation),
}

/// What the file expects of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The step must hold (the default).
    Holds,
    /// The step must fail, with a counterexample (a lecture error recorded as printed).
    Fails,
    /// The step must be rejected by the shape checker (ill-typed as printed).
    IllTyped,
}

/// The hypotheses in force for a step.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Assumptions {
    /// The sampling schemes to check under (one or both).
    pub sampling: Vec<Sampling>,
    /// `H_i = g_i g_iᵀ`.
    pub rank_one: bool,
    /// `H_i` symmetric but possibly indefinite (default: PSD).
    pub indefinite: bool,
    /// The `H_i` commute pairwise (they are drawn diagonal).
    pub commute: bool,
    /// `B = 1`.
    pub batch_one: bool,
    /// `B = N`.
    pub batch_full: bool,
    /// `B ≥ 2`.
    pub batch_two_plus: bool,
    /// `d = 1`.
    pub dim_one: bool,
    /// `d ≥ 2`.
    pub dim_two_plus: bool,
}

impl Assumptions {
    fn new() -> Self {
        Self {
            sampling: vec![Sampling::WithoutReplacement],
            ..Self::default()
        }
    }

    /// The assumptions in words, for reports.
    #[must_use]
    pub fn describe(&self) -> Vec<String> {
        let mut v = vec![format!(
            "sampling {}",
            self.sampling
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        )];
        let flags = [
            (self.rank_one, "H_i = g_i g_iᵀ (rank one)"),
            (self.indefinite, "H_i symmetric, possibly indefinite"),
            (self.commute, "H_i commute"),
            (self.batch_one, "B = 1"),
            (self.batch_full, "B = N"),
            (self.batch_two_plus, "B ≥ 2"),
            (self.dim_one, "d = 1"),
            (self.dim_two_plus, "d ≥ 2"),
        ];
        v.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, s)| (*s).to_owned()),
        );
        v
    }
}

/// One checked step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The label, e.g. `(16)` or `(16')`.
    pub label: String,
    /// The label of the step this one corrects.
    pub correction_of: Option<String>,
    /// The claim as written.
    pub source: String,
    /// The parsed claim (`Err` with the shape error for an `expect ill_typed` step).
    pub claim: Result<Claim, ParseError>,
    /// What the file expects.
    pub expect: Expect,
    /// The hypotheses in force.
    pub assumptions: Assumptions,
    /// 1-based line.
    pub line: usize,
}

/// A line of a proof file that is reported.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A checked step.
    Step(Box<Step>),
    /// A statement recorded but not checked (a definition, an approximation, a citation).
    Note {
        /// The label.
        label: String,
        /// The text.
        text: String,
        /// 1-based line.
        line: usize,
    },
}

/// A parsed proof file.
#[derive(Debug, Clone, PartialEq)]
pub struct ProofFile {
    /// The title from `proof "…"`.
    pub title: String,
    /// Steps and notes in file order.
    pub items: Vec<Item>,
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(BigRational),
    /// An identifier with an optional subscript (`H_i` → ("H", Some("i")), `sum_{i!=j}`).
    Ident(String, Option<String>),
    Op(char),
    Rel(RelOp),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    col: usize,
}

/// Words that are whole identifiers even though they contain `_`.
const WHOLE_WORDS: [&str; 2] = ["lambda_max", "lambda_min"];

fn lex(chars: &[char], offset: usize, line: usize) -> PResult<Vec<Token>> {
    let err = |i: usize, message: String| ParseError {
        line,
        col: offset + i + 1,
        message,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let col = offset + i + 1;
        let push = |out: &mut Vec<Token>, tok: Tok| out.push(Token { tok, col });
        match ch {
            c if c.is_whitespace() => i += 1,
            '0'..='9' | '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let q = parse_decimal(&text)
                    .ok_or_else(|| err(start, format!("malformed number `{text}`")))?;
                push(&mut out, Tok::Num(q));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let mut name: String = chars[start..i].iter().collect();
                if name.ends_with('_') && i < chars.len() && chars[i] == '{' {
                    let open = i;
                    let mut depth = 0;
                    let mut j = i;
                    while j < chars.len() {
                        match chars[j] {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    if j >= chars.len() {
                        return Err(err(open, "unbalanced `{`: no matching `}`".to_owned()));
                    }
                    let sub: String = chars[open + 1..j].iter().collect();
                    name.pop();
                    i = j + 1;
                    push(&mut out, Tok::Ident(name, Some(sub)));
                } else if WHOLE_WORDS.contains(&name.as_str()) {
                    push(&mut out, Tok::Ident(name, None));
                } else if let Some((base, sub)) = name.split_once('_') {
                    if sub.is_empty() || base.is_empty() {
                        return Err(err(start, format!("malformed subscript in `{name}`")));
                    }
                    push(&mut out, Tok::Ident(base.to_owned(), Some(sub.to_owned())));
                } else {
                    push(&mut out, Tok::Ident(name, None));
                }
            }
            'γ' => {
                push(&mut out, Tok::Ident("gamma".into(), None));
                i += 1;
            }
            'Σ' => {
                push(&mut out, Tok::Ident("Sigma".into(), None));
                i += 1;
            }
            '+' | '*' | '/' | '^' | '\'' | '(' | ')' | '[' | ']' | ',' => {
                push(&mut out, Tok::Op(ch));
                i += 1;
            }
            '-' | '−' => {
                push(&mut out, Tok::Op('-'));
                i += 1;
            }
            '·' | '×' => {
                push(&mut out, Tok::Op('*'));
                i += 1;
            }
            'ᵀ' => {
                push(&mut out, Tok::Op('\''));
                i += 1;
            }
            '²' => {
                push(&mut out, Tok::Op('^'));
                push(&mut out, Tok::Num(BigRational::from_integer(2.into())));
                i += 1;
            }
            '≤' => {
                push(&mut out, Tok::Rel(RelOp::Le));
                i += 1;
            }
            '≥' => {
                push(&mut out, Tok::Rel(RelOp::Ge));
                i += 1;
            }
            '⪯' | '≼' => {
                push(&mut out, Tok::Rel(RelOp::LoewnerLe));
                i += 1;
            }
            '⪰' | '≽' => {
                push(&mut out, Tok::Rel(RelOp::LoewnerGe));
                i += 1;
            }
            '=' => {
                push(&mut out, Tok::Rel(RelOp::Eq));
                i += 1;
            }
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                i += if eq { 2 } else { 1 };
                let loewner = eq && chars.get(i) == Some(&'_') && chars.get(i + 1) == Some(&'L');
                if loewner {
                    i += 2;
                }
                let op = match (ch, eq, loewner) {
                    ('<', true, true) => RelOp::LoewnerLe,
                    ('>', true, true) => RelOp::LoewnerGe,
                    ('<', true, false) => RelOp::Le,
                    ('>', true, false) => RelOp::Ge,
                    ('<', false, _) => RelOp::Lt,
                    _ => RelOp::Gt,
                };
                push(&mut out, Tok::Rel(op));
            }
            other => return Err(err(i, format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

fn parse_decimal(s: &str) -> Option<BigRational> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return None;
    }
    let digits: BigInt = format!("{int}{frac}").parse().ok()?;
    let den = num_traits::pow(BigInt::from(10), frac.len());
    Some(BigRational::new(digits, den))
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    line: usize,
    end_col: usize,
    /// Index variables bound by enclosing sums / means.
    bound: Vec<String>,
    in_batch_mean: bool,
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
                if lhs.shape != rhs.shape || !lhs.shape.is_square() =>
            {
                // `A ⪰ 0` compares with the zero matrix.
                if rhs.shape.is_scalar()
                    && lhs.shape.is_square()
                    && matches!(&rhs.kind, ExprKind::Num(q) if q.is_zero())
                {
                    let zero = Expr {
                        kind: ExprKind::Num(BigRational::zero()),
                        col: rhs.col,
                        shape: Shape::SCALAR,
                    };
                    let rhs = Expr {
                        kind: ExprKind::Mul(Box::new(zero), Box::new(identity_like(&lhs))),
                        col: rhs.col,
                        shape: lhs.shape,
                    };
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
        let mut lhs = self.term()?;
        loop {
            let col = self.col();
            let minus = if self.eat_op('+') {
                false
            } else if self.eat_op('-') {
                true
            } else {
                return Ok(lhs);
            };
            let rhs = self.term()?;
            if lhs.shape != rhs.shape {
                return self.err(
                    col,
                    format!(
                        "dimension mismatch: cannot {} {} and {}",
                        if minus { "subtract" } else { "add" },
                        lhs.shape,
                        rhs.shape
                    ),
                );
            }
            let shape = lhs.shape;
            let start = lhs.col;
            let kind = if minus {
                ExprKind::Sub(Box::new(lhs), Box::new(rhs))
            } else {
                ExprKind::Add(Box::new(lhs), Box::new(rhs))
            };
            lhs = Expr {
                kind,
                col: start,
                shape,
            };
        }
    }

    fn term(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let col = self.col();
            let div = if self.eat_op('*') {
                false
            } else if self.eat_op('/') {
                true
            } else {
                return Ok(lhs);
            };
            let rhs = self.unary()?;
            let start = lhs.col;
            if div {
                if !rhs.shape.is_scalar() {
                    return self.err(
                        col,
                        format!("dimension mismatch: cannot divide by {}", rhs.shape),
                    );
                }
                let shape = lhs.shape;
                lhs = Expr {
                    kind: ExprKind::Div(Box::new(lhs), Box::new(rhs)),
                    col: start,
                    shape,
                };
            } else {
                let shape = product_shape(lhs.shape, rhs.shape).ok_or_else(|| ParseError {
                    line: self.line,
                    col,
                    message: format!(
                        "dimension mismatch: cannot multiply {} by {}",
                        lhs.shape, rhs.shape
                    ),
                })?;
                lhs = Expr {
                    kind: ExprKind::Mul(Box::new(lhs), Box::new(rhs)),
                    col: start,
                    shape,
                };
            }
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let col = self.col();
        if self.eat_op('-') {
            let e = self.unary()?;
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
                return self.sum(col, sub.as_deref());
            }
        }
        self.power()
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
        if spec.in_batch && !self.in_batch_mean {
            return self.err(col, "a sum over `i in B` is only defined inside E_B[…]");
        }
        let n = self.bound.len();
        self.bound.extend(spec.vars.iter().cloned());
        let body = self.term();
        self.bound.truncate(n);
        let body = body?;
        let shape = body.shape;
        Ok(Expr {
            kind: ExprKind::Sum(spec, Box::new(body)),
            col,
            shape,
        })
    }

    fn power(&mut self) -> PResult<Expr> {
        let mut e = self.postfix()?;
        while self.peek() == Some(&Tok::Op('^')) {
            let col = self.col();
            self.pos += 1;
            let k = match self.peek().cloned() {
                Some(Tok::Num(q)) if q.is_integer() => {
                    self.pos += 1;
                    u32::try_from(q.to_integer()).ok()
                }
                _ => None,
            };
            let Some(k) = k else {
                return self.err(col, "a power must be a non-negative integer literal");
            };
            if !e.shape.is_square() {
                return self.err(
                    col,
                    format!("dimension mismatch: cannot raise {} to a power", e.shape),
                );
            }
            let start = e.col;
            let shape = e.shape;
            e = Expr {
                kind: ExprKind::Pow(Box::new(e), k),
                col: start,
                shape,
            };
            e = self.transposes(e);
        }
        Ok(e)
    }

    fn transposes(&mut self, mut e: Expr) -> Expr {
        while self.eat_op('\'') {
            let shape = Shape {
                rows: e.shape.cols,
                cols: e.shape.rows,
            };
            let col = e.col;
            e = Expr {
                kind: ExprKind::Transpose(Box::new(e)),
                col,
                shape,
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
                let e = self.expr()?;
                self.expect_close(')', col)?;
                Ok(Expr { col, ..e })
            }
            Tok::Op(c) => self.err(col, format!("expected an expression, found `{c}`")),
            Tok::Rel(op) => self.err(
                col,
                format!("expected an expression, found `{}`", op.symbol()),
            ),
            Tok::Ident(name, sub) => self.ident(col, &name, sub.as_deref()),
        }
    }

    fn ident(&mut self, col: usize, name: &str, sub: Option<&str>) -> PResult<Expr> {
        if let Some(f) = Func::lookup(name).filter(|_| sub.is_none()) {
            return self.call(col, f, name);
        }
        if name == "E" {
            let open = self.col();
            if !self.eat_op('[') {
                return self.err(open, "expected `[` after E_…");
            }
            let body = match sub {
                Some("B") => {
                    if self.in_batch_mean {
                        return self.err(col, "E_B[…] inside E_B[…] is not supported");
                    }
                    self.in_batch_mean = true;
                    let body = self.expr();
                    self.in_batch_mean = false;
                    let body = body?;
                    ExprKind::BatchMean(Box::new(body))
                }
                Some(v) if is_index_name(v) => {
                    self.bound.push(v.to_owned());
                    let body = self.expr();
                    self.bound.pop();
                    ExprKind::SampleMean(v.to_owned(), Box::new(body?))
                }
                _ => {
                    return self.err(
                        col,
                        "expectation must be E_B[…] (over a batch) or E_i[…] (over a sample)",
                    )
                }
            };
            self.expect_close(']', open)?;
            let shape = match &body {
                ExprKind::BatchMean(b) | ExprKind::SampleMean(_, b) => b.shape,
                _ => unreachable!(),
            };
            return Ok(Expr {
                kind: body,
                col,
                shape,
            });
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
            "H" => Some(Fam::H),
            "g" => Some(Fam::G),
            "a" => Some(Fam::A),
            "w" => Some(Fam::W),
            _ => None,
        };
        match (fam, sub) {
            (Some(fam), Some(v)) if is_index_name(v) => Ok(Expr {
                kind: ExprKind::Fam(fam, v.to_owned()),
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
        let s0 = args[0].shape;
        let mismatch = |what: &str| ParseError {
            line: self.line,
            col,
            message: format!("dimension mismatch: `{name}` needs {what}, got {s0}"),
        };
        let shape = match f {
            Func::Trace | Func::LambdaMax | Func::LambdaMin | Func::Rho => {
                if !s0.is_square() || s0.is_scalar() && f != Func::Trace {
                    return Err(mismatch("a square matrix"));
                }
                Shape::SCALAR
            }
            Func::Norm => Shape::SCALAR,
            Func::Abs | Func::Sqrt => {
                if !s0.is_scalar() {
                    return Err(mismatch("a scalar"));
                }
                Shape::SCALAR
            }
            Func::Kron => {
                let s1 = args[1].shape;
                Shape {
                    rows: s0.rows + s1.rows,
                    cols: s0.cols + s1.cols,
                }
            }
            Func::Diag => {
                if s0.cols != 0 || s0.rows == 0 {
                    return Err(mismatch("a vector"));
                }
                Shape {
                    rows: s0.rows,
                    cols: s0.rows,
                }
            }
            Func::Eigvals => {
                if !s0.is_square() || s0.is_scalar() {
                    return Err(mismatch("a square matrix"));
                }
                Shape {
                    rows: s0.rows,
                    cols: 0,
                }
            }
            Func::EigDiag => {
                let s1 = args[1].shape;
                if !s0.is_square()
                    || s0.is_scalar()
                    || s1
                        != (Shape {
                            rows: s0.rows,
                            cols: 0,
                        })
                {
                    return self.err(
                        col,
                        format!("dimension mismatch: `eigdiag` needs a square matrix and a vector of its size, got {s0} and {s1}"),
                    );
                }
                s0
            }
        };
        Ok(Expr {
            kind: ExprKind::Call(f, args),
            col,
            shape,
        })
    }
}

fn identity_like(e: &Expr) -> Expr {
    // `0 ⪯`-comparisons: only d×d (or kron) shapes; I for d×d, kron(I, I) for d²×d².
    let id = Expr {
        kind: ExprKind::Sym(Sym::I),
        col: e.col,
        shape: Shape::MATRIX,
    };
    let mut out = id.clone();
    for _ in 1..e.shape.rows.max(1) {
        out = Expr {
            shape: Shape {
                rows: out.shape.rows + 1,
                cols: out.shape.cols + 1,
            },
            kind: ExprKind::Call(Func::Kron, vec![out, id.clone()]),
            col: e.col,
        };
    }
    out
}

fn product_shape(a: Shape, b: Shape) -> Option<Shape> {
    if a.is_scalar() {
        Some(b)
    } else if b.is_scalar() {
        Some(a)
    } else if a.cols == b.rows {
        Some(Shape {
            rows: a.rows,
            cols: b.cols,
        })
    } else {
        None
    }
}

fn is_index_name(v: &str) -> bool {
    v.len() == 1 && v.chars().all(|c| c.is_ascii_lowercase())
}

fn parse_sum_spec(sub: &str) -> Result<SumSpec, String> {
    let s = sub.replace('≠', "!=").replace('∈', " in ");
    let (idx, in_batch) = match s.split_once(" in ") {
        Some((idx, dom)) if dom.trim() == "B" => (idx.trim().to_owned(), true),
        Some((_, dom)) => {
            return Err(format!(
                "unknown sum domain `{}`: only `in B` (the batch members)",
                dom.trim()
            ))
        }
        None => (s.trim().to_owned(), false),
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
        in_batch,
    })
}

/// Parse a claim (the text after `step LABEL:`) that starts at column `offset + 1` of `line`.
///
/// # Errors
/// A [`ParseError`] at the offending column.
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
    };
    p.claim()
}

/// Strip a `#` comment (outside double quotes).
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

fn char_col(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// Parse a whole proof file.
///
/// # Errors
/// The first [`ParseError`], with its line and column.
pub fn parse_file(text: &str) -> Result<ProofFile, ParseError> {
    let mut title = None;
    let mut items = Vec::new();
    let mut assumptions = Assumptions::new();
    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        let line = strip_comment(raw);
        let trimmed = line.trim_start();
        if trimmed.trim().is_empty() {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let (word, rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        let rest_byte = indent + word.len() + (trimmed.len() - word.len() - rest.len());
        let at = |byte: usize, message: String| ParseError {
            line: line_no,
            col: char_col(line, byte),
            message,
        };
        match word {
            "proof" => {
                let t = rest.trim();
                if !(t.len() >= 2 && t.starts_with('"') && t.ends_with('"')) {
                    return Err(at(rest_byte, "expected proof \"title\"".into()));
                }
                title = Some(t[1..t.len() - 1].to_owned());
            }
            "assume" => parse_assume(rest, &mut assumptions).map_err(|m| at(rest_byte, m))?,
            "note" => {
                let (label, text) = rest.split_once(':').unwrap_or(("", rest));
                items.push(Item::Note {
                    label: label.trim().to_owned(),
                    text: text.trim().to_owned(),
                    line: line_no,
                });
            }
            "step" => {
                let Some(colon) = rest.find(':') else {
                    return Err(at(
                        rest_byte,
                        "expected `step LABEL: CLAIM` (no `:` found)".into(),
                    ));
                };
                let header = rest[..colon].trim();
                let (label, correction_of) = match header.split_once("correction of") {
                    Some((l, c)) => (l.trim().to_owned(), Some(c.trim().to_owned())),
                    None => (header.to_owned(), None),
                };
                if label.is_empty() {
                    return Err(at(rest_byte, "a step needs a label before `:`".into()));
                }
                let body_byte = rest_byte + colon + 1;
                let mut body = &line[body_byte..];
                let mut expect = Expect::Holds;
                if let Some(k) = body.rfind(" expect ") {
                    let what = body[k + 8..].trim();
                    expect = match what {
                        "holds" => Expect::Holds,
                        "fails" => Expect::Fails,
                        "ill_typed" => Expect::IllTyped,
                        other => {
                            return Err(at(
                                body_byte + k + 8,
                                format!("unknown expectation `{other}`: holds, fails or ill_typed"),
                            ))
                        }
                    };
                    body = &body[..k];
                }
                let offset = char_col(line, body_byte) - 1;
                let claim = parse_claim(body, line_no, offset);
                if expect != Expect::IllTyped {
                    claim.clone()?;
                } else if let Err(e) = &claim {
                    if !e.message.starts_with("dimension mismatch") {
                        return Err(e.clone());
                    }
                }
                items.push(Item::Step(Box::new(Step {
                    label,
                    correction_of,
                    source: body.trim().to_owned(),
                    claim,
                    expect,
                    assumptions: assumptions.clone(),
                    line: line_no,
                })));
            }
            other => {
                return Err(at(
                    indent,
                    format!("unknown directive `{other}`: expected proof, assume, step or note"),
                ))
            }
        }
    }
    Ok(ProofFile {
        title: title.unwrap_or_else(|| "(untitled)".to_owned()),
        items,
    })
}

fn parse_assume(rest: &str, a: &mut Assumptions) -> Result<(), String> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let joined = words.join(" ");
    match words.as_slice() {
        ["none"] => *a = Assumptions::new(),
        ["sampling", "without_replacement"] => a.sampling = vec![Sampling::WithoutReplacement],
        ["sampling", "with_replacement"] => a.sampling = vec![Sampling::WithReplacement],
        ["sampling", "both"] => a.sampling = Sampling::IID.to_vec(),
        ["sampling", "random_reshuffling"] => {
            return Err("assume sampling random_reshuffling is not supported: the derivation checker evaluates the lecture's steps with expectations over i.i.d. minibatches (sampling without_replacement, with_replacement or both), and random reshuffling's batches are not independent across steps; its exact per-epoch operator is in `sgd-stability analyze` and `sweep`".into())
        }
        ["psd", "H_i"] => a.indefinite = false,
        ["symmetric", "H_i"] => a.indefinite = true,
        ["rank_one", "H_i"] => a.rank_one = true,
        ["commute"] => a.commute = true,
        _ => match joined.replace(' ', "").as_str() {
            "B=1" => a.batch_one = true,
            "B=N" => a.batch_full = true,
            "B>=2" | "B≥2" => a.batch_two_plus = true,
            "d=1" => a.dim_one = true,
            "d>=2" | "d≥2" => a.dim_two_plus = true,
            _ => {
                return Err(format!(
                    "unknown assumption `{joined}`: expected none, sampling …, psd H_i, symmetric H_i, rank_one H_i, commute, B = 1, B = N, B >= 2, d = 1 or d >= 2"
                ))
            }
        },
    }
    if a.batch_one && a.batch_two_plus || a.dim_one && a.dim_two_plus {
        return Err("contradictory assumptions".into());
    }
    Ok(())
}
