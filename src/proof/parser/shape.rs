//! The shape checker's rules: the shape of a call, of a product, and the zero of a shape.

use super::*;

/// The shape of `f(args)`, or what is wrong.
pub(super) fn call_shape(f: Func, args: &[Expr]) -> Result<Shape, String> {
    let s0 = args[0].shape;
    let needs = |what: &str| Err(format!("needs {what}, got {s0}"));
    Ok(match f {
        Func::Trace => {
            if !s0.is_square() {
                return needs("a square matrix");
            }
            Shape::SCALAR
        }
        Func::LambdaMax | Func::LambdaMin | Func::Rho => {
            if !s0.is_square() || s0.is_scalar() {
                return needs("a square matrix");
            }
            Shape::SCALAR
        }
        Func::Norm => Shape::SCALAR,
        Func::Abs | Func::Sqrt => {
            if !s0.is_scalar() {
                return needs("a scalar");
            }
            Shape::SCALAR
        }
        Func::Kron => {
            let s1 = args[1].shape;
            let rows = s0.rows.checked_add(s1.rows);
            let cols = s0.cols.checked_add(s1.cols);
            match (rows, cols) {
                (Some(rows), Some(cols)) if rows <= MAX_KRON_POWER && cols <= MAX_KRON_POWER => {
                    Shape { rows, cols }
                }
                _ => {
                    return Err(format!(
                        "would have more than d^{MAX_KRON_POWER} rows or columns (limit)"
                    ))
                }
            }
        }
        Func::Diag => {
            if s0 != Shape::VECTOR {
                return needs("a vector");
            }
            Shape::MATRIX
        }
        Func::Eigvals => {
            if s0 != Shape::MATRIX {
                return needs("a d×d matrix");
            }
            Shape::VECTOR
        }
        Func::EigDiag => {
            let s1 = args[1].shape;
            if s0 != Shape::MATRIX || s1 != Shape::VECTOR {
                return Err(format!(
                    "needs a d×d matrix and a vector of its size, got {s0} and {s1}"
                ));
            }
            s0
        }
    })
}

/// `0·I` of `e`'s shape (`I` for `d×d`, `kron(I, I)` for `d²×d²`, …).
pub(super) fn zero_like(e: &Expr, col: usize) -> Expr {
    let id = Expr {
        kind: ExprKind::Sym(Sym::I),
        col,
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
            col,
        };
    }
    let shape = out.shape;
    Expr {
        kind: ExprKind::Mul(vec![
            Factor {
                op: MulOp::Times,
                expr: Expr {
                    kind: ExprKind::Num(BigRational::zero()),
                    col,
                    shape: Shape::SCALAR,
                },
            },
            Factor {
                op: MulOp::Times,
                expr: out,
            },
        ]),
        col,
        shape,
    }
}

pub(super) fn product_shape(a: Shape, b: Shape) -> Option<Shape> {
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
