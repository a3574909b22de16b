//! The derivation language's syntax tree: expressions with their shapes, relations, claims,
//! steps, assumptions and parsed files. Built by [`super::parser`] and [`super::file`].

use crate::instance::Sampling;
use num_rational::BigRational;
use std::fmt;

mod steps;

pub use steps::*;

/// A parse, shape or limit error at `line:col`.
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

impl std::error::Error for ParseError {}

/// The shape of a value as powers of `d`: a scalar is `(0, 0)`, a vector `(1, 0)`, a row
/// vector `(0, 1)`, a `d×d` matrix `(1, 1)`, a Kronecker product of two `(2, 2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The transposed shape.
    #[must_use]
    pub fn transposed(self) -> Shape {
        Shape {
            rows: self.cols,
            cols: self.rows,
        }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// The shape of the object.
    #[must_use]
    pub fn shape(self) -> Shape {
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
pub enum Family {
    /// `H_i`, symmetric (PSD unless `assume symmetric H_i`).
    H,
    /// `g_i`, a vector; `H_i = g_i g_iᵀ` under `assume rank_one H_i`.
    G,
    /// `a_i`, a scalar.
    A,
    /// `w_i`, a vector.
    W,
}

impl Family {
    /// The shape of one member.
    #[must_use]
    pub fn shape(self) -> Shape {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// The function named `name` in proof files.
    #[must_use]
    pub fn lookup(name: &str) -> Option<Self> {
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

    /// The canonical name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Trace => "tr",
            Self::LambdaMax => "lambda_max",
            Self::LambdaMin => "lambda_min",
            Self::Norm => "norm",
            Self::Abs => "abs",
            Self::Sqrt => "sqrt",
            Self::Rho => "rho",
            Self::Kron => "kron",
            Self::Diag => "diag",
            Self::Eigvals => "lambda",
            Self::EigDiag => "eigdiag",
        }
    }

    /// The number of arguments.
    #[must_use]
    pub fn arity(self) -> usize {
        match self {
            Self::Kron | Self::EigDiag => 2,
            _ => 1,
        }
    }

    /// Whether the value needs an eigen-decomposition.
    #[must_use]
    pub fn is_spectral(self) -> bool {
        matches!(
            self,
            Self::LambdaMax | Self::LambdaMin | Self::Rho | Self::Eigvals | Self::EigDiag
        )
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

/// Where a sum's indices range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumDomain {
    /// Over the samples `1..N`.
    Samples,
    /// Over the members of the batch, by position (only inside `E_B[…]`).
    Batch,
}

/// A sum binder: `sum_i`, `sum_{i,j}`, `sum_{i!=j}`, `sum_{i<j}`, each optionally `in B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumSpec {
    /// The bound index names (one or two).
    pub vars: Vec<String>,
    /// The rule for two indices.
    pub rule: PairRule,
    /// Samples or batch members.
    pub domain: SumDomain,
}

/// The sign of a term of a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// `+ e`.
    Plus,
    /// `− e`.
    Minus,
}

/// How a factor enters a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MulOp {
    /// `* e` (matrix product, or a scalar multiple).
    Times,
    /// `/ s` with `s` a scalar.
    Divide,
}

/// One factor of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Multiply or divide.
    pub op: MulOp,
    /// The factor.
    pub expr: Expr,
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

/// The expression forms. Sums and products are n-ary, so that a long chain of terms is a flat
/// list rather than a deep tree.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A rational literal.
    Num(BigRational),
    /// A named object.
    Sym(Sym),
    /// A family member `H_i`, `g_i`, `a_i`, `w_i` at index variable `i`.
    Family(Family, String),
    /// `−e`.
    Neg(Box<Expr>),
    /// `e₁ ± e₂ ± …` (at least two terms; the first is always [`Sign::Plus`]).
    Add(Vec<(Sign, Expr)>),
    /// `f₁ * f₂ / s₃ …` (at least two factors; the first is always [`MulOp::Times`]), left to
    /// right; a divisor is a scalar.
    Mul(Vec<Factor>),
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

impl Expr {
    /// The direct sub-expressions.
    #[must_use]
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Num(_) | ExprKind::Sym(_) | ExprKind::Family(..) => Vec::new(),
            ExprKind::Neg(a)
            | ExprKind::Pow(a, _)
            | ExprKind::Transpose(a)
            | ExprKind::Sum(_, a)
            | ExprKind::BatchMean(a)
            | ExprKind::SampleMean(_, a) => vec![a],
            ExprKind::Add(ts) => ts.iter().map(|(_, e)| e).collect(),
            ExprKind::Mul(fs) => fs.iter().map(|f| &f.expr).collect(),
            ExprKind::Call(_, args) => args.iter().collect(),
        }
    }

    /// The direct sub-expressions, mutably (in the order of [`Expr::children`]).
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            ExprKind::Num(_) | ExprKind::Sym(_) | ExprKind::Family(..) => Vec::new(),
            ExprKind::Neg(a)
            | ExprKind::Pow(a, _)
            | ExprKind::Transpose(a)
            | ExprKind::Sum(_, a)
            | ExprKind::BatchMean(a)
            | ExprKind::SampleMean(_, a) => vec![a.as_mut()],
            ExprKind::Add(ts) => ts.iter_mut().map(|(_, e)| e).collect(),
            ExprKind::Mul(fs) => fs.iter_mut().map(|f| &mut f.expr).collect(),
            ExprKind::Call(_, args) => args.iter_mut().collect(),
        }
    }

    /// Visit every node (pre-order). The tree depth is bounded by the parser.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        for c in self.children() {
            c.walk(f);
        }
    }

    /// Whether some node satisfies `p`.
    #[must_use]
    pub fn any(&self, p: &dyn Fn(&Expr) -> bool) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= p(e));
        found
    }
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

    /// The symbol in proof files.
    #[must_use]
    pub fn source(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Le => "<=",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Gt => ">",
            Self::LoewnerLe => "<=_L",
            Self::LoewnerGe => ">=_L",
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

impl Claim {
    /// The relations, in order.
    #[must_use]
    pub fn relations(&self) -> Vec<&Relation> {
        match self {
            Self::Rel(r) => vec![r],
            Self::Implies(p, q) | Self::Iff(p, q) => vec![p, q],
        }
    }

    /// Every side of every relation.
    #[must_use]
    pub fn sides(&self) -> Vec<&Expr> {
        self.relations()
            .into_iter()
            .flat_map(|r| [&r.lhs, &r.rhs])
            .collect()
    }
}

impl Expr {
    /// The index variables used but not bound (universally quantified over `1..=N`), in order
    /// of first use.
    #[must_use]
    pub fn free_indices(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_free(self, &mut Vec::new(), &mut out);
        out
    }
}

impl Claim {
    /// The free indices of every side.
    #[must_use]
    pub fn free_indices(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in self.sides() {
            for v in s.free_indices() {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }
}

fn collect_free(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    let vars: Vec<String> = match &e.kind {
        ExprKind::Family(_, v) => {
            if !bound.contains(v) && !out.contains(v) {
                out.push(v.clone());
            }
            return;
        }
        ExprKind::Sum(spec, _) => spec.vars.clone(),
        ExprKind::SampleMean(v, _) => vec![v.clone()],
        _ => Vec::new(),
    };
    let n = bound.len();
    bound.extend(vars);
    for c in e.children() {
        collect_free(c, bound, out);
    }
    bound.truncate(n);
}
