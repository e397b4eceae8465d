//! Hyperparameters by name, read from and written into a model's serde form: a struct's
//! fields are parameters, nested structs give dotted names (`tree.max_depth`), and every other
//! value (numbers, `none`, enum variants) is set from its text. A name the model does not
//! have, or a value its type cannot take, is an [`Error::Parameter`] naming it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// One hyperparameter: its dotted name and its value as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperparameter {
    /// `field` or `field.subfield`.
    pub name: String,
    /// The value, as JSON (`5`, `null`, `"Gini"`, `{"Rbf":"Scale"}`).
    pub value: String,
}

/// Whether an object is a struct's fields (snake-case keys) rather than an enum variant
/// (`{"Rbf": ...}`), which is one value.
fn is_struct(map: &Map<String, Value>) -> bool {
    !map.is_empty()
        && map
            .keys()
            .all(|k| k.starts_with(|c: char| c.is_ascii_lowercase()))
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<Hyperparameter>) {
    match value {
        Value::Object(map) if is_struct(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        other => out.push(Hyperparameter {
            name: prefix.to_string(),
            value: other.to_string(),
        }),
    }
}

/// The hyperparameters of `params` (a struct), by dotted name.
pub fn hyperparameters(params: &impl Serialize) -> Result<Vec<Hyperparameter>> {
    let mut out = Vec::new();
    flatten("", &serde_json::to_value(params)?, &mut out);
    Ok(out)
}

/// `value` text as JSON: `none`/`null` → null, JSON when it parses, else a string.
fn parse_value(text: &str) -> Value {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string()))
}

/// `one-vs-rest`, `one_vs_rest` or `oneVsRest` as the variant name `OneVsRest`.
fn camel_case(text: &str) -> String {
    text.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The value slot of dotted `name` in `root`, or why there is none.
fn slot<'a>(root: &'a mut Value, name: &str, names: &[String]) -> Result<&'a mut Value> {
    let mut at = root;
    for part in name.split('.') {
        at = match at {
            Value::Object(map) if is_struct(map) => map.get_mut(part),
            _ => None,
        }
        .ok_or_else(|| Error::Parameter {
            name: name.to_string(),
            reason: format!(
                "no such hyperparameter (the model has: {})",
                names.join(", ")
            ),
        })?;
    }
    Ok(at)
}

/// `params` with each `(name, value)` set, checked against the type after each one.
pub fn with_hyperparameters<P: Serialize + DeserializeOwned>(
    params: &P,
    settings: &[(String, String)],
) -> Result<P> {
    let root = set_checked(serde_json::to_value(params)?, settings, |v| {
        serde_json::from_value::<P>(v.clone()).map(drop)
    })?;
    serde_json::from_value(root).map_err(Error::from)
}

/// The serde form `root` of some params with each `(name, value)` set; after each one,
/// `accepts` says whether the params' type takes the result (or why not).
pub(super) fn set_checked(
    mut root: Value,
    settings: &[(String, String)],
    accepts: impl Fn(&Value) -> std::result::Result<(), serde_json::Error>,
) -> Result<Value> {
    let names: Vec<String> = hyperparameters(&root)?
        .into_iter()
        .map(|h| h.name)
        .collect();
    for (name, text) in settings {
        if !names.contains(name) {
            // a struct (`tree`) is set field by field
            let reason = match names.iter().any(|n| n.starts_with(&format!("{name}."))) {
                true => format!("set its fields ({name}.…), not the whole of it"),
                false => format!(
                    "no such hyperparameter (the model has: {})",
                    names.join(", ")
                ),
            };
            return Err(Error::Parameter {
                name: name.clone(),
                reason,
            });
        }
        let before = slot(&mut root, name, &names)?.clone();
        let mut last_error = String::new();
        let mut accepted = false;
        let value = parse_value(text);
        let mut candidates = vec![value.clone()];
        if let Value::String(s) = &value {
            candidates.push(Value::String(camel_case(s)));
        }
        for candidate in candidates {
            *slot(&mut root, name, &names)? = candidate;
            match accepts(&root) {
                Ok(_) => {
                    accepted = true;
                    break;
                }
                Err(e) if last_error.is_empty() => last_error = e.to_string(),
                Err(_) => {}
            }
        }
        if !accepted {
            return Err(Error::Parameter {
                name: name.clone(),
                reason: format!(
                    "value '{text}' does not fit (default {before}): {}",
                    last_error.split(" at line").next().unwrap_or(&last_error)
                ),
            });
        }
    }
    Ok(root)
}

/// `name=value` as a pair; anything else is an [`Error::Parameter`].
pub fn parse_setting(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(Error::Parameter {
            name: text.to_string(),
            reason: "expected name=value".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::RandomForest;
    use crate::linear::LogisticRegression;

    fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn names_values_and_errors() {
        let forest = RandomForest::new(100);
        let names: Vec<String> = hyperparameters(&forest)
            .unwrap()
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert!(names.contains(&"n_trees".to_string()), "{names:?}");
        assert!(names.contains(&"tree.max_depth".to_string()), "{names:?}");
        let changed = with_hyperparameters(
            &forest,
            &set(&[
                ("n_trees", "7"),
                ("tree.max_depth", "3"),
                ("engine", "smartcore"),
            ]),
        )
        .unwrap();
        assert_eq!(changed.n_trees, 7);
        assert_eq!(changed.tree.max_depth, Some(3));
        assert_eq!(changed.engine, crate::engine::Engine::Smartcore);
        let back = with_hyperparameters(&changed, &set(&[("tree.max_depth", "none")])).unwrap();
        assert_eq!(back.tree.max_depth, None);
        // enum variants in any case style
        let lr = with_hyperparameters(
            &LogisticRegression::default(),
            &set(&[("multi_class", "one-vs-all")]),
        )
        .unwrap();
        assert_eq!(lr.multi_class, crate::linear::MultiClass::OneVsAll);
        // errors name the parameter
        for (name, value, says) in [
            ("n_tree", "5", "no such hyperparameter"),
            ("n_trees", "many", "does not fit"),
            ("n_trees", "2.5", "does not fit"),
            ("tree", "5", "set its fields"),
        ] {
            match with_hyperparameters(&forest, &set(&[(name, value)])) {
                Err(Error::Parameter { name: n, reason }) => {
                    assert_eq!(n, name);
                    assert!(reason.contains(says), "{reason}");
                }
                other => panic!("{name}={value}: {other:?}"),
            }
        }
        assert!(parse_setting("k=3").is_ok());
        assert!(matches!(parse_setting("k"), Err(Error::Parameter { .. })));
    }
}
