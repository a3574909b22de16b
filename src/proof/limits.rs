//! Every resource limit of the derivation checker, in one place.
//!
//! A proof file is text a user wrote; nothing in it may make the checker run for minutes or
//! allocate gigabytes. Limits on the text are checked while parsing (a violation is a parse error
//! at `line:col`, exit code 2); limits on the work are checked before the work is done (before a
//! product of polynomials is allocated, before a batch list is built, before an instance is
//! evaluated), and a route that would exceed one is abandoned with a stated reason.

/// Steps per file.
pub const MAX_STEPS: usize = 200;

/// Characters per line.
pub const MAX_LINE_CHARS: usize = 4000;

/// Tokens per claim.
pub const MAX_TOKENS: usize = 1000;

/// Digits (and the decimal point) of one number literal.
pub const MAX_LITERAL_CHARS: usize = 40;

/// Nesting depth of a claim: parentheses, brackets, function calls, sums, expectations, unary
/// minus. The parser recurses once per level and every later pass walks the tree recursively,
/// so this bounds the stack.
pub const MAX_NESTING: usize = 40;

/// A power's exponent literal, and the exponent after `(e^a)^b` is merged to `e^(ab)`.
pub const MAX_EXPONENT: u32 = 64;

/// At most this many `sum_{j!=i}` over an already bound `i` in one claim: each is read as
/// `sum_j f(j) − f(i)` and copies its body, so nested ones double the claim.
pub const MAX_EXCLUDING_SUMS: usize = 6;

/// The total degree of a claim's side (in all letters and scalar symbols, with `H` and `c`
/// counting 1, `Σ` 2), computed with checked arithmetic.
pub const MAX_DEGREE: u32 = 96;

/// Kronecker nesting: a value has at most `d^MAX_KRON_POWER` rows.
pub const MAX_KRON_POWER: u8 = 3;

/// Terms of one symbolic normal form (checked before a product is allocated).
pub const MAX_TERMS: usize = 40_000;

/// Letters of one word of a normal form.
pub const MAX_WORD: usize = 96;

/// Batch positions in one monomial when `E_B[…]` is reduced to inclusion moments (the
/// reduction visits the set partitions of the positions: Bell(8) = 4140).
pub const MAX_BATCH_POSITIONS: usize = 8;

/// Bound indices of one monomial whose canonical renaming is found by trying every permutation
/// (`7! = 5040`); beyond it a deterministic heuristic names them (sound, but two equal normal
/// forms may then fail to be recognized as equal).
pub const MAX_PERMUTED_SLOTS: usize = 7;

/// Concrete sample letters when a small `N` is checked case by case (`N^k` terms for `k` bound
/// indices).
pub const MAX_EXPANDED_TERMS: usize = 200_000;

/// Degree of a univariate polynomial in the exact sign decision.
pub const MAX_UNIVARIATE_DEGREE: usize = 48;

/// Bits of precision an interval is refined to before a comparison is declared undecidable.
pub const MAX_INTERVAL_BITS: u32 = 256;

/// The estimated operation count of one evaluation of a claim on one instance (from its shape
/// alone, `proof::trial::cost`) above which the shape is not tried.
pub const MAX_INSTANCE_ESTIMATE: u64 = 2_000_000;

/// Work units (`exact::work`: about one 64-bit multiply each) of one evaluation of a claim
/// on one instance; an evaluation that reaches it stops and is not counted.
pub const MAX_INSTANCE_WORK: u64 = 20_000_000;

/// Work units of one step (its symbolic routes and evaluations together).
pub const MAX_STEP_WORK: u64 = 50_000_000;

/// Work units of one file: each of its `k` steps may spend at most
/// `min(MAX_STEP_WORK, MAX_FILE_WORK / k)`. About 10⁷–10⁸ units are done per second, so a file
/// takes a few seconds at most.
pub const MAX_FILE_WORK: u64 = 200_000_000;

/// Work units of one symbolic route of a step (within the step's budget).
pub const MAX_SYMBOLIC_WORK: u64 = 20_000_000;

/// Batches of one instance (the expectation `E_B[…]` visits each).
pub const MAX_BATCHES: u128 = 20_000;
