//! Typed, defaulted parameters given as `key=value` strings.
//!
//! Values travel as strings (they come from the command line, suite files
//! and results files) and are parsed once, when a workload or runner is
//! built, into the owner's own typed fields.

use std::collections::BTreeMap;
use std::str::FromStr;

use thiserror::Error;

/// One parameter a workload or runner accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The key, as typed in `--set key=value`.
    pub name: &'static str,
    /// The default value, in the same string form a user would type.
    pub default: &'static str,
    /// One line saying what it does, with its unit.
    pub help: &'static str,
}

/// A problem with a parameter, naming the value and what would be accepted.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ParamError {
    /// The key is not one the owner accepts.
    #[error("`{owner}` has no parameter `{key}`{}; its parameters are: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), if accepted.is_empty() { "none".to_string() } else { accepted.join(", ") })]
    Unknown {
        /// The workload or runner id.
        owner: String,
        /// The key that was given.
        key: String,
        /// The closest accepted key, if any is close.
        suggestion: Option<String>,
        /// Every accepted key.
        accepted: Vec<String>,
    },
    /// The value does not parse or is out of range.
    #[error("`{owner}` parameter `{key}={value}` is invalid: {reason}")]
    Invalid {
        /// The workload or runner id.
        owner: String,
        /// The parameter.
        key: String,
        /// The value that was given.
        value: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
}

/// Resolved parameters of one workload or runner: every accepted key has a
/// value (given or default), and no other key is present.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    owner: String,
    values: BTreeMap<String, String>,
}

impl Params {
    /// Resolves `given` against `specs`: fills in defaults and rejects keys
    /// the owner does not accept.
    pub fn resolve(
        owner: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, String>,
    ) -> Result<Self, ParamError> {
        for key in given.keys() {
            if !specs.iter().any(|s| s.name == key) {
                return Err(ParamError::Unknown {
                    owner: owner.to_string(),
                    key: key.clone(),
                    suggestion: crate::closest(key, specs.iter().map(|s| s.name))
                        .map(str::to_string),
                    accepted: specs.iter().map(|s| s.name.to_string()).collect(),
                });
            }
        }
        let values = specs
            .iter()
            .map(|s| {
                let v = given
                    .get(s.name)
                    .cloned()
                    .unwrap_or_else(|| s.default.to_string());
                (s.name.to_string(), v)
            })
            .collect();
        Ok(Params {
            owner: owner.to_string(),
            values,
        })
    }

    /// The raw string value of `key` (every resolved key has one).
    pub fn raw(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    /// Parses `key` into `T`, with an error naming the value on failure.
    pub fn get<T: FromStr>(&self, key: &str) -> Result<T, ParamError>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self.raw(key);
        raw.parse::<T>()
            .map_err(|e| self.invalid(key, e.to_string()))
    }

    /// Like [`Params::get`], and also requires `value >= min`.
    pub fn get_at_least<T>(&self, key: &str, min: T) -> Result<T, ParamError>
    where
        T: FromStr + PartialOrd + std::fmt::Display,
        T::Err: std::fmt::Display,
    {
        let v: T = self.get(key)?;
        if v < min {
            return Err(self.invalid(key, format!("must be at least {min}")));
        }
        Ok(v)
    }

    /// An [`ParamError::Invalid`] for `key` with `reason`.
    pub fn invalid(&self, key: &str, reason: impl Into<String>) -> ParamError {
        ParamError::Invalid {
            owner: self.owner.clone(),
            key: key.to_string(),
            value: self.raw(key).to_string(),
            reason: reason.into(),
        }
    }

    /// Every key and its value, sorted by key.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[ParamSpec {
        name: "n",
        default: "10",
        help: "count",
    }];

    #[test]
    fn defaults_fill_in_and_unknown_keys_are_named() {
        let p = Params::resolve("w", SPECS, &BTreeMap::new()).unwrap();
        assert_eq!(p.get::<u64>("n").unwrap(), 10);
        let bad = BTreeMap::from([("m".to_string(), "1".to_string())]);
        let err = Params::resolve("w", SPECS, &bad).unwrap_err().to_string();
        assert!(
            err.contains("no parameter `m`") && err.contains("its parameters are: n"),
            "{err}"
        );
    }

    #[test]
    fn invalid_values_name_key_value_and_reason() {
        let given = BTreeMap::from([("n".to_string(), "x".to_string())]);
        let p = Params::resolve("w", SPECS, &given).unwrap();
        let err = p.get::<u64>("n").unwrap_err().to_string();
        assert!(err.contains("`n=x` is invalid"), "{err}");
        let zero = BTreeMap::from([("n".to_string(), "0".to_string())]);
        let p = Params::resolve("w", SPECS, &zero).unwrap();
        assert!(p
            .get_at_least("n", 1u64)
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
    }
}
