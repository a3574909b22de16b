//! The JSON fixture schema: an instance from the bytes of a `.json` file.

use super::*;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn number(origin: &str, field: &str, v: &Value) -> Result<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        Some(x) => Err(input(
            ErrorKind::NonFinite,
            origin,
            field,
            format!("is {x}, entries must be finite"),
        )),
        None => Err(input(
            ErrorKind::Malformed,
            origin,
            field,
            format!("expected a number, found {}", type_name(v)),
        )),
    }
}

fn array<'v>(origin: &str, field: &str, v: &'v Value) -> Result<&'v Vec<Value>> {
    v.as_array().ok_or_else(|| {
        input(
            ErrorKind::Malformed,
            origin,
            field,
            format!("expected an array, found {}", type_name(v)),
        )
    })
}

fn vector(origin: &str, field: &str, v: &Value) -> Result<Vec<f64>> {
    array(origin, field, v)?
        .iter()
        .enumerate()
        .map(|(j, x)| number(origin, &format!("{field}[{j}]"), x))
        .collect()
}

/// Parse an instance from JSON text.
///
/// `origin` names the file in errors; `default_name` is used when the file has no `"name"`.
///
/// # Errors
/// [`Error::Input`] naming `origin` and the field.
pub fn instance_from_json(
    bytes: &[u8],
    origin: &str,
    default_name: &str,
    overrides: &Overrides,
    symmetry: RelTol,
) -> Result<Instance> {
    let root: Value = parse_json(bytes).map_err(|e| {
        // serde_json's message ends with " at line L column C": the field already says where.
        let text = e.to_string();
        let what = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(head, _)| head);
        let (kind, message) = if what.contains("number out of range") {
            (
                ErrorKind::NonFinite,
                "a number is beyond the f64 range (entries must be finite)".to_owned(),
            )
        } else if what.starts_with(DUPLICATE_KEY) {
            (
                ErrorKind::Malformed,
                format!("{what}: a key may appear only once (JSON readers disagree on which value would count)"),
            )
        } else {
            (ErrorKind::Malformed, format!("malformed JSON: {what}"))
        };
        input(
            kind,
            origin,
            format!("line {}, column {}", e.line(), e.column()),
            message,
        )
    })?;
    let obj = root.as_object().ok_or_else(|| {
        input(
            ErrorKind::Malformed,
            origin,
            "(top level)",
            format!("expected a JSON object, found {}", type_name(&root)),
        )
    })?;
    let name = match obj.get("name") {
        None => default_name.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            return Err(input(
                ErrorKind::Malformed,
                origin,
                "name",
                format!("expected a string, found {}", type_name(v)),
            ))
        }
    };
    let samples = match (obj.get("hessians"), obj.get("gradients")) {
        (Some(_), Some(_)) => {
            return Err(input(
                ErrorKind::Malformed,
                origin,
                "hessians/gradients",
                "give either \"hessians\" or \"gradients\", not both",
            ))
        }
        (None, None) => {
            return Err(input(
                ErrorKind::Missing,
                origin,
                "hessians/gradients",
                "missing: give \"hessians\" (N×d×d) or \"gradients\" (N×d)",
            ))
        }
        (Some(h), None) => {
            let rows = array(origin, "hessians", h)?
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let field = format!("hessians[{i}]");
                    array(origin, &field, m)?
                        .iter()
                        .enumerate()
                        .map(|(r, row)| vector(origin, &format!("{field}[{r}]"), row))
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?;
            Samples::hessians_from_rows(&rows, symmetry).map_err(|e| e.in_file(origin))?
        }
        (None, Some(g)) => {
            let rows = array(origin, "gradients", g)?
                .iter()
                .enumerate()
                .map(|(i, row)| vector(origin, &format!("gradients[{i}]"), row))
                .collect::<Result<Vec<_>>>()?;
            Samples::gradients_from_rows(&rows).map_err(|e| e.in_file(origin))?
        }
    };
    let gamma = match (overrides.gamma, obj.get("gamma")) {
        (Some(g), _) => g,
        (None, Some(v)) => number(origin, "gamma", v)?,
        (None, None) => {
            return Err(input(
                ErrorKind::Missing,
                origin,
                "gamma",
                "missing: give the learning rate in the file or with --gamma",
            ))
        }
    };
    let batch_size = match (overrides.batch_size, obj.get("batch_size")) {
        (Some(b), _) => b,
        (None, Some(v)) => v
            .as_u64()
            .and_then(|b| usize::try_from(b).ok())
            .ok_or_else(|| {
                input(
                    ErrorKind::Malformed,
                    origin,
                    "batch_size",
                    format!("expected a non-negative integer, found {v}"),
                )
            })?,
        (None, None) => {
            return Err(input(
                ErrorKind::Missing,
                origin,
                "batch_size",
                "missing: give the batch size in the file or with --batch-size",
            ))
        }
    };
    let sampling = match (overrides.sampling, obj.get("sampling")) {
        (Some(s), _) => s,
        (None, None) => Sampling::default(),
        (None, Some(Value::String(s))) => s
            .parse()
            .map_err(|msg: String| input(ErrorKind::Malformed, origin, "sampling", msg))?,
        (None, Some(v)) => {
            return Err(input(
                ErrorKind::Malformed,
                origin,
                "sampling",
                format!("expected a string, found {}", type_name(v)),
            ))
        }
    };
    build(origin, name, samples, gamma, batch_size, sampling)
}
